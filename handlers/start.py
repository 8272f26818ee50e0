"""/start and /help in the private chat: answer by role."""

from __future__ import annotations

from telegram.ext import Application, CommandHandler, filters

from groupbot.order_notices import queue_missed_confirmations
from groupbot.people import main_role, mark_started
from groupbot.permissions import USE_BOT
from handlers.common import Who, add_commands, commands_for
from handlers.desk_common import help_hours, service_row
from handlers.permits import permitted
from handlers.processor import read_only_commands
from handlers.unit import Unit, unit_of_work


def help_text(w: Who) -> str:
    role = main_role(w.roles)
    lines = [w.t(f"start.role.{role}")]
    # /start is how they got here; /help goes last.
    shown = [c for c in commands_for(w) if c not in ("start", "help")] + ["help"]
    lines += [w.t("help.line", command=c, what=w.t(f"commands.{c}")) for c in shown]
    return "\n".join(lines)


@unit_of_work
async def start(u: Unit) -> None:
    mark_started(u.w.member, u.rt.clock.now())
    # Confirmations we could not send before the member opened this chat go out now.
    if await queue_missed_confirmations(u.session, u.rt, u.w.member):
        u.out.kick()
    u.out.reply(u.t("start.welcome", name=u.w.member.first_name) + "\n\n" + help_text(u.w))


@unit_of_work(read_only=True)  # writes nothing: a known member is answered without a transaction
async def help_command(u: Unit) -> None:
    rt = u.rt
    desk = await help_hours(u.session, rt, u.w.locale) if rt.settings.desk_chat_ids else None
    text = help_text(u.w) + (f"\n\n{desk}" if desk else "")
    u.out.reply(text, [[service_row(u.w.locale)]] if desk else None)


@unit_of_work
async def start_in_group(u: Unit) -> None:
    u.out.reply(u.t("start.in_group", link=u.rt.deep_link("help")))


def register(app: Application) -> None:
    add_commands(USE_BOT, "start", "help")
    read_only_commands("help")  # help_command is a read-only unit
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("start", permitted(USE_BOT, start), private))
    app.add_handler(CommandHandler("help", permitted(USE_BOT, help_command), private))
    app.add_handler(CommandHandler(["start", "help"], permitted(USE_BOT, start_in_group),
                                   filters.ChatType.GROUPS))
