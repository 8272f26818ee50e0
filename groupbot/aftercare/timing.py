"""When aftercare may speak: in the community's time zone, inside the desk's service hours.

A return visit or a reminder wished for 10:00 on a closed day, or a deadline that would fall
at night, moves to the next service window; with no service hours at all (90 days), it stays
where it was wished (the clock still never sends at night: it asks again when it is open)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from groupbot import policy
from groupbot.desk.hours import Hours, load_hours
from groupbot.runtime import Runtime


def rules(rt: Runtime) -> policy.AftercareRules:
    return policy.AftercareRules.from_settings(rt.settings)


async def hours(session: AsyncSession, rt: Runtime) -> Hours:
    return await load_hours(session, rt.community_id, policy.DeskRules.from_settings(rt.settings))


def in_service(hours: Hours, wished: datetime) -> datetime:
    """``wished`` if service is open then, else the next opening after it."""
    opening = hours.next_opening(wished)
    return (opening or wished).astimezone(UTC)


def apology_due(hours: Hours, reason: str, now: datetime) -> datetime:
    """The end of service on the day the apology is due: today (or the next day with service,
    if it is closed or over now); for a bad mood the next day, "not at once"."""
    tz = hours.tz
    day = now.astimezone(tz).date() + timedelta(days=policy.apology_day_offset(reason))
    for _ in range(90):
        ends = [end for start, end in hours.windows(day) if end > now]
        if ends:
            return max(ends).astimezone(UTC)
        day += timedelta(days=1)
    return (now + timedelta(days=1)).astimezone(UTC)
