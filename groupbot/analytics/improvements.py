"""Improvement records (改善): cause, action, owner, due date; closed with a check of the
product's batches since the record was opened against the ones before.

"Batches" are deals of the product (by name), placed by their first delivery; the check takes
up to ``analytics_compare_batches`` on each side and compares their pooled claim rates, so
"芒果 claim rate 12% → 3% over the 3 batches since" is one sentence built from two GROUP BYs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from groupbot.analytics.intervals import Rate
from groupbot.analytics.rates import claimed_per_line
from groupbot.models import Member, Order, OrderItem, Product
from groupbot.models.analytics import IMPROVEMENT_CLOSED, IMPROVEMENT_OPEN, Improvement
from groupbot.models.orders import ORDER_CANCELLED
from groupbot.refusal import Refusal
from groupbot.runtime import Runtime

TEXT_MAX, OWNER_MAX = 1000, 120


@dataclass(frozen=True)
class Comparison:
    before: Rate
    before_batches: int
    after: Rate
    after_batches: int


def check_text(field: str, text: str, limit: int) -> str | Refusal:
    text = " ".join(text.split()) if field == "owner" else text.strip()
    if not text:
        return Refusal.of(f"{field}_empty")
    if len(text) > limit:
        return Refusal.of(f"{field}_too_long", max=limit, length=len(text))
    return text


async def open_record(session: AsyncSession, rt: Runtime, member: Member, *, product_name: str,
                      cause: str, action: str, owner: str, due_on: date,
                      deal_id: int | None = None, alert_id: int | None = None
                      ) -> Improvement | Refusal:
    today = rt.clock.now().astimezone(rt.settings.tz).date()
    if due_on < today:
        return Refusal.of("due_in_past", due=due_on.isoformat())
    for field, value, limit in (("cause", cause, TEXT_MAX), ("action", action, TEXT_MAX),
                                ("owner", owner, OWNER_MAX)):
        if isinstance(checked := check_text(field, value, limit), Refusal):
            return checked
    record = Improvement(community_id=rt.community_id, product_name=product_name,
                         deal_id=deal_id, alert_id=alert_id, cause=cause.strip(),
                         action=action.strip(), owner=" ".join(owner.split()), due_on=due_on,
                         status=IMPROVEMENT_OPEN, opened_by=member.id, opened_at=rt.clock.now())
    session.add(record)
    await session.flush()
    return record


def _batches(community_id: int, product_name: str):
    """One row per batch of the product: first delivery, units, units claimed."""
    claimed = claimed_per_line()
    first = func.min(Order.delivered_at).label("first_delivery")
    return (select(Order.deal_id, first,
                   func.coalesce(func.sum(OrderItem.quantity), 0).label("units"),
                   func.coalesce(func.sum(claimed.c.units), 0).label("claimed"))
            .select_from(OrderItem).join(Order, Order.id == OrderItem.order_id)
            .join(Product, Product.id == OrderItem.product_id)
            .outerjoin(claimed, claimed.c.order_item_id == OrderItem.id)
            .where(Order.community_id == community_id, Product.name == product_name,
                   Order.deal_id.is_not(None), Order.delivered_at.is_not(None),
                   Order.status != ORDER_CANCELLED)
            .group_by(Order.deal_id)), first


async def _pooled(session: AsyncSession, stmt, min_sample: int) -> tuple[Rate, int]:
    picked = stmt.subquery("picked")
    units, claimed, batches = (await session.execute(
        select(func.coalesce(func.sum(picked.c.units), 0),
               func.coalesce(func.sum(picked.c.claimed), 0), func.count()))).one()
    return Rate(int(claimed), int(units), min_sample), int(batches)


async def compare(session: AsyncSession, rt: Runtime, record: Improvement) -> Comparison:
    n, min_sample = rt.settings.analytics_compare_batches, rt.settings.analytics_min_units
    stmt, first = _batches(record.community_id, record.product_name)
    opened: datetime = record.opened_at
    before, before_n = await _pooled(
        session, stmt.having(first < opened).order_by(first.desc()).limit(n), min_sample)
    after, after_n = await _pooled(
        session, stmt.having(first >= opened).order_by(first).limit(n), min_sample)
    return Comparison(before, before_n, after, after_n)


async def close_record(session: AsyncSession, rt: Runtime, record_id: int, member: Member
                       ) -> tuple[Improvement, Comparison] | Refusal:
    record = await session.get(Improvement, record_id)
    if record is None or record.community_id != rt.community_id:
        return Refusal.of("improvement_not_found", record=record_id)
    if record.status == IMPROVEMENT_CLOSED:
        return Refusal.of("improvement_closed", record=record_id)
    result = await compare(session, rt, record)
    record.status, record.closed_at, record.closed_by = (IMPROVEMENT_CLOSED, rt.clock.now(),
                                                         member.id)
    record.before_batches, record.before_units, record.before_claimed = (
        result.before_batches, result.before.whole, result.before.part)
    record.after_batches, record.after_units, record.after_claimed = (
        result.after_batches, result.after.whole, result.after.part)
    return record, result


async def open_records(session: AsyncSession, community_id: int, limit: int = 20
                       ) -> list[Improvement]:
    rows = await session.scalars(
        select(Improvement).where(Improvement.community_id == community_id,
                                  Improvement.status == IMPROVEMENT_OPEN)
        .order_by(Improvement.due_on, Improvement.id).limit(limit))
    return list(rows)


def parse_due(text: str, today: date) -> date | Refusal:
    """A due date as typed: 2026-12-15, 12-15 / 12月15日 (this year, or next if past), 7天 / 7d."""
    typed = " ".join(text.split()).lower()
    if m := re.fullmatch(r"(\d{1,3})\s*(?:d|天|日|days?)", typed):
        return today + timedelta(days=int(m[1]))
    m = re.fullmatch(r"(?:(\d{4})[-/.年])?(\d{1,2})[-/.月](\d{1,2})日?", typed)
    if not m:
        return Refusal.of("due_unreadable", text=text.strip())
    try:
        due = date(int(m[1] or today.year), int(m[2]), int(m[3]))
    except ValueError:
        return Refusal.of("due_unreadable", text=text.strip())
    if not m[1] and due < today:
        due = due.replace(year=due.year + 1)
    return due
