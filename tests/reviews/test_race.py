"""Two reviewers approve the same claim at the same moment, 500 times on each backend:
exactly one decision, one refund and one increment of the order line's refunded amount."""

import asyncio
import time
from decimal import Decimal

from sqlalchemy import func, select

from groupbot.models import ROLE_REVIEWER, Claim, ClaimItem, ClaimReview, OrderItem, Product, Refund
from groupbot.models.claims import CLAIM_APPROVED, CLAIM_PENDING
from groupbot.people import ensure_community, grant_role
from groupbot.reviews.decisions import APPROVE, decide
from tests.factories import member, order_for

ROUNDS = 500


async def _claim(rt, order, item_id: int, buyer_id: int, n: int) -> int:
    now = rt.clock.now()
    async with rt.tx() as s:
        claim = Claim(community_id=rt.community_id, order_id=order.id, member_id=buyer_id,
                      submission_key=f"race:{n}", status=CLAIM_PENDING, reason="rotten",
                      currency="CNY", refund_minor=100, submitted_at=now, review_due_at=now)
        s.add(claim)
        await s.flush()
        s.add_all([ClaimItem(claim_id=claim.id, order_item_id=item_id, damaged_units=1,
                             amount_minor=100),
                   ClaimReview(claim_id=claim.id, version=1, card_round=1, auto=False)])
        return claim.id


async def _approve(rt, claim_id: int, reviewer) -> bool:
    async with rt.tx() as s:
        return (await decide(s, rt, claim_id, reviewer, APPROVE)).ok


async def test_two_reviewers_approve_at_once_exactly_one_wins(runtime):
    rt = runtime
    async with rt.tx() as s:
        rt.community_id = (await ensure_community(s, rt.settings)).id
        buyer = await member(rt, s, 1, "小明")
        li, zhao = await member(rt, s, 2, "李审核"), await member(rt, s, 3, "赵审核")
        for reviewer in (li, zhao):  # only reviewers decide (groupbot/permissions.py)
            await grant_role(s, rt.community_id, reviewer, ROLE_REVIEWER, source="config")
        product = Product(community_id=rt.community_id, name="沃柑", unit="个")
        s.add(product)
        await s.flush()
        order = await order_for(rt, s, buyer, product, quantity=1000, price=Decimal("1.00"))
        item_id = order.items[0].id
    started = time.perf_counter()
    winners = []
    for n in range(ROUNDS):
        claim_id = await _claim(rt, order, item_id, buyer.id, n)
        results = await asyncio.gather(_approve(rt, claim_id, li), _approve(rt, claim_id, zhao))
        winners.append(sum(results))
    elapsed = time.perf_counter() - started
    assert winners == [1] * ROUNDS
    async with rt.tx() as s:
        refunds = await s.scalar(select(func.count(Refund.id)))
        per_claim = await s.scalar(select(func.count(func.distinct(Refund.claim_id))))
        approved = await s.scalar(select(func.count(Claim.id))
                                  .where(Claim.status == CLAIM_APPROVED))
        refunded = await s.scalar(select(OrderItem.refunded_minor)
                                  .where(OrderItem.id == item_id))
    assert (refunds, per_claim, approved, refunded) == (ROUNDS, ROUNDS, ROUNDS, ROUNDS * 100)
    print(f"\n{ROUNDS} races on {rt.engine.dialect.name}: {elapsed:.1f} s")
