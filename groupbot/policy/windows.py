"""Time: claim windows, review and payout deadlines."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from groupbot.policy.rules import Decision, PolicyRules, _no, _ok

# --- time --------------------------------------------------------------------------------------


def _utc(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ValueError(f"{name} must be timezone-aware")
    return value.astimezone(UTC)


def effective_delivery_time(
    delivered_at: datetime | None, shipped_at: datetime | None, receipt_reported_at: datetime | None
) -> datetime | None:
    """When the claim window starts: delivery if known, else the member's first receipt report.

    ``None`` means no window yet: not shipped, or shipped with neither time known. A known
    delivery time wins even without a shipping time (a delivered order was obviously shipped).
    """
    if delivered_at is not None:
        return _utc(delivered_at, "delivered_at")
    if shipped_at is None:
        return None
    _utc(shipped_at, "shipped_at")
    return None if receipt_reported_at is None else _utc(receipt_reported_at, "receipt_reported_at")


@dataclass(frozen=True)
class Window:
    opens_at: datetime
    closes_at: datetime
    is_open: bool
    remaining: timedelta  # zero when not open


@dataclass(frozen=True)
class Span:
    """A claim window as people read it: 48 hours for fresh produce, 7 days otherwise.

    ``unit`` is ``hours`` or ``days``; texts that state the window pick their catalog key by
    it (``orders.delivered`` / ``orders.delivered_days``), so no text says "48 小时" about an
    order that has 7 days.
    """

    unit: str
    count: int


def window_span(rules: PolicyRules, perishable: bool) -> Span:
    if perishable:
        return Span("hours", rules.perishable_hours)
    return Span("days", rules.return_days)


def order_perishable(item_perishable: Iterable[bool]) -> bool:
    """An order with any fresh produce follows the fresh-produce window (the stricter rule:
    the fresh items are what spoil, and one order has one window the member can be told)."""
    return any(item_perishable)


def order_window(
    rules: PolicyRules,
    perishable: bool,
    delivered_at: datetime | None,
    shipped_at: datetime | None,
    now: datetime,
) -> Decision:
    """May a claim on this order be started now? The one answer for ``/myorders``' claim
    button, the delivery notice's deadline and ``/claim`` alike.

    A shipped order whose delivery time is unknown is claimable: opening the claim is the
    member's report of receipt, which starts the window now (see the module docstring).
    """
    receipt = now if delivered_at is None and shipped_at is not None else None
    delivered = effective_delivery_time(delivered_at, shipped_at, receipt)
    return check_window(rules, perishable, delivered, now, shipped=shipped_at is not None)


def window_length(rules: PolicyRules, perishable: bool) -> timedelta:
    span = window_span(rules, perishable)
    return timedelta(**{span.unit: span.count})


def claim_window(
    rules: PolicyRules, perishable: bool, delivered_at: datetime, now: datetime
) -> Window:
    opens = _utc(delivered_at, "delivered_at")
    now = _utc(now, "now")
    closes = opens + window_length(rules, perishable)
    is_open = opens <= now <= closes
    return Window(opens, closes, is_open, closes - now if is_open else timedelta(0))


def check_window(
    rules: PolicyRules,
    perishable: bool,
    delivered_at: datetime | None,
    now: datetime,
    *,
    shipped: bool = True,
) -> Decision:
    """Is a claim in time? Pass ``effective_delivery_time(...)`` as ``delivered_at``.

    ``shipped`` tells apart the two meanings of a missing delivery time (see module docstring).
    """
    if delivered_at is None:
        _utc(now, "now")
        return _no("delivery_unconfirmed") if shipped else _no("not_shipped")
    w = claim_window(rules, perishable, delivered_at, now)
    if _utc(now, "now") < w.opens_at:
        return _no("not_delivered_yet", delivered_at=w.opens_at)
    length = w.closes_at - w.opens_at
    params: dict[str, object] = {
        "closes_at": w.closes_at,
        "window_hours": int(length.total_seconds()) // 3600,
        "window_days": length.days,
    }
    if not w.is_open:  # said in the unit people were told: 48 hours, or 7 days
        span = window_span(rules, perishable)
        return _no("window_closed" if span.unit == "hours" else "window_closed_days", **params)
    return _ok({**params, "remaining": w.remaining})


def review_due_at(rules: PolicyRules, submitted_at: datetime) -> datetime:
    return _utc(submitted_at, "submitted_at") + timedelta(days=rules.review_days)


def payout_due_at(
    rules: PolicyRules, approved_at: datetime, tz: tzinfo | str | None = None
) -> datetime:
    """Approval + ``payout_business_days`` Mon-Fri days in the community zone, same wall time.

    Approval on a weekend counts from the next Monday (Sat -> +3 = Wed), like a bank would.
    ``tz`` defaults to the rules' community time zone. The result is in UTC.
    """
    zone = ZoneInfo(tz) if isinstance(tz, str) else (tz or rules.tz)
    local = _utc(approved_at, "approved_at").astimezone(zone)
    day = local.date()
    left = rules.payout_days
    while left > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    # Rebuild from the wall clock so a DST change in between keeps the time of day.
    return datetime.combine(day, local.time(), zone).astimezone(UTC)
