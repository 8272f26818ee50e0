"""Batch alerts: within hours of a deal's deliveries, tell organizers and reviewers when the
batch's claim rate clearly exceeds its product's usual rate.

"Clearly" means the intervals do not overlap: the Wilson lower bound of the batch is above the
upper bound of the product's baseline, and both have at least the minimum sample. So a batch
of 12 with 2 claims never alarms anyone, and neither does a product with no history yet. The
baseline is every delivery of that product (by name) in the ``analytics_baseline_days`` before
this batch's first delivery. A deal is watched while its claims can still come in (the claim
window after its last delivery, plus a day), and alerts once: the row is unique per deal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

import messages
from groupbot import notify, policy, texts
from groupbot.analytics import labels, rates
from groupbot.analytics.intervals import Rate, percent
from groupbot.models import ClaimItem, Deal, Order, OrderItem, Product
from groupbot.models.analytics import BatchAlert
from groupbot.models.orders import ORDER_CANCELLED
from groupbot.orders import local_time, member_locale
from groupbot.people import organizers_reachable
from groupbot.reviews.records import reviewer_chats
from groupbot.runtime import Runtime

NEXT_CHECK = "analytics.alerts.next_check"


def clearly_above(batch: Rate, baseline: Rate) -> bool:
    """The alert rule, on its own so its edges can be tested."""
    return batch.enough and baseline.enough and batch.low > baseline.high


@dataclass(frozen=True)
class BatchCheck:
    deal_id: int
    product_name: str
    first_delivery: datetime
    batch: Rate
    baseline: Rate
    baseline_batches: int

    @property
    def alarming(self) -> bool:
        return clearly_above(self.batch, self.baseline)


async def _counts(session: AsyncSession, *where: object) -> tuple[int, int]:
    """(units delivered, units claimed) of the lines matching ``where``: two sums, each
    from its own side, so a line with two claims is not counted twice and no aggregate over
    every claim is built for one batch."""
    lines = (select(func.coalesce(func.sum(OrderItem.quantity), 0)).select_from(OrderItem)
             .join(Order, Order.id == OrderItem.order_id)
             .join(Product, Product.id == OrderItem.product_id))
    claimed = (select(func.coalesce(func.sum(ClaimItem.damaged_units), 0)).select_from(ClaimItem)
               .join(OrderItem, OrderItem.id == ClaimItem.order_item_id)
               .join(Order, Order.id == OrderItem.order_id)
               .join(Product, Product.id == OrderItem.product_id))
    delivered = (Order.status != ORDER_CANCELLED, Order.delivered_at.is_not(None), *where)
    return (int(await session.scalar(lines.where(*delivered)) or 0),
            int(await session.scalar(claimed.where(*delivered)) or 0))


async def watched_batches(session: AsyncSession, rt: Runtime) -> list[tuple[int, str, datetime]]:
    """(deal, product name, first delivery) of deals whose claims may still come in and that
    have not alerted yet."""
    since = rt.clock.now() - timedelta(hours=policy.rules_for(rt.settings).perishable_hours + 24)
    recent = (select(Order.deal_id).where(Order.community_id == rt.community_id,
                                          Order.delivered_at >= since,
                                          Order.deal_id.is_not(None)).distinct())
    rows = await session.execute(
        select(Order.deal_id, func.min(Product.name), func.min(Order.delivered_at))
        .select_from(Order).join(Deal, Deal.id == Order.deal_id)
        .join(Product, Product.id == Deal.product_id)
        .where(Order.deal_id.in_(recent), Order.delivered_at.is_not(None),
               ~exists().where(BatchAlert.deal_id == Order.deal_id))
        .group_by(Order.deal_id).order_by(Order.deal_id))
    return [(int(d), str(n), at) for d, n, at in rows.all()]


async def check_batch(session: AsyncSession, rt: Runtime, deal_id: int, product_name: str,
                      first_delivery: datetime) -> BatchCheck:
    min_sample = rt.settings.analytics_min_units
    units, claimed = await _counts(session, Order.deal_id == deal_id)
    start = first_delivery - timedelta(days=rt.settings.analytics_baseline_days)
    before = (Order.community_id == rt.community_id, Product.name == product_name,
              Order.delivered_at >= start, Order.delivered_at < first_delivery,
              (Order.deal_id.is_(None)) | (Order.deal_id != deal_id))
    base_units, base_claimed = await _counts(session, *before)
    batches = await session.scalar(
        select(func.count(func.distinct(Order.deal_id))).select_from(Order)
        .join(OrderItem, OrderItem.order_id == Order.id)
        .join(Product, Product.id == OrderItem.product_id)
        .where(Order.status != ORDER_CANCELLED, *before))
    return BatchCheck(deal_id, product_name, first_delivery,
                      Rate(int(claimed), int(units), min_sample),
                      Rate(int(base_claimed), int(base_units), min_sample), int(batches or 0))


async def raise_alert(session: AsyncSession, rt: Runtime, check: BatchCheck) -> BatchAlert:
    """Record the alert and queue it for organizers (with the actions) and reviewers."""
    alert = BatchAlert(community_id=rt.community_id, deal_id=check.deal_id,
                       product_name=check.product_name, units_delivered=check.batch.whole,
                       units_claimed=check.batch.part, baseline_units=check.baseline.whole,
                       baseline_claimed=check.baseline.part,
                       baseline_batches=check.baseline_batches, raised_at=rt.clock.now())
    session.add(alert)
    await session.flush()
    organizers = await organizers_reachable(session, rt)
    for member in organizers:
        locale = member_locale(rt, member)
        await notify.enqueue(session, rt, notify.Outgoing(
            key=f"alert:{alert.id}:m:{member.id}", kind="batch_alert", chat_id=member.telegram_id,
            member_id=member.id, message=texts.Safe(alert_text(locale, rt, check, alert.id)),
            buttons=action_buttons(locale, alert.id)))
    for chat in await reviewer_chats(session, rt):
        if chat.member_id is not None and chat.member_id in {m.id for m in organizers}:
            continue  # an organizer who also reviews has it already, with the actions
        await notify.enqueue(session, rt, notify.Outgoing(
            key=f"alert:{alert.id}:c:{chat.chat_id}", kind="batch_alert", chat_id=chat.chat_id,
            member_id=chat.member_id,
            message=texts.Safe(alert_text(chat.locale, rt, check, alert.id) + "\n\n"
                               + messages.t(chat.locale, "reports.alert.for_reviewers"))))
    return alert


def alert_text(locale: str, rt: Runtime, check: BatchCheck, alert_id: int) -> messages.Html:
    b, base = check.batch, check.baseline
    return messages.t(
        locale, "reports.alert.text", alert=alert_id, product=check.product_name, deal=check.deal_id,
        delivered=local_time(rt, check.first_delivery), rate=labels.rate(locale, b),
        claimed=b.part, units=b.whole, base_rate=labels.rate(locale, base),
        base_claimed=base.part, base_units=base.whole, batches=check.baseline_batches,
        low=percent(b.low), base_high=percent(base.high))


def action_buttons(locale: str, alert_id: int) -> list[list[tuple[str, str]]]:
    return [[(messages.t(locale, "reports.alert.button.pause"), f"an:pause:{alert_id}")],
            [(messages.t(locale, "reports.alert.button.note"), f"an:note:{alert_id}")],
            [(messages.t(locale, "reports.alert.button.improve"), f"an:imp:{alert_id}")]]


async def check_batches(rt: Runtime, sender: notify.Sender) -> int:
    """The periodic job: every ``analytics_check_minutes``, alert on the batches that warrant
    it. Returns how many alerts were raised. The outbox sends them after this commit."""
    now = rt.clock.now()
    due = rt.extras.get(NEXT_CHECK)
    if due is not None and now < due:
        return 0
    rt.extras[NEXT_CHECK] = now + timedelta(minutes=rt.settings.analytics_check_minutes)
    raised = 0
    async with rt.tx() as session:
        await rates.tune(session)
        for deal_id, name, first in await watched_batches(session, rt):
            check = await check_batch(session, rt, deal_id, name, first)
            if check.alarming:
                await raise_alert(session, rt, check)
                raised += 1
    return raised
