"""Return visits (回访): "赣南脐橙收到还满意吗？" the day after delivery, in service hours.

Two periodic jobs. ``plan`` gives every recently delivered order one visit row (unique per
order) due at the policy's time moved into service hours. ``send_due`` claims the due rows
(``FOR UPDATE SKIP LOCKED``: any number of processes), and for each one decides in the same
transaction: skip it (a claim on the order — an open one, or a decided one that had its own
rating request —, an active complaint case, the member's
opt-out, a visit already sent within the cooldown, a member we cannot write to), wait (service
is closed now: never at night), or queue the question — or, for a visit already asked and not
answered, its one reminder — through the outbox.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from groupbot import orders, policy
from groupbot.aftercare import timing
from groupbot.aftercare.ratings import request, score_buttons
from groupbot.aftercare.records import active_case, tell
from groupbot.claiming import claimable
from groupbot.models import Claim, Member, Order
from groupbot.models.aftercare import (
    RATED_VISIT,
    VISIT_DUE_STATES,
    VISIT_PLANNED,
    VISIT_REMINDED,
    VISIT_SENT,
    VISIT_SKIPPED,
    AftercareMember,
    Rating,
    Visit,
)
from groupbot.models.claims import OPEN_STATUSES
from groupbot.models.orders import ORDER_DELIVERED
from groupbot.notify import Sender
from groupbot.runtime import Runtime

LOOKBACK = timedelta(days=3)  # deliveries older than this when the job first sees them: no visit
BATCH = 100


async def plan(rt: Runtime, sender: Sender | None = None) -> int:
    """One visit per delivered order (leader job; the unique order_id is the second guard)."""
    now = rt.clock.now()
    rules = timing.rules(rt)
    async with rt.tx() as session:
        planned = select(Visit.order_id).where(Visit.order_id == Order.id)
        rows = list(await session.scalars(
            select(Order).where(Order.community_id == rt.community_id,
                                Order.status == ORDER_DELIVERED,
                                Order.delivered_at >= now - LOOKBACK,
                                ~planned.exists())
            .order_by(Order.delivered_at).limit(BATCH)))
        if not rows:
            return 0
        hours = await timing.hours(session, rt)
        for order in rows:
            assert order.delivered_at is not None
            wished = policy.visit_wanted_at(rules, order.delivered_at)
            session.add(Visit(community_id=rt.community_id, order_id=order.id,
                              member_id=order.member_id, due_at=timing.in_service(hours, wished)))
    return len(rows)


async def opted_out(session: AsyncSession, member_id: int) -> bool:
    return bool(await session.scalar(select(AftercareMember.id).where(
        AftercareMember.member_id == member_id, AftercareMember.visits_off_at.is_not(None))))


async def _why_not(session: AsyncSession, rt: Runtime, visit: Visit, member: Member,
                   now: datetime) -> str | None:
    """Why this visit (or its reminder) must not go out, if it must not."""
    if not member.can_receive_private:
        return "unreachable"
    if await opted_out(session, member.id):
        return "opted_out"
    statuses = list(await session.scalars(select(Claim.status).where(
        Claim.order_id == visit.order_id)))
    if any(s in OPEN_STATUSES for s in statuses):
        return "open_claim"
    if statuses:  # its claim was decided and asked for its own rating: one request per case
        return "claimed"
    if await active_case(session, member.id) is not None:
        return "open_case"
    if visit.state == VISIT_PLANNED and await session.scalar(
            select(Visit.id).where(Visit.member_id == member.id, Visit.id != visit.id,
                                   Visit.sent_at > policy.visit_cooldown_since(
                                       timing.rules(rt), now)).limit(1)):
        return "cooldown"
    return None


def _buttons(rt: Runtime, rating_id: int, order: Order) -> list[list[tuple[str, str]]]:
    rows = score_buttons(rating_id)
    if orders.claim_window(rt, order).ok:  # "有问题 → 申请售后" while a claim may be filed
        rows.append([("aftercare.visit.claim_button", f"claim:new:{order.id}")])
    rows.append([("aftercare.visit.off_button", "ac:off")])
    return rows


async def send_due(rt: Runtime, sender: Sender | None = None) -> int:
    now = rt.clock.now()
    rules = timing.rules(rt)
    sent = 0
    async with rt.tx() as session:
        due = list(await session.scalars(
            claimable(select(Visit)).where(Visit.community_id == rt.community_id,
                                           Visit.state.in_(VISIT_DUE_STATES),
                                           Visit.due_at <= now)
            .order_by(Visit.due_at, Visit.id).limit(BATCH)))
        if not due:
            return 0
        hours = await timing.hours(session, rt)
        for visit in due:
            if not hours.is_open(now):  # never at night: the next opening
                opening = hours.next_opening(now)
                visit.due_at = opening if opening is not None else now + timedelta(hours=1)
                continue
            member = await session.get(Member, visit.member_id)
            order = await session.get(Order, visit.order_id)
            assert member is not None and order is not None
            if (why := await _why_not(session, rt, visit, member, now)) is not None:
                visit.state, visit.skipped_because = VISIT_SKIPPED, why
                continue
            products = orders.product_names(order)
            if visit.state == VISIT_PLANNED:
                rating = await request(session, rt, member, RATED_VISIT, visit.id,
                                       order_id=order.id, now=now)
                if rating is None:
                    continue
                await tell(session, rt, member, f"visit:{visit.id}:ask", "visit", "visit.ask",
                           buttons=_buttons(rt, rating.id, order), order_id=order.id,
                           products=products)
                visit.sent_at = now
                remind = policy.visit_reminder_wanted_at(rules, now)
                if remind is None:
                    visit.state = VISIT_REMINDED  # asked for the last time
                else:
                    visit.state, visit.due_at = VISIT_SENT, timing.in_service(hours, remind)
            else:  # sent and not answered: the one reminder
                rating = await session.scalar(select(Rating).where(
                    Rating.subject == RATED_VISIT, Rating.subject_id == visit.id))
                if rating is None or rating.score is not None:
                    visit.state = VISIT_REMINDED
                    continue
                await tell(session, rt, member, f"visit:{visit.id}:remind", "visit_reminder",
                           "visit.reminder", buttons=_buttons(rt, rating.id, order),
                           order_id=order.id, products=products)
                visit.state, visit.reminded_at = VISIT_REMINDED, now
            sent += 1
    return sent


async def opt_out(session: AsyncSession, member: Member, now: datetime) -> bool:
    """"不再提醒": kept for good (False if it already was)."""
    row = await session.scalar(select(AftercareMember).where(
        AftercareMember.member_id == member.id))
    if row is None:
        session.add(AftercareMember(member_id=member.id, visits_off_at=now))
        await session.flush()
        return True
    if row.visits_off_at is not None:
        return False
    row.visits_off_at = now
    return True
