"""Optional auto-approval (off by default) and its reversal within the payout window.

A claim is approved without a reviewer only when every signal agrees: a small amount, the
order's tracking number read on a photo, goods seen, no re-used photo, and a member with few
claims this month. Reviewers still see its card, marked auto-approved, with a Reverse button
until the payout is marked paid or its payout deadline passes.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from groupbot import permissions, policy
from groupbot.models import Claim, Member, OrderItem, Refund
from groupbot.models.claims import CLAIM_APPROVED, CLAIM_PENDING
from groupbot.models.reviews import REFUND_DUE
from groupbot.money import to_minor
from groupbot.refusal import Allowed, Result
from groupbot.reviews import notices, records
from groupbot.reviews.decisions import APPROVE, _no, decide
from groupbot.runtime import Runtime

MONTH = timedelta(days=30)


async def eligible(session: AsyncSession, rt: Runtime, claim: Claim) -> bool:
    rules = policy.rules_for(rt.settings)
    if not rules.auto_approve or claim.status != CLAIM_PENDING:
        return False
    if claim.refund_minor <= 0 or claim.refund_minor > to_minor(rules.auto_max_amount,
                                                                claim.currency):
        return False
    ev = claim.evidence or {}
    if not (ev.get("checked") and ev.get("tracking_match") and ev.get("goods_found")):
        return False
    if ev.get("reused"):
        return False
    recent = await session.scalar(select(func.count(Claim.id)).where(
        Claim.member_id == claim.member_id, Claim.id != claim.id,
        Claim.submitted_at >= rt.clock.now() - MONTH))
    return int(recent or 0) < rules.auto_monthly_claims


async def try_auto(session: AsyncSession, rt: Runtime, claim_id: int) -> bool:
    claim = await session.get(Claim, claim_id)
    if claim is None or not await eligible(session, rt, claim):
        return False
    return (await decide(session, rt, claim.id, None, APPROVE, auto=True)).ok


async def reverse(
    session: AsyncSession, rt: Runtime, claim_id: int, reviewer: Member
) -> Result:
    """Undo an auto-approval: the refund is withdrawn and the claim goes back to the queue."""
    refused = await permissions.refuse(session, rt.settings, rt.community_id, reviewer,
                                       permissions.REVERSE_AUTO_APPROVAL)
    if refused is not None:
        return refused
    now = rt.clock.now()
    refund = await session.scalar(select(Refund).where(Refund.claim_id == claim_id))
    if (refund is None or not refund.auto or refund.status != REFUND_DUE
            or refund.community_id != rt.community_id or now > refund.payout_due_at):
        return _no("not_reversible", claim=claim_id)
    gone = await session.execute(
        delete(Refund).where(Refund.id == refund.id, Refund.status == REFUND_DUE)
        .execution_options(synchronize_session=False))
    if gone.rowcount != 1:
        return _no("not_reversible", claim=claim_id)
    for item_id, share in refund.lines.items():
        await session.execute(
            update(OrderItem).where(OrderItem.id == int(item_id))
            .values(refunded_minor=OrderItem.refunded_minor - int(share))
            .execution_options(synchronize_session=False))
    await session.execute(
        update(Claim).where(Claim.id == claim_id, Claim.status == CLAIM_APPROVED)
        .values(status=CLAIM_PENDING).execution_options(synchronize_session=False))
    claim = await session.get(Claim, claim_id, populate_existing=True)
    review = await records.ensure_review(session, claim_id)
    review.decision = review.decided_by = review.decided_at = None
    review.auto = False
    review.version += 1
    # The audit row keeps what the withdrawn refund was: the refund row itself is gone.
    records.audit(session, claim_id, reviewer, "auto_reversed", now,
                  amount_minor=refund.amount_minor, lines=refund.lines)
    member = await session.get(Member, refund.member_id)
    assert claim is not None and member is not None
    await notices.tell_member(session, rt, claim, member, "reversed", review.version)
    return Allowed.of(claim=claim_id)
