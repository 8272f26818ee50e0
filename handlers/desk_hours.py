"""/hours in the private chat: anyone sees the human service hours; organizers change them."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes, filters

from groupbot.desk import hours as service_hours
from groupbot.desk.hours_input import Closure, ResetHours, SetDays, ShowHours, parse_hours
from groupbot.desk.records import hours_of
from groupbot.permissions import SET_HOURS
from groupbot.refusal import Refusal
from handlers.common import add_commands, runtime, who
from handlers.desk_common import hours_lines
from handlers.permits import permitted


async def hours_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    rt = runtime(context)
    change = parse_hours(context.args or [])
    async with rt.tx() as session:
        w = await who(session, rt, update)
        note = None
        if isinstance(change, Refusal):
            note = w.t(f"desk.hours.{change.code}", **change.params)
        elif not isinstance(change, ShowHours) and not w.is_organizer:
            note = w.t("desk.hours.organizers_only")
        elif isinstance(change, SetDays):
            await service_hours.set_days(session, rt.community_id, await hours_of(session, rt),
                                         change.weekdays, change.periods)
            note = w.t("desk.hours.saved")
        elif isinstance(change, ResetHours):
            await service_hours.reset(session, rt.community_id)
            note = w.t("desk.hours.saved")
        elif isinstance(change, Closure):
            changed = await service_hours.set_closure(session, rt.community_id, change.day,
                                                      change.note, closed=change.closed)
            note = w.t("desk.hours.saved" if changed else "desk.hours.unchanged")
        if not isinstance(change, Refusal):
            await session.flush()
        hours = await hours_of(session, rt)
    lines = [note] if note else []
    lines += [w.t("desk.hours.title", zone=rt.settings.timezone),
              *hours_lines(w.locale, hours, rt.clock.now())]
    if w.is_organizer:
        lines.append(w.t("desk.hours.usage"))
    await update.effective_message.reply_text("\n".join(lines))


def register(app: Application) -> None:
    add_commands(SET_HOURS, "hours")
    app.add_handler(CommandHandler("hours", permitted(SET_HOURS, hours_command),
                                   filters.ChatType.PRIVATE))
