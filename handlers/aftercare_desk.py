"""Aftercare in a desk chat (a member's topic): /complaint opens a case for the topic's member,
/resolve gives the resolution and asks the member "问题解决了吗？", /coupon N gives a goodwill
coupon that compensates the case, /cases lists what is due, and the reason buttons under a new
case set its category. They run ahead of the desk's own handlers (which swallow every update of
a desk chat) and stop there."""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    filters,
)

import messages
from groupbot import policy
from groupbot.aftercare import cases
from groupbot.aftercare.listing import due_cases
from groupbot.aftercare.records import Outcome
from groupbot.desk.agents import find_conversation
from groupbot.desk.records import desk_locale
from groupbot.models import Member
from groupbot.orders import local_time
from groupbot.permissions import GOODWILL_COUPON, OPEN_COMPLAINT, WORK_CASES
from groupbot.refusal import Refusal
from handlers.aftercare import AFTERCARE_GROUP
from handlers.desk_agents import _place
from handlers.permits import permitted, refusal_text
from handlers.unit import Unit, unit

Decided = Outcome | Refusal | None


def _text(u: Unit, result: Decided) -> str:
    locale = desk_locale(u.rt)  # the desk speaks the community's language
    if isinstance(result, Refusal):
        return refusal_text(locale, result)
    if result is None:
        return messages.t(locale, "aftercare.agent.not_in_topic")
    params = {k: (local_time(u.rt, v) if hasattr(v, "astimezone") else v)
              for k, v in result.params.items()}
    return messages.t(locale, f"aftercare.agent.{result.code}", **params)


async def _member_here(u: Unit) -> Member | None:
    conv = await find_conversation(u.session, _place(u.message))
    return await u.session.get(Member, conv.member_id) if conv is not None else None


async def topic_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    name = message.text.split()[0].lstrip("/").partition("@")[0].lower()
    args = list(context.args or [])
    async with unit(update, context) as u:
        now = u.rt.clock.now()
        result: Decided
        if name == "cases":
            u.out.reply(await due_cases(u.session, u.rt, desk_locale(u.rt)))
            result = Outcome("")
        elif (member := await _member_here(u)) is None:
            result = None
        elif name == "complaint":
            reason = args[0] if args else ""
            what = " ".join(args[1:] if reason in policy.CASE_REASONS else args)
            result = await cases.open_by_staff(
                u.session, u.rt, u.w.member, member, reason, what,
                f"staff:{message.chat_id}:{message.message_id}", now)
        elif (case := await cases.case_of_member(u.session, member.id)) is None:
            result = Outcome("no_case")
        elif name == "coupon":
            result = await cases.goodwill_coupon(u.session, u.rt, u.w.member, case,
                                                 args[0] if args else "", now)
        else:  # resolve
            result = await cases.resolve(u.session, u.rt, u.w.member, case,
                                         args[0] if args else "", " ".join(args[1:]), now)
        if not isinstance(result, Outcome) or result.code:
            u.out.reply(_text(u, result))
        u.out.kick()
    raise ApplicationHandlerStop


async def reason_tap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    _ac, _why, case_id, reason = update.callback_query.data.split(":")
    async with unit(update, context) as u:
        result = await cases.set_reason(u.session, u.rt, u.w.member, int(case_id), reason,
                                        u.rt.clock.now())
        u.out.answer(_text(u, result), alert=isinstance(result, Refusal))
    raise ApplicationHandlerStop


def register(app: Application) -> None:
    rt = app.bot_data["groupbot.runtime"]
    chats = list(rt.settings.desk_chat_ids)
    if not chats:
        return
    desk = filters.Chat(chat_id=chats)
    app.add_handler(CommandHandler("complaint", permitted(OPEN_COMPLAINT, topic_command), desk),
                    group=AFTERCARE_GROUP)
    app.add_handler(CommandHandler("coupon", permitted(GOODWILL_COUPON, topic_command), desk),
                    group=AFTERCARE_GROUP)
    app.add_handler(CommandHandler(["resolve", "cases"], permitted(WORK_CASES, topic_command),
                                   desk), group=AFTERCARE_GROUP)
    app.add_handler(CallbackQueryHandler(permitted(WORK_CASES, reason_tap),
                                         pattern=r"^ac:why:\d+:[a-z]+$"), group=AFTERCARE_GROUP)
