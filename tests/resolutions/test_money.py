"""The money rules of resolutions as properties: a reship refunds nothing and leaves the cap
alone; a return's refund plus every claim's refund never exceed what was paid for the line
(the order_items CHECK holds across claims and returns); every money change has its event."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text, update
from sqlalchemy.exc import IntegrityError

from groupbot import claims
from groupbot.models import Claim, ClaimEvent, Draft, Member, Order, OrderItem, Product, Refund
from groupbot.orders import NewItem, create_order
from groupbot.people import Person, ensure_community, upsert_member
from groupbot.refunds import quote_refund
from groupbot.resolutions import returns
from groupbot.reviews.decisions import ADJUST, APPROVE, REJECT, RESHIP, decide
from groupbot.runtime import Runtime
from groupbot.settings import Settings
from groupbot.shipping import mark_delivered, mark_shipped
from tests.conftest import engine_for

REVIEWER, ORGANIZER, BUYER = 8_000_001, 8_000_002, 8_000_003


@pytest.fixture
async def rt(database, clock):
    from groupbot.db import upgrade

    _backend, url = database
    engine = engine_for(url)
    await upgrade(engine)
    runtime = Runtime.create(Settings(
        database_url=url.partition("#")[0], reviewer_ids=frozenset({REVIEWER}),
        organizer_ids=frozenset({ORGANIZER}), return_address="上海市花木路 88 号"),
        clock=clock, engine=engine)
    async with runtime.tx() as s:
        runtime.community_id = (await ensure_community(s, runtime.settings)).id
    yield runtime
    await engine.dispose()


async def _people(s) -> tuple[Member, Member, Member]:
    return tuple([await upsert_member(s, Person(i, n)) for i, n in
                  ((REVIEWER, "李审核"), (ORGANIZER, "王团长"), (BUYER, "小明"))])


async def _line(rt, s, buyer: Member, quantity: int, price: str) -> Order:
    product = Product(community_id=rt.community_id, name="蜂蜜", unit="瓶", perishable=False)
    s.add(product)
    await s.flush()
    order, _ = await create_order(s, rt, member=buyer, group=None, source="api",
                                  items=[NewItem(product, quantity, Decimal(price))])
    await mark_shipped(s, rt, order, "顺丰", "SF1234567890")
    await mark_delivered(s, rt, order)
    return order


async def _claim(rt, s, buyer: Member, order: Order, units: int, reason: str) -> Claim | None:
    draft = await claims.begin(s, rt, buyer, order)
    if not isinstance(draft, Draft):
        return None
    if not (await claims.choose_units(s, rt, draft, order, order.items[0].id, units)).ok:
        await s.delete(draft)
        return None
    claims.choose_reason(rt, draft, order, reason)
    claims.set_packaging(rt, draft, "intact")
    claims.add_photo(rt, draft, {"file_id": f"f{random.random()}",
                                 "file_unique_id": f"u{random.random()}"})
    result = await claims.submit(s, rt, buyer, draft)
    return result[0] if isinstance(result, tuple) else None


async def _check_line(s, item_id: int) -> None:
    item = await s.get(OrderItem, item_id, populate_existing=True)
    refunds = list(await s.scalars(select(Refund)))
    from_refunds = sum(int((r.lines or {}).get(str(item_id), 0)) for r in refunds)
    assert item.refunded_minor == from_refunds <= item.paid_minor
    for refund in refunds:  # an event row for every money change
        events = await s.scalars(select(ClaimEvent.details).where(
            ClaimEvent.claim_id == refund.claim_id, ClaimEvent.action.in_(("approve", "adjust"))))
        assert [e["amount_minor"] for e in events] == [refund.amount_minor]


async def test_claims_returns_and_reships_never_refund_more_than_was_paid(rt):
    """A seeded random walk: claims (approved, adjusted, reshipped, rejected) and a return of
    whatever is left, on lines of random size and price; the invariants after every step."""
    rng = random.Random(15)
    seen = dict.fromkeys((APPROVE, ADJUST, RESHIP, REJECT, "return"), 0)
    for _scenario in range(12):
        async with rt.tx() as s:
            reviewer, organizer, buyer = await _people(s)
            order = await _line(rt, s, buyer, rng.randint(1, 7),
                                f"{rng.randint(1, 5000) / 100:.2f}")
            item_id, paid = order.items[0].id, order.items[0].paid_minor
        for _step in range(rng.randint(1, 4)):
            async with rt.tx() as s:
                reviewer, organizer, buyer = await _people(s)
                order = await s.get(Order, order.id, populate_existing=True)
                left = order.items[0].quantity - sum(
                    r.already_claimed for r in await claims.item_rooms(s, order))
                if left <= 0:
                    break
                claim = await _claim(rt, s, buyer, order, rng.randint(1, left),
                                     rng.choice(["crushed", "missing", "wrong_item"]))
                if claim is None:
                    break
                action = rng.choice([APPROVE, ADJUST, RESHIP, REJECT])
                cap = Decimal(paid - order.items[0].refunded_minor) / 100
                amount = (Decimal(rng.randint(1, max(int(cap * 100), 1))) / 100
                          if action == ADJUST else None)
                before = order.items[0].refunded_minor
                outcome = await decide(s, rt, claim.id, reviewer, action, amount=amount,
                                       reason={ADJUST: "only part", REJECT: "no_damage"}
                                       .get(action))
                seen[action] += outcome.ok
                if action == RESHIP and outcome.ok:  # goods, not money
                    item = await s.get(OrderItem, item_id, populate_existing=True)
                    assert item.refunded_minor == before
                    assert await s.scalar(select(Refund).where(Refund.claim_id == claim.id)) is None
                await _check_line(s, item_id)
        async with rt.tx() as s:  # whatever is left goes back as a 7-day return
            reviewer, organizer, buyer = await _people(s)
            order = await s.get(Order, order.id, populate_existing=True)
            started = await returns.start(s, rt, buyer, order, item_id)
        if isinstance(started, tuple):
            claim_id = started[0].id
            async with rt.tx() as s:
                reviewer, organizer, buyer = await _people(s)
                assert isinstance(await returns.confirm_received(s, rt, organizer, claim_id),
                                  tuple)
                assert (await decide(s, rt, claim_id, reviewer, APPROVE)).ok
                seen["return"] += 1
        async with rt.tx() as s:
            await _check_line(s, item_id)
            item = await s.get(OrderItem, item_id)
            assert item.refunded_minor <= item.paid_minor
    assert all(seen.values()), seen  # the walk went down every path


async def test_the_database_refuses_a_refund_past_what_was_paid(rt):
    async with rt.tx() as s:
        _r, _o, buyer = await _people(s)
        order = await _line(rt, s, buyer, 2, "39.00")
        item_id = order.items[0].id
    with pytest.raises(IntegrityError):
        async with rt.tx() as s:
            await s.execute(update(OrderItem).where(OrderItem.id == item_id)
                            .values(refunded_minor=OrderItem.paid_minor + 1))
    async with rt.tx() as s:
        assert (await s.execute(text("SELECT refunded_minor FROM order_items"))).scalar() == 0


@settings(max_examples=200, deadline=None)
@given(quantity=st.integers(1, 30), paid=st.integers(0, 10**7),
       splits=st.lists(st.integers(1, 30), min_size=1, max_size=6),
       reshipped=st.sets(st.integers(0, 5)))
def test_claims_then_a_return_refund_the_line_exactly_once(quantity, paid, splits, reshipped):
    """Cumulative quotes: claims in any split, some settled by reship (no money), then a
    return of every unit left: what was refunded never exceeds the line, and a line whose
    units were all refunded got back exactly what was paid."""
    units_done, refunded, reship_units = 0, 0, 0
    for i, units in enumerate(splits):
        units = min(units, quantity - units_done)
        if units <= 0:
            break
        quote = quote_refund(Decimal(paid) / 100, quantity, units, units_done,
                             Decimal(refunded) / 100, "CNY")
        units_done += units
        if i in reshipped:
            reship_units += units  # the goods go again; the money stays
            continue
        refunded += int(quote.amount * 100)
    if units_done < quantity:  # the return
        quote = quote_refund(Decimal(paid) / 100, quantity, quantity - units_done, units_done,
                             Decimal(refunded) / 100, "CNY")
        refunded += int(quote.amount * 100)
    assert 0 <= refunded <= paid
    if not reship_units:
        assert refunded == paid
