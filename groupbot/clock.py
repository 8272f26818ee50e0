"""Time source. Services take ``now`` from a clock so tests can move time without sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class Clock:
    """Wall-clock time, always timezone-aware UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock(Clock):
    """A clock that only moves when told to (tests, demo)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime.now(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, **delta: float) -> datetime:
        self._now += timedelta(**delta)
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when


class ShiftedClock(Clock):
    """Wall-clock time that can be moved forward by hand (`groupbot sandbox`: the playground's
    clock buttons). Time keeps flowing between moves, so timeouts still happen by themselves."""

    def __init__(self, start: datetime | None = None) -> None:
        self.offset = (start - datetime.now(UTC)) if start else timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, **delta: float) -> datetime:
        self.offset += timedelta(**delta)
        return self.now()
