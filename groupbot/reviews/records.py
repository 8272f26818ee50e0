"""The rows a review keeps (one ClaimReview per claim, its cards) and the people involved."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

import messages
from groupbot import permissions
from groupbot.models import (
    ROLE_REVIEWER,
    Claim,
    ClaimEvent,
    ClaimReview,
    Group,
    Member,
    Refund,
)
from groupbot.models.reviews import REFUND_PAID
from groupbot.orders import member_locale
from groupbot.runtime import Runtime

HISTORY_DAYS = 90


async def review_of(session: AsyncSession, claim_id: int) -> ClaimReview | None:
    return await session.scalar(select(ClaimReview).where(ClaimReview.claim_id == claim_id))


async def ensure_review(session: AsyncSession, claim_id: int) -> ClaimReview:
    review = await review_of(session, claim_id)
    if review is None:
        review = ClaimReview(claim_id=claim_id, version=1, card_round=1, auto=False)
        session.add(review)
        await session.flush()
    return review


async def touch(session: AsyncSession, claim_id: int) -> None:
    """Something the cards show changed: every posted copy gets edited on the next tick."""
    await session.execute(
        update(ClaimReview).where(ClaimReview.claim_id == claim_id)
        .values(version=ClaimReview.version + 1)
    )


def audit(session: AsyncSession, claim_id: int, actor: Member | None, action: str,
          at: datetime, **details: object) -> None:
    session.add(ClaimEvent(claim_id=claim_id, actor_member_id=actor.id if actor else None,
                           action=action, details=dict(details) or None, at=at))


async def name_of(session: AsyncSession, member_id: int | None) -> str:
    if member_id is None:
        return ""
    member = await session.get(Member, member_id)
    return member.full_name if member else str(member_id)


@dataclass(frozen=True)
class ReviewerChat:
    chat_id: int
    locale: str
    member_id: int | None = None


async def reviewer_chats(session: AsyncSession, rt: Runtime) -> list[ReviewerChat]:
    """Where reviewers read cards and reminders: the reviewers' chat if configured, else each
    reviewer's private chat (only those who opened it: Telegram forbids writing first)."""
    if rt.settings.reviewers_chat_id is not None:
        group = await session.scalar(
            select(Group).where(Group.chat_id == rt.settings.reviewers_chat_id))
        locale = messages.pick_locale(None, group.locale if group else None,
                                      rt.settings.default_locale)
        return [ReviewerChat(rt.settings.reviewers_chat_id, locale)]
    rows = await session.scalars(
        select(Member).where(
            permissions.holders(ROLE_REVIEWER, rt.settings, rt.community_id),
            Member.started_at.is_not(None), Member.blocked_at.is_(None),
        ).order_by(Member.id)
    )
    return [ReviewerChat(m.telegram_id, member_locale(rt, m), m.id) for m in rows]


@dataclass(frozen=True)
class History:
    claims: int
    refunded_minor: int


async def member_history(session: AsyncSession, rt: Runtime, claim: Claim) -> History:
    """The member's other claims and their refunds in the last 90 days."""
    since = rt.clock.now() - timedelta(days=HISTORY_DAYS)
    count = await session.scalar(
        select(func.count(Claim.id)).where(Claim.member_id == claim.member_id,
                                           Claim.id != claim.id, Claim.submitted_at >= since))
    refunded = await session.scalar(
        select(func.coalesce(func.sum(Refund.amount_minor), 0)).where(
            Refund.member_id == claim.member_id, Refund.claim_id != claim.id,
            Refund.decided_at >= since))
    return History(int(count or 0), int(refunded or 0))


async def paid_refund(session: AsyncSession, claim_id: int) -> Refund | None:
    return await session.scalar(select(Refund).where(Refund.claim_id == claim_id,
                                                     Refund.status == REFUND_PAID))
