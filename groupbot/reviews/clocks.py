"""The review clocks, run by the periodic tick (the state lives in the rows, so a restart
carries on): re-announce a claim waiting too long, escalate one past its review deadline to
the organizers, remind an approved refund not paid by its payout deadline, clear lapsed leases.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from groupbot import notify, policy, texts
from groupbot.models import Claim, ClaimReview, Refund
from groupbot.models.claims import CLAIM_PENDING
from groupbot.models.reviews import REFUND_DUE
from groupbot.money import fmt, from_minor
from groupbot.orders import local_time
from groupbot.people import organizers_reachable
from groupbot.reviews import queue, records
from groupbot.reviews.card import left
from groupbot.runtime import Runtime


async def run(rt: Runtime, sender: notify.Sender) -> None:
    async with rt.tx() as session:
        await queue.release_lapsed(session, rt)
        await _reannounce(session, rt)
        await _escalate(session, rt)
        await _payout_reminders(session, rt)


async def _pending(session: AsyncSession, rt: Runtime, clock: Any, *conditions: Any) -> list:
    """Pending claims whose ``clock`` (a ClaimReview time) has not run yet.

    Found from the few undecided reviews whose clock is unset (a partial index each), not
    from the whole backlog: a claim waiting for days was re-announced and escalated long ago.
    Two statements, so each database looks the claims up by id whatever it estimates.
    """
    waiting = list(await session.scalars(select(ClaimReview.claim_id).where(
        clock.is_(None), ClaimReview.decided_at.is_(None))))
    if not waiting:
        return []
    rows = await session.execute(
        select(Claim, ClaimReview).join(ClaimReview, ClaimReview.claim_id == Claim.id)
        .where(Claim.id.in_(waiting), Claim.community_id == rt.community_id,
               Claim.status == CLAIM_PENDING, *conditions)
        .order_by(Claim.submitted_at, Claim.id))
    return list(rows.all())


async def _reannounce(session: AsyncSession, rt: Runtime) -> None:
    hours = rt.settings.review_reannounce_hours
    cutoff = rt.clock.now() - timedelta(hours=hours)
    for claim, review in await _pending(session, rt, ClaimReview.reannounced_at,
                                        Claim.submitted_at <= cutoff):
        review.reannounced_at = rt.clock.now()
        for chat in await records.reviewer_chats(session, rt):
            await notify.enqueue(session, rt, notify.Outgoing(
                key=f"claim:{claim.id}:reannounce:{chat.chat_id}", kind="claim_reannounce",
                chat_id=chat.chat_id, member_id=chat.member_id, order_id=claim.order_id,
                message=texts.text("reviews.clock.reannounce", claim=claim.id, hours=hours,
                                   due=local_time(rt, claim.review_due_at),
                                   left=left(rt, claim.review_due_at)),
                buttons=[[(texts.text("reviews.button.take"), f"rv:t:{claim.id}")]]))


async def _escalate(session: AsyncSession, rt: Runtime) -> None:
    now = rt.clock.now()
    for claim, review in await _pending(session, rt, ClaimReview.escalated_at,
                                        Claim.review_due_at <= now):
        review.escalated_at = now
        records.audit(session, claim.id, None, "escalated", now)
        organizers = await organizers_reachable(session, rt)
        targets = [(m.telegram_id, m.id) for m in organizers]
        if not targets:  # nobody to escalate to privately: say it where reviewers read
            targets = [(c.chat_id, c.member_id) for c in await records.reviewer_chats(session, rt)]
        for chat_id, member_id in targets:
            await notify.enqueue(session, rt, notify.Outgoing(
                key=f"claim:{claim.id}:escalate:{chat_id}", kind="claim_escalate",
                chat_id=chat_id, member_id=member_id, order_id=claim.order_id,
                message=texts.text("reviews.clock.escalate", claim=claim.id,
                                   due=local_time(rt, claim.review_due_at),
                                   days=policy.rules_for(rt.settings).review_days)))


async def _payout_reminders(session: AsyncSession, rt: Runtime) -> None:
    now = rt.clock.now()
    rows = await session.scalars(
        select(Refund).where(Refund.community_id == rt.community_id,
                             Refund.status == REFUND_DUE, Refund.reminded_at.is_(None),
                             Refund.payout_due_at <= now).order_by(Refund.payout_due_at)
        # SQLite would rather range over every due refund past its deadline (the payouts
        # index): the partial index holds only the ones not reminded yet.
        .with_hint(Refund, "INDEXED BY ix_refunds_to_remind", "sqlite"))
    for refund in rows:
        refund.reminded_at = now
        records.audit(session, refund.claim_id, None, "payout_reminded", now,
                      refund_id=refund.id)
        amount = fmt(from_minor(refund.amount_minor, refund.currency), refund.currency)
        for chat in await records.reviewer_chats(session, rt):
            await notify.enqueue(session, rt, notify.Outgoing(
                key=f"refund:{refund.id}:remind:{chat.chat_id}", kind="refund_reminder",
                chat_id=chat.chat_id, member_id=chat.member_id,
                message=texts.text("reviews.clock.payout", claim=refund.claim_id,
                                   amount=amount, due=local_time(rt, refund.payout_due_at),
                                   days=policy.rules_for(rt.settings).payout_days),
                buttons=[[(texts.text("reviews.button.paid"), f"rv:p:{refund.id}")]]))
