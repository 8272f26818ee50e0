"""Human service hours per community: weekly periods (several a day allowed) and dated closures.

All reasoning happens in the community's time zone; a period closing at 24:00 ends at the next
local midnight. Without any period rows the policy default (every day 09:00–24:00) applies.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from groupbot.models.desk import ServiceClosure, ServicePeriod
from groupbot.policy import DeskRules

Period = tuple[int, int]  # (opens, closes) in minutes after local midnight; closes ≤ 1440
DAY = 1440


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def default_periods(rules: DeskRules) -> dict[int, list[Period]]:
    opens, closes = _minutes(rules.opens), _minutes(rules.closes) or DAY
    if opens >= closes:  # e.g. 20:00–02:00: two pieces of each day
        return {d: [(0, closes), (opens, DAY)] for d in range(7)}
    return {d: [(opens, closes)] for d in range(7)}


@dataclass(frozen=True)
class Hours:
    tz: ZoneInfo
    periods: dict[int, list[Period]]  # weekday (0 = Monday) → sorted periods
    closures: dict[date, str | None] = field(default_factory=dict)

    def _local_at(self, day: date, minute: int) -> datetime:
        return datetime.combine(day, time(0), self.tz) + timedelta(minutes=minute)

    def windows(self, day: date) -> list[tuple[datetime, datetime]]:
        """The open windows of one local day, as aware datetimes (none on a closure day)."""
        if day in self.closures:
            return []
        return [(self._local_at(day, o), self._local_at(day, c))
                for o, c in self.periods.get(day.weekday(), [])]

    def _days_from(self, moment: datetime, span: int) -> Iterator[date]:
        first = moment.astimezone(self.tz).date()
        return (first + timedelta(days=i) for i in range(-1, span))

    def is_open(self, now: datetime) -> bool:
        return any(start <= now < end for day in self._days_from(now, 1)
                   for start, end in self.windows(day))

    def next_opening(self, now: datetime) -> datetime | None:
        """When service opens next after ``now`` (now itself if open); None if never (90 days)."""
        for day in self._days_from(now, 90):
            for start, end in self.windows(day):
                if start <= now < end:
                    return now
                if start > now:
                    return start
        return None

    def closes_at(self, now: datetime) -> datetime | None:
        for day in self._days_from(now, 1):
            for start, end in self.windows(day):
                if start <= now < end:
                    return end
        return None

    def open_seconds(self, since: datetime, until: datetime) -> int:
        """Seconds of service time between two moments (waits are counted in service hours)."""
        if until <= since:
            return 0
        total = 0.0
        span = (until - since).days + 2
        for day in self._days_from(since, span):
            for start, end in self.windows(day):
                overlap = (min(end, until) - max(start, since)).total_seconds()
                total += max(overlap, 0)
        return int(total)

    def add_open_seconds(self, since: datetime, seconds: int) -> datetime | None:
        """The moment when ``seconds`` of service time have passed after ``since``."""
        left = float(seconds)
        for day in self._days_from(since, 90):
            for start, end in self.windows(day):
                begin = max(start, since)
                if end <= begin:
                    continue
                room = (end - begin).total_seconds()
                if left <= room:
                    return begin + timedelta(seconds=left)
                left -= room
        return None


async def load_hours(session: AsyncSession, community_id: int, rules: DeskRules) -> Hours:
    rows = list(await session.scalars(
        select(ServicePeriod).where(ServicePeriod.community_id == community_id)))
    periods = default_periods(rules) if not rows else {d: [] for d in range(7)}
    for row in rows:
        periods[row.weekday].append((row.opens_minute, row.closes_minute))
    for day in periods.values():
        day.sort()
    closures = {c.day: c.note for c in await session.scalars(
        select(ServiceClosure).where(ServiceClosure.community_id == community_id))}
    return Hours(rules.tz, periods, closures)


async def set_days(
    session: AsyncSession, community_id: int, hours: Hours, weekdays: Sequence[int],
    periods: Sequence[Period],
) -> None:
    """Replace the periods of ``weekdays`` (the other days keep what they had)."""
    await session.execute(delete(ServicePeriod).where(ServicePeriod.community_id == community_id))
    for weekday in range(7):
        for opens, closes in (periods if weekday in weekdays else hours.periods[weekday]):
            session.add(ServicePeriod(community_id=community_id, weekday=weekday,
                                      opens_minute=opens, closes_minute=closes))
    await session.flush()


async def reset(session: AsyncSession, community_id: int) -> None:
    await session.execute(delete(ServicePeriod).where(ServicePeriod.community_id == community_id))


async def set_closure(
    session: AsyncSession, community_id: int, day: date, note: str | None, *, closed: bool
) -> bool:
    """Close (or reopen) a date; False if it already was that way."""
    row = await session.scalar(select(ServiceClosure).where(
        ServiceClosure.community_id == community_id, ServiceClosure.day == day))
    if closed and row is None:
        session.add(ServiceClosure(community_id=community_id, day=day, note=note))
        await session.flush()
        return True
    if not closed and row is not None:
        await session.delete(row)
        return True
    return False


def weekly_groups(hours: Hours) -> list[tuple[int, int, list[Period]]]:
    """Consecutive weekdays with the same periods: [(first, last, periods)], for showing."""
    out: list[tuple[int, int, list[Period]]] = []
    for weekday in range(7):
        periods = hours.periods[weekday]
        if out and out[-1][2] == periods and out[-1][1] == weekday - 1:
            out[-1] = (out[-1][0], weekday, periods)
        else:
            out.append((weekday, weekday, periods))
    return out


def clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"
