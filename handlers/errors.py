"""The error handler: log the whole story, tell the admin chat briefly, and the user kindly."""

from __future__ import annotations

import logging
import traceback

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes

import messages
from handlers.common import locale_of, runtime

log = logging.getLogger("groupbot.errors")


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    error = context.error
    log.error("error while handling an update", exc_info=error)
    rt = runtime(context)
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await context.bot.send_message(
                update.effective_chat.id,
                messages.t(locale_of(update, rt), "errors.generic"),
            )
        except TelegramError:
            log.warning("could not tell the user about the error")
    if rt.settings.admin_chat_id:
        tb = "".join(traceback.format_exception(error)) if error else ""
        report = messages.t(
            rt.settings.default_locale, "errors.admin_report", error=repr(error), trace=tb[-3000:]
        )
        try:
            await context.bot.send_message(rt.settings.admin_chat_id, report)
        except TelegramError:
            log.warning("could not post the error report to the admin chat")


def register(app: Application) -> None:
    app.add_error_handler(on_error)
