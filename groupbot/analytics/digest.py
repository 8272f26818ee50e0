"""The weekly digest: on the configured weekday, from the configured local hour, every organizer
who opened the private chat gets last week's (Monday–Sunday before today) report text through
the outbox — once, by key — with a button for the chart and the CSV (handlers/reports.py)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

import messages
from groupbot import notify, policy, texts
from groupbot.analytics import report as report_
from groupbot.analytics.period import Period, days_between
from groupbot.analytics.summary import summary
from groupbot.models import OutboxMessage
from groupbot.orders import member_locale
from groupbot.people import organizers_reachable
from groupbot.runtime import Runtime

DONE = "analytics.digest.done"


def due_period(rt: Runtime) -> Period | None:
    """The week a digest is owed for now, or None outside the digest's day and hours."""
    s = rt.settings
    now = rt.clock.now()
    local = now.astimezone(s.tz)
    if not s.analytics_digest_weekday or local.isoweekday() != s.analytics_digest_weekday:
        return None
    if local.hour < s.analytics_digest_hour:
        return None
    last = local.date() - timedelta(days=1)
    return days_between(last - timedelta(days=6), last, s.tz, now)


def _key(period: Period, member_id: int) -> str:
    return f"digest:{period.key}:m:{member_id}"


async def weekly_digest(rt: Runtime, sender: notify.Sender) -> int:
    """The periodic job. Returns how many digests it queued."""
    period = due_period(rt)
    if period is None or rt.extras.get(DONE) == period.key:
        return 0
    s = rt.settings
    queued = 0
    async with rt.tx() as session:
        organizers = await organizers_reachable(session, rt)
        have = set(await session.scalars(select(OutboxMessage.key).where(
            OutboxMessage.key.in_([_key(period, m.id) for m in organizers]))))
        missing = [m for m in organizers if _key(period, m.id) not in have]
        if missing:
            report = await report_.build(session, rt.community_id, period, now=rt.clock.now(),
                                         currency=s.currency, min_sample=s.analytics_min_units,
                                         tz=s.tz)
        for member in missing:
            locale = member_locale(rt, member)
            text = summary(locale, report, payout_days=policy.rules_for(s).payout_days,
                           review_days=policy.rules_for(s).review_days)
            await notify.enqueue(session, rt, notify.Outgoing(
                key=_key(period, member.id), kind="report_digest", chat_id=member.telegram_id,
                member_id=member.id,
                message=texts.Safe(messages.t(locale, "reports.digest", summary=text)),
                buttons=[[(messages.t(locale, "reports.digest_button"),
                           f"rp:{period.first_day.isoformat()}:{period.last_day.isoformat()}")]]))
            queued += 1
    rt.extras[DONE] = period.key
    return queued
