"""The period a report covers, as people type it after /report or --since.

Empty: the last 7 days. ``7d`` / ``30d`` / ``90d``: that many days up to now. ``week`` / ``周``,
``month`` / ``月``: 7 or 30 days. ``2026-11-01``: from that day on. ``2026-11-01..2026-11-30``:
those days, both included. Days are the community's local days.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WORDS = {"": 7, "week": 7, "周": 7, "本周": 7, "month": 30, "月": 30, "本月": 30}
DAYS = re.compile(r"^(\d{1,3})\s*(?:d|天|日)$", re.IGNORECASE)
RANGE = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2})(?:\s*(?:\.\.|~|至)\s*(\d{4}-\d{1,2}-\d{1,2}))?$")
MAX_DAYS = 366 * 2


class PeriodError(ValueError):
    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code, self.params = code, params


@dataclass(frozen=True)
class Period:
    since: datetime  # aware, included: local midnight of the first day
    until: datetime  # aware, excluded: local midnight after the last day
    first_day: date  # local, for people
    last_day: date

    @property
    def key(self) -> str:
        """Stable text for file names and outbox keys: 2026-11-01_2026-11-07."""
        return f"{self.first_day.isoformat()}_{self.last_day.isoformat()}"


def _day(text: str) -> date:
    try:
        year, month, day = (int(p) for p in text.split("-"))
        return date(year, month, day)
    except ValueError as exc:
        raise PeriodError("bad_date", text=text) from exc


def days_between(first: date, last: date, tz: ZoneInfo, now: datetime) -> Period:
    since = datetime.combine(first, time(0), tz)
    until = datetime.combine(last + timedelta(days=1), time(0), tz)
    return Period(since.astimezone(now.tzinfo), until.astimezone(now.tzinfo), first, last)


def last_days(days: int, tz: ZoneInfo, now: datetime) -> Period:
    """The ``days`` local days that end today (today included, up to now)."""
    today = now.astimezone(tz).date()
    return days_between(today - timedelta(days=days - 1), today, tz, now)


def parse_period(text: str, tz: ZoneInfo, now: datetime) -> Period:
    typed = " ".join(text.split()).lower()
    if typed in WORDS:
        return last_days(WORDS[typed], tz, now)
    if m := DAYS.match(typed):
        days = int(m[1])
        if days < 1:
            raise PeriodError("unknown", text=text.strip())
        if days > MAX_DAYS:
            raise PeriodError("too_long", days=MAX_DAYS)
        return last_days(days, tz, now)
    if m := RANGE.match(typed):
        today = now.astimezone(tz).date()
        first = _day(m[1])
        last = _day(m[2]) if m[2] else today
        if first > today:
            raise PeriodError("in_future", text=m[1])
        if last < first:
            raise PeriodError("backwards", first=m[1], last=m[2])
        if (last - first).days + 1 > MAX_DAYS:
            raise PeriodError("too_long", days=MAX_DAYS)
        return days_between(first, min(last, today), tz, now)
    raise PeriodError("unknown", text=text.strip())
