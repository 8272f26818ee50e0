"""A date and time as people type it, in the community's time zone.

``18:00``, ``明天 18:00`` / ``tomorrow 18:00``, ``11-25 18:00``, ``11月25日 18:00``,
``2026-11-25 18:00``. Deals (closing time) and broadcasts (send time) read it the same way.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAY_WORDS = {"今天": 0, "today": 0, "明天": 1, "tomorrow": 1, "后天": 2}
LOCAL_TIME = re.compile(
    r"^(?:(?P<word>今天|明天|后天|today|tomorrow)"
    r"|(?:(?P<year>\d{4})[-/.年])?(?P<month>\d{1,2})[-/.月](?P<day>\d{1,2})日?)?"
    r"\s*(?P<hour>\d{1,2})[:：](?P<minute>\d{2})$",
    re.IGNORECASE,
)


def parse_local_time(
    text: str, now: datetime, tz: ZoneInfo, *, bare_time_is_next: bool = False
) -> datetime:
    """The moment ``text`` names, as an aware datetime in ``now``'s zone. A month-day already
    past means next year; with ``bare_time_is_next`` a bare time already past today means
    tomorrow ("20:00" typed at 21:00). Whether it may be in the past is the caller's rule.
    Raises ValueError when it is not a date and time."""
    m = LOCAL_TIME.match(" ".join(text.split()))
    if not m:
        raise ValueError(f"not a date and time: {text!r}")
    today = now.astimezone(tz).date()
    if m["word"]:
        day = today + timedelta(days=DAY_WORDS[m["word"].lower()])
    elif m["month"]:
        day = date(int(m["year"] or today.year), int(m["month"]), int(m["day"]))
        if not m["year"] and day < today:
            day = day.replace(year=day.year + 1)  # "01-05" typed in December
    else:
        day = today
    at = datetime.combine(day, time(int(m["hour"]), int(m["minute"])), tz)
    if bare_time_is_next and not (m["word"] or m["month"]) and at <= now:
        at += timedelta(days=1)
    return at.astimezone(now.tzinfo)
