"""The member adds photos to a claim a reviewer sent back; it returns to its place in the queue.

The photos are collected in a draft (kind ``claimadd``) like the claim's own, then appended to
the same claim; ``submitted_at`` is untouched, so the queue (oldest first) keeps its place.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from groupbot import drafts, policy
from groupbot.models import Claim, ClaimPhoto, Draft, Member
from groupbot.models.claims import CLAIM_MORE_PHOTOS, CLAIM_PENDING
from groupbot.refusal import Allowed, Refusal, Result
from groupbot.reviews import records
from groupbot.reviews.decisions import _no
from groupbot.reviews.evidence import evidence_for
from groupbot.runtime import Runtime

KIND = "claimadd"


async def begin(session: AsyncSession, rt: Runtime, member: Member, claim_id: int
                ) -> Draft | Refusal:
    claim = await session.get(Claim, claim_id)
    if claim is None or claim.member_id != member.id:
        return _no("not_found", claim=claim_id)
    if claim.status != CLAIM_MORE_PHOTOS:
        return _no("not_waiting", claim=claim_id)
    return await drafts.begin(session, rt, member, KIND, "photos",
                              {"claim_id": claim.id, "photos": []})


async def room(session: AsyncSession, rt: Runtime, draft: Draft) -> int:
    stored = await session.scalar(select(func.count(ClaimPhoto.id)).where(
        ClaimPhoto.claim_id == draft.data["claim_id"]))
    return policy.rules_for(rt.settings).max_photos - int(stored or 0) - len(draft.data["photos"])


def add(rt: Runtime, draft: Draft, photo: dict[str, Any]) -> bool:
    if any(p["file_unique_id"] == photo["file_unique_id"] for p in draft.data["photos"]):
        return False
    drafts.advance(rt, draft, photos=[*draft.data["photos"], photo])
    return True


async def finish(session: AsyncSession, rt: Runtime, member: Member, draft: Draft) -> Result:
    """Append the photos, refresh the evidence and put the claim back in the queue."""
    claim_id, photos = draft.data["claim_id"], draft.data["photos"]
    if not photos:
        return _no("no_photos")
    back = await session.execute(
        update(Claim).where(Claim.id == claim_id, Claim.member_id == member.id,
                            Claim.status == CLAIM_MORE_PHOTOS)
        .values(status=CLAIM_PENDING).execution_options(synchronize_session=False))
    await drafts.finish(session, draft)
    if back.rowcount != 1:
        return _no("not_waiting", claim=claim_id)
    claim = await session.get(Claim, claim_id, populate_existing=True)
    assert claim is not None
    start = len(claim.photos)
    for i, p in enumerate(photos, start + 1):
        session.add(ClaimPhoto(claim_id=claim.id, community_id=claim.community_id, position=i,
                               file_id=p["file_id"], file_unique_id=p["file_unique_id"],
                               phash=p.get("phash"), findings=p.get("findings")))
    await session.flush()
    await session.refresh(claim, ["photos"])
    claim.evidence = await evidence_for(session, claim.community_id, claim.id, claim.photos,
                                        claim.order_id)
    review = await records.ensure_review(session, claim.id)
    review.decision = review.decided_by = review.decided_at = None
    review.card_posted_at = None  # a new card with the new evidence sheet goes out
    review.card_round += 1
    review.version += 1
    records.audit(session, claim.id, member, "photos_added", rt.clock.now(), count=len(photos))
    return Allowed.of(claim=claim.id, count=len(photos))
