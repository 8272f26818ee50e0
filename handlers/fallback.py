"""Anything no other handler took, in the private chat: say what to do instead."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

import messages
from handlers.common import keyboard, locale_of, runtime
from handlers.desk_common import service_row


def unexpected_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    return messages.t(locale_of(update, runtime(context)), "fallback.unexpected")


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    # No transaction here: the answer needs nothing from the database.
    locale = locale_of(update, runtime(context))
    await update.effective_message.reply_text(messages.t(locale, "fallback.unknown_command"))


def not_understood(update: Update, context: ContextTypes.DEFAULT_TYPE
                   ) -> tuple[str, list[list[tuple[str, str]]] | None]:
    """What to answer a private text nobody could use: twice in a row not understood (nothing
    between but our one answer: message ids are per chat and count both sides) offers a person,
    if there is a desk."""
    rt = runtime(context)
    locale = locale_of(update, rt)
    message_id = update.effective_message.message_id
    previous = context.user_data.get("desk.missed")
    context.user_data["desk.missed"] = message_id
    if previous == message_id - 2 and rt.settings.desk_chat_ids:
        return messages.t(locale, "desk.offer"), [[service_row(locale)]]
    return messages.t(locale, "fallback.unexpected"), None


async def unexpected_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    text, rows = not_understood(update, context)
    await update.effective_message.reply_text(text, reply_markup=keyboard(rows) if rows else None)


def register(app: Application) -> None:
    """Register last, in the default group: only what no other handler took gets here."""
    private = filters.ChatType.PRIVATE
    app.add_handler(MessageHandler(private & filters.COMMAND, unknown_command))
    app.add_handler(
        MessageHandler(private & ~filters.COMMAND & ~filters.StatusUpdate.ALL, unexpected_message)
    )
