"""/start and /help in the private chat: answer by role."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes, filters

from groupbot.orders import queue_missed_confirmations
from groupbot.people import main_role, mark_started
from groupbot.permissions import USE_BOT
from handlers.common import Who, add_commands, commands_for, runtime, who
from handlers.permits import permitted
from handlers.ticks import kick


def help_text(w: Who) -> str:
    role = main_role(w.roles)
    lines = [w.t(f"start.role.{role}")]
    # /start is how they got here; /help goes last.
    shown = [c for c in commands_for(w) if c not in ("start", "help")] + ["help"]
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
    await update.effective_message.reply_text(help_text(w))


async def start_in_group(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    rt = runtime(context)
    async with rt.tx() as session:
        w = await who(session, rt, update)
    await update.effective_message.reply_text(
        w.t("start.in_group", link=rt.deep_link("help")), disable_web_page_preview=True
    )


def register(app: Application) -> None:
    add_commands(USE_BOT, "start", "help")
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("start", permitted(USE_BOT, start), private))
    app.add_handler(CommandHandler("help", permitted(USE_BOT, help_command), private))
    app.add_handler(CommandHandler(["start", "help"], permitted(USE_BOT, start_in_group),
                                   filters.ChatType.GROUPS))
