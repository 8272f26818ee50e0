"""The member's side of the desk, in the private chat: /service and its button, messages and
edits while a conversation is open (or reopen it), and the 1–5 rating.

These run in handler group -1, before the bot's other handlers: a message that belongs to a
conversation with a person stops there (ApplicationHandlerStop); any other goes on as usual.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from groupbot.desk.members import Answer, member_edited, member_wrote, rate, request_service
from groupbot.permissions import ASK_FOR_PERSON
from handlers.common import add_commands, runtime, who
from handlers.desk_common import SERVICE_CALLBACK, incoming, when
from handlers.permits import permitted
from handlers.ticks import kick

DESK_GROUP = -1
RELAYED = filters.TEXT | filters.PHOTO | filters.Document.ALL | filters.VOICE | filters.Sticker.ALL


def _render(w, answer: Answer, rt) -> str | None:
    if not answer.code:
        return None
    params = dict(answer.params)
    if "when" in params:
        params["when"] = when(w.locale, params["when"], rt.clock.now(), rt.settings.tz)
    return w.t(f"desk.member.{answer.code}", **params)


async def service(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    rt = runtime(context)
    async with rt.tx() as session:
        w = await who(session, rt, update)
        answer = await request_service(session, rt, w.member, w.locale, rt.clock.now())
    if update.callback_query is not None:
        await update.callback_query.answer()
    await update.effective_message.reply_text(_render(w, answer, rt) or "")


async def member_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    found = incoming(message)
    if found is None:
        return
    rt = runtime(context)
    async with rt.tx() as session:
        w = await who(session, rt, update)
        answer = await member_wrote(session, rt, w.member, w.locale, found, rt.clock.now())
    if answer is None:
        return  # not a desk conversation: the other handlers take it
    kick(context)
    text = _render(w, answer, rt)
    if text:
        await message.reply_text(text)
    raise ApplicationHandlerStop


async def member_edit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    found = incoming(update.edited_message, edit=True)
    if found is None:
        return
    rt = runtime(context)
    async with rt.tx() as session:
        w = await who(session, rt, update)
        ours = await member_edited(session, rt, w.member, found, rt.clock.now())
    if ours:
        kick(context)
        raise ApplicationHandlerStop


async def rating(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    _prefix, _rate, conv_id, score = query.data.split(":")
    rt = runtime(context)
    async with rt.tx() as session:
        w = await who(session, rt, update)
        answer = await rate(session, w.member, int(conv_id), int(score), rt.clock.now(), rt)
    kick(context)  # a low rating opened a complaint case: its notices are queued
    await query.answer(_render(w, answer, rt))
    if answer.code in ("rate_thanks", "rate_sorry"):
        await query.edit_message_reply_markup(None)
        await query.message.reply_text(_render(w, answer, rt) or "")


def register(app: Application) -> None:
    add_commands(ASK_FOR_PERSON, "service")
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("service", permitted(ASK_FOR_PERSON, service), private))
    app.add_handler(CallbackQueryHandler(permitted(ASK_FOR_PERSON, service),
                                         pattern=f"^{SERVICE_CALLBACK}$"))
    app.add_handler(CallbackQueryHandler(permitted(ASK_FOR_PERSON, rating),
                                         pattern=r"^desk:rate:\d+:\d$"))
    new = filters.UpdateType.MESSAGE & private & ~filters.COMMAND & RELAYED
    app.add_handler(MessageHandler(new, member_message), group=DESK_GROUP)
    edits = filters.UpdateType.EDITED_MESSAGE & private & filters.TEXT
    app.add_handler(MessageHandler(edits, member_edit), group=DESK_GROUP)
