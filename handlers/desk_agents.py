"""The agents' side, in the desk chat(s): writing in a member's topic (or replying to a relayed
message when topics are off), /close, /transfer, /note, /r, /desk, /deskname, and the
接待 / send-anyway buttons. Every update from a desk chat stops here (handler group -1): a
staff chat is not a community group."""

from __future__ import annotations

from telegram import Message, Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

import messages
from groupbot.desk import agents, commands
from groupbot.desk.agents import Place, Reply
from groupbot.desk.clocks import desk_list
from groupbot.desk.records import Incoming, desk_locale, set_desk_name
from groupbot.permissions import DESK_REPLY
from handlers.common import keyboard, runtime, who
from handlers.desk_common import incoming
from handlers.desk_member import DESK_GROUP, RELAYED
from handlers.permits import permitted
from handlers.ticks import kick


def _place(message: Message) -> Place:
    thread = message.message_thread_id if message.is_topic_message else None
    replied = message.reply_to_message
    return Place(message.chat_id, thread, replied.message_id if replied and not thread else None)


def _command(message: Message) -> Incoming:
    return Incoming(message.chat_id, message.message_id, "text", message.text)


async def _answer(update: Update, context: ContextTypes.DEFAULT_TYPE, reply: Reply) -> None:
    rt = runtime(context)
    kick(context)
    if not reply.code:
        raise ApplicationHandlerStop
    locale = desk_locale(rt)
    text = messages.t(locale, f"desk.agent.{reply.code}", **reply.params)
    markup = None
    if reply.code == "held":
        held = reply.params["message"]
        markup = keyboard([[(messages.t(locale, "desk.agent.send_button"), f"desk:held:{held}:1"),
                            (messages.t(locale, "desk.agent.drop_button"), f"desk:held:{held}:0")]])
    if update.callback_query is not None:
        await update.callback_query.answer(text[:200])
    else:
        await update.effective_message.reply_text(text, reply_markup=markup)
    raise ApplicationHandlerStop


async def agent_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A message (or an edit: relayed as an edit note) an agent wrote in the desk chat."""
    message = update.effective_message
    found = incoming(message, edit=update.edited_message is not None)
    if found is None:
        raise ApplicationHandlerStop
    rt = runtime(context)
    async with rt.tx() as session:
        w = await who(session, rt, update)
        reply = await agents.agent_wrote(session, rt, w.member, _place(message), found,
                                         rt.clock.now())
    await _answer(update, context, reply)


async def command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    name = message.text.split()[0].lstrip("/").partition("@")[0].lower()
    args = context.args or []
    rt = runtime(context)
    now = rt.clock.now()
    place = _place(message)
    async with rt.tx() as session:
        w = await who(session, rt, update)
        if name == "close":
            reply = await commands.close_command(session, rt, w.member, place, now)
        elif name == "transfer":
            reply = Reply("transfer_usage") if not args else await commands.transfer(
                session, rt, w.member, place, args[0], " ".join(args[1:]), _command(message),
                now)
        elif name == "note":
            reply = await commands.note(session, w.member, place, " ".join(args),
                                      _command(message), now)
        elif name == "r":
            reply = await commands.canned(session, rt, w.member, place,
                                        args[0] if args else "", _command(message), now)
        else:  # deskname
            desk_name = " ".join(args).strip()
            if not desk_name or len(desk_name) > 32:
                reply = Reply("deskname_usage")
            else:
                await set_desk_name(session, w.member, desk_name)
                reply = Reply("deskname_set", {"name": desk_name})
    await _answer(update, context, reply)


async def desk_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    rt = runtime(context)
    async with rt.tx() as session:
        lines = await desk_list(session, rt, rt.clock.now())
    locale = desk_locale(rt)

    def t(key: str, **values: object) -> str:
        return messages.t(locale, f"desk.agent.{key}", **values)

    text = [t("desk_title")] if lines else [t("desk_empty")]
    for line in lines:
        waited = t("desk_member_turn") if line.waiting_minutes is None else t(
            "desk_waited", minutes=line.waiting_minutes)
        text.append(t("desk_line", number=line.number, member=line.member, waited=waited,
                      state=messages.t(locale, f"desk.state.{line.state}"),
                      agent=line.agent or t("nobody")))
    await update.effective_message.reply_text("\n".join(text))
    raise ApplicationHandlerStop


async def take_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    conv_id = int(update.callback_query.data.rpartition(":")[2])
    rt = runtime(context)
    async with rt.tx() as session:
        w = await who(session, rt, update)
        reply = await agents.take(session, rt, w.member, conv_id, rt.clock.now())
    await _answer(update, context, reply)


async def held_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    _desk, _held, row_id, send = query.data.split(":")
    rt = runtime(context)
    async with rt.tx() as session:
        w = await who(session, rt, update)
        reply = await agents.confirm_held(session, rt, w.member, int(row_id), send == "1",
                                          rt.clock.now())
    if reply.code in ("held_sent", "held_dropped"):
        await query.edit_message_reply_markup(None)
    await _answer(update, context, reply)


async def swallow(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    raise ApplicationHandlerStop  # nothing else in a staff chat is for the bot's other features


def register(app: Application) -> None:
    rt = app.bot_data["groupbot.runtime"]
    chats = list(rt.settings.desk_chat_ids)
    if not chats:
        return
    desk = filters.Chat(chat_id=chats)
    app.add_handler(CommandHandler(["close", "transfer", "note", "r", "deskname"],
                                   permitted(DESK_REPLY, command), desk),
                    group=DESK_GROUP)
    app.add_handler(CommandHandler("desk", permitted(DESK_REPLY, desk_command), desk),
                    group=DESK_GROUP)
    app.add_handler(CallbackQueryHandler(permitted(DESK_REPLY, take_button),
                                         pattern=r"^desk:take:\d+$"),
                    group=DESK_GROUP)
    app.add_handler(CallbackQueryHandler(permitted(DESK_REPLY, held_button),
                                         pattern=r"^desk:held:\d+:[01]$"),
                    group=DESK_GROUP)
    new = filters.UpdateType.MESSAGE & desk & ~filters.COMMAND & RELAYED
    app.add_handler(MessageHandler(new, agent_message), group=DESK_GROUP)
    edits = filters.UpdateType.EDITED_MESSAGE & desk & filters.TEXT
    app.add_handler(MessageHandler(edits, agent_message), group=DESK_GROUP)
    app.add_handler(MessageHandler(desk & ~filters.StatusUpdate.ALL, swallow), group=DESK_GROUP)
