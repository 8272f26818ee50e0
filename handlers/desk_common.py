"""Glue shared by the desk's handlers: reading a message into plain values, rendering times and
service hours, and the "talk to a person" button other screens show."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, Message

import messages
from groupbot.desk.hours import Hours, clock, weekly_groups
from groupbot.desk.records import Incoming, hours_of
from groupbot.runtime import Runtime

SERVICE_CALLBACK = "desk:start"


def incoming(message: Message, *, edit: bool = False) -> Incoming | None:
    """The message as the desk stores it; None for kinds the desk does not relay."""
    version = int(message.edit_date.timestamp()) if edit and message.edit_date else 0
    kind = "edit" if edit else None
    if message.text is not None:
        return Incoming(message.chat_id, message.message_id, kind or "text", message.text, version)
    if edit:
        return None  # caption edits are not relayed
    for name in ("photo", "document", "voice", "sticker"):
        if getattr(message, name):
            return Incoming(message.chat_id, message.message_id, name, message.caption)
    return None


def service_button(locale: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(messages.t(locale, "desk.button"), callback_data=SERVICE_CALLBACK)


def service_row(locale: str) -> tuple[str, str]:
    """For screens built from (label, callback) rows (handlers.common.keyboard)."""
    return (messages.t(locale, "desk.button"), SERVICE_CALLBACK)


def when(locale: str, moment: datetime, now: datetime, tz: ZoneInfo) -> str:
    """"明天 09:00" / "12月2日（周三）09:00": the reopening time in the community's zone."""
    local, today = moment.astimezone(tz), now.astimezone(tz).date()
    time = local.strftime("%H:%M")
    if local.date() == today:
        return messages.t(locale, "desk.when_today", time=time)
    if (local.date() - today).days == 1:
        return messages.t(locale, "desk.when_tomorrow", time=time)
    weekday = messages.t(locale, f"desk.weekday.{local.weekday()}")
    return messages.t(locale, "desk.when_date", month=local.month, day=local.day,
                      weekday=weekday, time=time)


def _days(locale: str, first: int, last: int) -> str:
    name = messages.t(locale, f"desk.weekday.{first}")
    return name if first == last else f"{name}–{messages.t(locale, f'desk.weekday.{last}')}"


def _periods(locale: str, periods: list[tuple[int, int]]) -> str:
    if not periods:
        return messages.t(locale, "desk.hours.off")
    return "、".join(f"{clock(o)}–{clock(c)}" for o, c in periods)


def hours_lines(locale: str, hours: Hours, now: datetime) -> list[str]:
    """The weekly hours, then the coming closures."""
    lines = [messages.t(locale, "desk.hours.line", days=_days(locale, a, b),
                        periods=_periods(locale, periods))
             for a, b, periods in weekly_groups(hours)]
    today = now.astimezone(hours.tz).date()
    coming = sorted(d for d in hours.closures if d >= today)
    if coming:
        lines.append(messages.t(locale, "desk.hours.closures"))
        lines += [messages.t(locale, "desk.hours.closure", day=d.isoformat(),
                             note=hours.closures[d] or "") for d in coming]
    return lines


async def help_hours(session: AsyncSession, rt: Runtime, locale: str) -> str:
    """One line for /help: the human service hours (and the next closure)."""
    hours = await hours_of(session, rt)
    now = rt.clock.now()
    text = "；".join(f"{_days(locale, a, b)} {_periods(locale, p)}"
                    for a, b, p in weekly_groups(hours))
    if len(weekly_groups(hours)) == 1:
        text = _periods(locale, hours.periods[0])
    line = messages.t(locale, "desk.help_hours", hours=text)
    coming = sorted(d for d in hours.closures if d >= now.astimezone(hours.tz).date())
    if coming:
        line += messages.t(locale, "desk.help_hours_closed", day=coming[0].isoformat())
    return line
