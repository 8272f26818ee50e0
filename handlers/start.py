"""/start and /help in the private chat: answer by role."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CommandHandler, ContextTypes, filters

from groupbot.models import ROLE_MEMBER, ROLE_ORGANIZER, ROLE_REVIEWER
from groupbot.orders import queue_missed_confirmations
from groupbot.people import main_role, mark_started
from groupbot.permissions import USE_BOT
from handlers.common import COMMANDS, Who, add_commands, runtime, who
from handlers.desk_common import help_hours, service_button
from handlers.permits import permitted
from handlers.ticks import kick


def help_text(w: Who) -> str:
    role = main_role(w.roles)
    lines = [w.t(f"start.role.{role}")]
    shown: list[str] = []
    for r in (ROLE_MEMBER, ROLE_REVIEWER, ROLE_ORGANIZER):
        if r == ROLE_MEMBER or r in w.roles:
            shown += [c for c in COMMANDS[r] if c not in shown]
    # /start is how they got here; /help goes last.
    shown = [c for c in shown if c not in ("start", "help")] + ["help"]
    lines += [w.t("help.line", command=c, what=w.t(f"commands.{c}")) for c in shown]
    return "\n".join(lines)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    rt = runtime(context)
    async with rt.tx() as session:
        w = await who(session, rt, update)
        mark_started(w.member, rt.clock.now())
        # Confirmations we could not send before the member opened this chat go out now.
        queued = await queue_missed_confirmations(session, rt, w.member)
    text = w.t("start.welcome", name=w.member.first_name) + "\n\n" + help_text(w)
    await update.effective_message.reply_text(text)
    if queued:
        kick(context)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    rt = runtime(context)
    async with rt.tx() as session:
        w = await who(session, rt, update)
        desk = await help_hours(session, rt, w.locale) if rt.settings.desk_chat_ids else None
    markup = InlineKeyboardMarkup([[service_button(w.locale)]]) if desk else None
    text = help_text(w) + (f"\n\n{desk}" if desk else "")
    await update.effective_message.reply_text(text, reply_markup=markup)


async def start_in_group(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    rt = runtime(context)
    async with rt.tx() as session:
        w = await who(session, rt, update)
    await update.effective_message.reply_text(
        w.t("start.in_group", link=rt.deep_link("help")), disable_web_page_preview=True
    )


def register(app: Application) -> None:
    add_commands(ROLE_MEMBER, "start", "help")
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("start", permitted(USE_BOT, start), private))
    app.add_handler(CommandHandler("help", permitted(USE_BOT, help_command), private))
    app.add_handler(CommandHandler(["start", "help"], permitted(USE_BOT, start_in_group),
                                   filters.ChatType.GROUPS))
