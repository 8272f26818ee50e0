"""The money rules of a decision: how an amount is spread over lines, and that the database
refuses refunds beyond what was paid even when two claims of one order race."""

import asyncio
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from groupbot.models import ROLE_REVIEWER, Claim, ClaimItem, ClaimReview, OrderItem, Product, Refund
from groupbot.models.claims import CLAIM_PENDING
from groupbot.people import ensure_community, grant_role
from groupbot.reviews.decisions import ADJUST, APPROVE, OverRefund, decide
from groupbot.reviews.split import split_amount
from tests.factories import member, order_for


@pytest.mark.parametrize(("amount", "computed", "caps", "expected"), [
    (1000, [1000], [5000], [1000]),
    (700, [600, 400], [600, 400], [420, 280]),
    (701, [600, 400], [600, 400], [421, 280]),
    (1, [1, 1, 1], [1, 1, 1], [1, 0, 0]),
    (1500, [600, 400], [900, 700], [900, 600]),  # above the quote: fill up to the caps
    (300, [0, 0], [200, 200], [200, 100]),
])
def test_split_amount(amount, computed, caps, expected):
    shares = split_amount(amount, computed, caps)
    assert shares == expected and sum(shares) == amount
    assert all(s <= cap for s, cap in zip(shares, caps, strict=True))


def test_split_amount_refuses_more_than_the_caps():
    with pytest.raises(ValueError):
        split_amount(1001, [500, 500], [500, 500])


async def _setup(rt, paid="10.00", quantity=10):
    async with rt.tx() as s:
        rt.community_id = (await ensure_community(s, rt.settings)).id
        buyer = await member(rt, s, 1, "小明")
        li, zhao = await member(rt, s, 2, "李审核"), await member(rt, s, 3, "赵审核")
        for reviewer in (li, zhao):  # only reviewers decide (groupbot/permissions.py)
            await grant_role(s, rt.community_id, reviewer, ROLE_REVIEWER, source="config")
        product = Product(community_id=rt.community_id, name="沃柑", unit="个")
        s.add(product)
        await s.flush()
        order = await order_for(rt, s, buyer, product, quantity=quantity,
                                price=Decimal(paid) / quantity)
    return order, buyer, li, zhao


async def _claim(rt, order, buyer, refund_minor: int, key: str) -> int:
    now = rt.clock.now()
    async with rt.tx() as s:
        claim = Claim(community_id=rt.community_id, order_id=order.id, member_id=buyer.id,
                      submission_key=key, status=CLAIM_PENDING, reason="rotten",
                      currency="CNY", refund_minor=refund_minor, submitted_at=now,
                      review_due_at=now)
        s.add(claim)
        await s.flush()
        s.add_all([ClaimItem(claim_id=claim.id, order_item_id=order.items[0].id,
                             damaged_units=1, amount_minor=refund_minor),
                   ClaimReview(claim_id=claim.id, version=1, card_round=1, auto=False)])
        return claim.id


async def test_two_claims_of_one_order_never_refund_more_than_was_paid(runtime):
    rt = runtime
    order, buyer, li, zhao = await _setup(rt)  # paid ¥10.00
    a = await _claim(rt, order, buyer, 800, "a")
    b = await _claim(rt, order, buyer, 800, "b")

    async def approve(claim_id, who):
        try:
            async with rt.tx() as s:
                return (await decide(s, rt, claim_id, who, APPROVE)).ok
        except OverRefund:
            return False

    await asyncio.gather(approve(a, li), approve(b, zhao))
    async with rt.tx() as s:
        refunded = await s.scalar(select(OrderItem.refunded_minor))
        total = await s.scalar(select(func.coalesce(func.sum(Refund.amount_minor), 0)))
    assert refunded == total <= 1000 and refunded >= 800


async def test_adjusted_amount_is_checked_against_what_is_left(runtime):
    rt = runtime
    order, buyer, li, _zhao = await _setup(rt)
    a = await _claim(rt, order, buyer, 800, "a")
    async with rt.tx() as s:
        assert (await decide(s, rt, a, li, APPROVE)).ok
    b = await _claim(rt, order, buyer, 500, "b")
    async with rt.tx() as s:
        refused = await decide(s, rt, b, li, ADJUST, amount="2.01", reason="x")
        assert (refused.code, refused.params["cap"]) == ("amount_exceeds_cap", Decimal("2.00"))
        assert (await decide(s, rt, b, li, ADJUST, amount="2", reason="剩下的")).ok
    async with rt.tx() as s:
        assert await s.scalar(select(OrderItem.refunded_minor)) == 1000
