"""Anything no other handler took, in the private chat: say what to do instead."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

import messages
from handlers.common import locale_of, runtime
from handlers.desk_common import service_button


def unexpected_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    return messages.t(locale_of(update, runtime(context)), "fallback.unexpected")


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    # No transaction here: the answer needs nothing from the database.
    locale = locale_of(update, runtime(context))
    await update.effective_message.reply_text(messages.t(locale, "fallback.unknown_command"))


async def unexpected_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    rt = runtime(context)
    locale = locale_of(update, rt)
    # Twice in a row not understood (nothing between but our one answer: message ids are per
    # chat and count both sides): offer a person, if there is a desk.
    message_id = update.effective_message.message_id
    previous = context.user_data.get("desk.missed")
    context.user_data["desk.missed"] = message_id
    if previous == message_id - 2 and rt.settings.desk_chat_ids:
        markup = InlineKeyboardMarkup([[service_button(locale)]])
        await update.effective_message.reply_text(messages.t(locale, "desk.offer"),
                                                  reply_markup=markup)
        return
    await update.effective_message.reply_text(unexpected_text(update, context))


def register(app: Application) -> None:
    """Register last, in the default group: only what no other handler took gets here."""
    private = filters.ChatType.PRIVATE
    app.add_handler(MessageHandler(private & filters.COMMAND, unknown_command))
    app.add_handler(
        MessageHandler(private & ~filters.COMMAND & ~filters.StatusUpdate.ALL, unexpected_message)
    )
