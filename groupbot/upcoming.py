"""What the bot will do next on its own, and when (read-only).

The playground's "to the next scheduled thing" clock button asks this, so a person can watch
reminders, deadlines, idle closes and scheduled broadcasts happen without guessing the time.
Each candidate mirrors the condition of the periodic job that acts on it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from groupbot import drafts
from groupbot.claims import KIND as CLAIM_DRAFT
from groupbot.models import Claim, ClaimReview, Deal, Draft, OutboxMessage, Refund
from groupbot.models.broadcasts import BROADCAST_SCHEDULED, Broadcast
from groupbot.models.claims import CLAIM_PENDING
from groupbot.models.deals import DEAL_OPEN
from groupbot.models.messaging import OUTBOX_PENDING
from groupbot.models.reviews import REFUND_DUE
from groupbot.runtime import Runtime

# what is due (codes the playground words): an outbox notice such as the claim-window
# reminder, a deal closing, a claim conversation going idle, a claim re-announced to the
# reviewers, a claim past its review deadline, a refund past its payout deadline, a broadcast
REMINDER, DEAL_CLOSE, CLAIM_IDLE = "reminder", "deal_close", "claim_idle"
REANNOUNCE, REVIEW_DEADLINE, PAYOUT_DEADLINE = "reannounce", "review_deadline", "payout_deadline"
BROADCAST = "broadcast"


async def next_due(session: AsyncSession, rt: Runtime) -> tuple[datetime, str] | None:
    """The earliest (time, code) after now, or None when nothing is scheduled."""
    now = rt.clock.now()
    community = rt.community_id
    idle = timedelta(minutes=rt.settings.claim_idle_minutes)
    reannounce = timedelta(hours=rt.settings.review_reannounce_hours)
    pending_claims = (select(Claim).join(ClaimReview, ClaimReview.claim_id == Claim.id)
                      .where(Claim.community_id == community, Claim.status == CLAIM_PENDING))
    queries = [
        (REMINDER, timedelta(0), select(func.min(OutboxMessage.not_before)).where(
            OutboxMessage.community_id == community, OutboxMessage.status == OUTBOX_PENDING,
            OutboxMessage.not_before > now)),
        (DEAL_CLOSE, timedelta(0), select(func.min(Deal.closes_at)).where(
            Deal.community_id == community, Deal.status == DEAL_OPEN, Deal.closes_at > now)),
        (CLAIM_IDLE, idle, select(func.min(Draft.updated_at)).where(  # as drafts.idle_out
            Draft.kind == CLAIM_DRAFT, Draft.status == drafts.ACTIVE,
            Draft.updated_at > now - idle)),
        (REANNOUNCE, reannounce, pending_claims.with_only_columns(func.min(Claim.submitted_at))
         .where(ClaimReview.reannounced_at.is_(None), Claim.submitted_at > now - reannounce)),
        (REVIEW_DEADLINE, timedelta(0),
         pending_claims.with_only_columns(func.min(Claim.review_due_at))
         .where(ClaimReview.escalated_at.is_(None), Claim.review_due_at > now)),
        (PAYOUT_DEADLINE, timedelta(0), select(func.min(Refund.payout_due_at)).where(
            Refund.community_id == community, Refund.status == REFUND_DUE,
            Refund.reminded_at.is_(None), Refund.payout_due_at > now)),
        (BROADCAST, timedelta(0), select(func.min(Broadcast.scheduled_at)).where(
            Broadcast.community_id == community, Broadcast.status == BROADCAST_SCHEDULED,
            Broadcast.scheduled_at > now)),
    ]
    found: list[tuple[datetime, str]] = []
    for code, after, query in queries:
        when = await session.scalar(query)
        if when is not None:
            found.append((when + after, code))
    return min(found) if found else None
