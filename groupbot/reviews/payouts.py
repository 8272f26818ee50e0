"""Approved refunds waiting to be paid out, and marking one paid (once) with a reference."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from groupbot import permissions
from groupbot.models import Claim, Member, Refund
from groupbot.models.claims import CLAIM_APPROVED, CLAIM_PAID
from groupbot.models.reviews import REFUND_DUE, REFUND_PAID
from groupbot.refusal import Allowed, Refusal, Result
from groupbot.reviews import notices, records
from groupbot.reviews.decisions import _no
from groupbot.runtime import Runtime


async def due(session: AsyncSession, rt: Runtime, limit: int = 20) -> list[tuple[Refund, Member]]:
    """Refunds decided but not yet paid, the oldest payout deadline first."""
    rows = await session.execute(
        select(Refund, Member).join(Member, Member.id == Refund.member_id)
        .where(Refund.community_id == rt.community_id, Refund.status == REFUND_DUE)
        .order_by(Refund.payout_due_at, Refund.id).limit(limit))
    return [(r, m) for r, m in rows.all()]


async def get(session: AsyncSession, rt: Runtime, refund_id: int) -> Refund | None:
    refund = await session.get(Refund, refund_id)
    return refund if refund is not None and refund.community_id == rt.community_id else None


async def payable(session: AsyncSession, rt: Runtime, refund_id: int) -> Refund | Refusal:
    """The refund if it can still be marked paid, else why not (already paid: by whom, when)."""
    refund = await get(session, rt, refund_id)
    if refund is None or refund.status not in (REFUND_DUE, REFUND_PAID):
        return _no("refund_not_found", refund=refund_id)
    if refund.status == REFUND_PAID:
        return _no("already_paid", refund=refund.id, claim=refund.claim_id,
                   name=await records.name_of(session, refund.paid_by), at=refund.paid_at,
                   reference=refund.paid_reference)
    return refund


async def mark_paid(
    session: AsyncSession, rt: Runtime, refund_id: int, reviewer: Member, reference: str
) -> Result:
    """Mark a refund paid once; only someone the table allows to mark payouts paid."""
    refused = await permissions.refuse(session, rt.settings, rt.community_id, reviewer,
                                       permissions.MARK_PAID)
    if refused is not None:
        return refused
    reference = " ".join(reference.split())[:120]
    if not reference:
        return _no("reference_missing")
    refund = await get(session, rt, refund_id)
    if refund is None:
        return _no("refund_not_found", refund=refund_id)
    now = rt.clock.now()
    won = await session.execute(
        update(Refund).where(Refund.id == refund.id, Refund.status == REFUND_DUE)
        .values(status=REFUND_PAID, paid_at=now, paid_reference=reference, paid_by=reviewer.id)
        .execution_options(synchronize_session=False))
    await session.refresh(refund)
    if won.rowcount != 1:  # paid by someone else, or reversed, meanwhile
        refused = await payable(session, rt, refund.id)
        return refused if isinstance(refused, Refusal) else _no("refund_not_found",
                                                                refund=refund_id)
    await session.execute(
        update(Claim).where(Claim.id == refund.claim_id, Claim.status == CLAIM_APPROVED)
        .values(status=CLAIM_PAID).execution_options(synchronize_session=False))
    claim = await session.get(Claim, refund.claim_id, populate_existing=True)
    member = await session.get(Member, refund.member_id)
    assert claim is not None and member is not None
    records.audit(session, claim.id, reviewer, "paid", now, refund_id=refund.id,
                  amount_minor=refund.amount_minor, reference=reference)
    await records.touch(session, claim.id)
    await notices.tell_member(session, rt, claim, member, "paid", refund.id,
                              amount=notices.money(claim, refund.amount_minor),
                              reference=reference)
    return Allowed.of(claim=claim.id, refund=refund.id)
