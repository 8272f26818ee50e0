"""The review queue: pending claims oldest first, and leases ("I'm on it") that lapse alone.

A lease is only a time on the row: it counts while ``lease_until`` is in the future, so it
lapses by itself without any job; the clocks job merely clears lapsed ones so cards refresh.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from groupbot.models import Claim, ClaimReview, Member
from groupbot.models.claims import CLAIM_MORE_PHOTOS, CLAIM_PENDING
from groupbot.refusal import Allowed, Result
from groupbot.reviews import records
from groupbot.reviews.decisions import _no, already
from groupbot.runtime import Runtime


async def pending(
    session: AsyncSession, rt: Runtime, limit: int = 10
) -> list[tuple[Claim, ClaimReview | None, Member]]:
    """Claims waiting for a reviewer: oldest submission first (a claim back from "more
    photos" keeps its place)."""
    rows = await session.execute(
        select(Claim, ClaimReview, Member)
        .outerjoin(ClaimReview, ClaimReview.claim_id == Claim.id)
        .join(Member, Member.id == Claim.member_id)
        .where(Claim.community_id == rt.community_id, Claim.status == CLAIM_PENDING)
        .order_by(Claim.submitted_at, Claim.id).limit(limit))
    return [(c, r, m) for c, r, m in rows.all()]


async def waiting_for_photos(session: AsyncSession, rt: Runtime) -> int:
    return int(await session.scalar(select(func.count()).select_from(Claim).where(
        Claim.community_id == rt.community_id, Claim.status == CLAIM_MORE_PHOTOS)) or 0)


def holder(review: ClaimReview | None, rt: Runtime) -> int | None:
    """Who holds the claim now (None when free or the lease lapsed)."""
    if review is None or review.lease_member_id is None or review.lease_until is None:
        return None
    return review.lease_member_id if review.lease_until > rt.clock.now() else None


async def take(session: AsyncSession, rt: Runtime, claim_id: int, reviewer: Member) -> Result:
    """Hold the claim for ``review_lease_minutes``; taking it again extends the lease."""
    claim = await session.get(Claim, claim_id)
    if claim is None or claim.community_id != rt.community_id:
        return _no("not_found", claim=claim_id)
    if claim.status != CLAIM_PENDING:
        return await already(session, claim)
    review = await records.ensure_review(session, claim.id)
    now = rt.clock.now()
    until = now + timedelta(minutes=rt.settings.review_lease_minutes)
    won = await session.execute(
        update(ClaimReview).where(
            ClaimReview.id == review.id,
            or_(ClaimReview.lease_member_id.is_(None), ClaimReview.lease_until <= now,
                ClaimReview.lease_member_id == reviewer.id))
        .values(lease_member_id=reviewer.id, lease_until=until, version=ClaimReview.version + 1)
        .execution_options(synchronize_session=False))
    await session.refresh(review)
    if won.rowcount != 1:
        return _no("held", name=await records.name_of(session, review.lease_member_id),
                   until=review.lease_until)
    records.audit(session, claim.id, reviewer, "taken", now, until=until.isoformat())
    return Allowed.of(claim=claim.id, until=until)


async def release_lapsed(session: AsyncSession, rt: Runtime) -> list[int]:
    """Clear leases whose time is up (their cards then stop showing the holder)."""
    now = rt.clock.now()
    rows = list(await session.scalars(select(ClaimReview).where(
        ClaimReview.lease_member_id.is_not(None), ClaimReview.lease_until <= now)))
    for review in rows:
        records.audit(session, review.claim_id, None, "lease_lapsed", now,
                      holder=review.lease_member_id)
        review.lease_member_id = review.lease_until = None
        review.version += 1
    return [r.claim_id for r in rows]
