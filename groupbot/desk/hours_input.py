"""Reading what an organizer types after /hours (Chinese or English words, both work).

    /hours                                  show the hours
    /hours 周一-周五 09:00-12:00 13:00-24:00   set weekdays (several periods a day)
    /hours sat,sun 10:00-18:00
    /hours 周日 休息 | /hours sun off          no service that weekday
    /hours close 2026-12-25 圣诞节           a dated closure (关闭 2026-12-25 …)
    /hours open 2026-12-25                  undo a closure (恢复 …)
    /hours reset                            back to the default (every day 09:00–24:00)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from groupbot.desk.hours import DAY, Period
from groupbot.refusal import Refusal

_DAY_NAMES = {
    **{name: i for i, name in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))},
    **{name: i for i, name in enumerate(("周一", "周二", "周三", "周四", "周五", "周六", "周日"))},
    **{str(i + 1): i for i in range(7)},
    "周天": 6,
    "星期日": 6,
    **{f"星期{c}": i for i, c in enumerate("一二三四五六")},
}
_ALL = {"daily", "every", "all", "每天", "全部"}
_OFF = {"off", "休息", "closed"}
_PERIOD = re.compile(r"^(\d{1,2}):(\d{2})[-–~至](\d{1,2}):(\d{2})$")
_CLOSE = {"close": True, "关闭": True, "休息日": True, "open": False, "恢复": False}


@dataclass(frozen=True)
class ShowHours:
    pass


@dataclass(frozen=True)
class SetDays:
    weekdays: tuple[int, ...]
    periods: tuple[Period, ...]


@dataclass(frozen=True)
class Closure:
    day: date
    closed: bool
    note: str | None


@dataclass(frozen=True)
class ResetHours:
    pass


HoursChange = ShowHours | SetDays | Closure | ResetHours


def _weekdays(token: str) -> tuple[int, ...] | None:
    token = token.lower()
    if token in _ALL:
        return tuple(range(7))
    days: list[int] = []
    for part in re.split(r"[,，、]", token):
        first, sep, last = part.partition("-") if "-" in part else part.partition("至")
        if first not in _DAY_NAMES or (sep and last not in _DAY_NAMES):
            return None
        a, b = _DAY_NAMES[first], _DAY_NAMES[last] if sep else _DAY_NAMES[first]
        if b < a:
            return None
        days += [d for d in range(a, b + 1) if d not in days]
    return tuple(days)


def _period(token: str) -> Period | None:
    found = _PERIOD.match(token)
    if not found:
        return None
    h1, m1, h2, m2 = (int(g) for g in found.groups())
    if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2):
        return None
    opens, closes = h1 * 60 + m1, h2 * 60 + m2 or (DAY if h2 in (0, 24) else 0)
    return (opens, closes) if opens < closes else None


def parse_hours(args: list[str]) -> HoursChange | Refusal:
    if not args:
        return ShowHours()
    head = args[0].lower()
    if head in ("reset", "默认"):
        return ResetHours()
    if head in _CLOSE:
        try:
            day = date.fromisoformat(args[1]) if len(args) > 1 else None
        except ValueError:
            day = None
        if day is None:
            return Refusal.of("bad_date")
        return Closure(day, _CLOSE[head], " ".join(args[2:]) or None)
    weekdays = _weekdays(args[0])
    if weekdays is None:
        return Refusal.of("bad_days", given=args[0])
    if len(args) == 2 and args[1].lower() in _OFF:
        return SetDays(weekdays, ())
    periods: list[Period] = []
    for token in args[1:]:
        period = _period(token)
        if period is None:
            return Refusal.of("bad_period", given=token)
        periods.append(period)
    if not periods:
        return Refusal.of("bad_period", given="")
    periods.sort()
    if any(a[1] > b[0] for a, b in zip(periods, periods[1:], strict=False)):
        return Refusal.of("overlap")
    return SetDays(weekdays, tuple(periods))
