"""What a reviewer types after a prompt: an adjusted amount and its reason, a note for the
member, a payment reference. The prompt is a draft (kind ``review``) that remembers the chat
it was asked in; in a group the reviewer replies to the prompt (privacy mode lets the bot see
replies to its own messages), in the private chat any text will do."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from telegram import Update
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes, MessageHandler, filters

import handlers.drafts
from groupbot import drafts
from groupbot.models import Draft
from groupbot.reviews import decisions, payouts
from groupbot.reviews.decisions import Outcome
from groupbot.runtime import Runtime
from handlers.common import Who, runtime, who
from handlers.fallback import unexpected_message
from handlers.reviews_text import refusal
from handlers.ticks import kick

KIND = "review"
ACTIONS = {"adjust": decisions.ADJUST, "more": decisions.MORE, "reject": decisions.REJECT}


async def begin_prompt(session, rt: Runtime, w: Who, chat_id: int, claim_id: int, action: str,
                       **data: object) -> Draft:
    return await drafts.begin(session, rt, w.member, KIND, "input",
                              {"action": action, "claim_id": claim_id, "chat_id": chat_id,
                               **data})


async def run_decision(update: Update, rt: Runtime, claim_id: int, action: str, **kw
                       ) -> tuple[Who, Outcome]:
    """One decision in its own transaction; a refund the database refuses is an answer."""
    w: Who | None = None
    try:
        async with rt.tx() as session:
            w = await who(session, rt, update)
            if not w.is_reviewer:
                return w, Outcome(False, "reviewers_only")
            outcome = await decisions.decide(session, rt, claim_id, w.member, action, **kw)
            draft = await drafts.current(session, w.member, KIND)
            if draft is not None and draft.data.get("claim_id") == claim_id:
                await drafts.finish(session, draft)
    except decisions.OverRefund:
        outcome = Outcome(False, "over_paid")
    assert w is not None
    return w, outcome


async def apply(session, rt: Runtime, w: Who, draft: Draft, text: str) -> Outcome:
    """Carry out the prompt's decision with what the reviewer typed."""
    data = draft.data
    if data["action"] == "paid":
        outcome = await payouts.mark_paid(session, rt, data["refund_id"], w.member, text)
    elif data["action"] == "adjust":
        amount, _, reason = text.strip().partition(" ")
        outcome = await decisions.decide(session, rt, data["claim_id"], w.member,
                                         decisions.ADJUST, amount=amount,
                                         reason=reason.strip() or None)
    else:
        outcome = await decisions.decide(session, rt, data["claim_id"], w.member,
                                         ACTIONS[data["action"]], reason=data.get("reason"),
                                         note=text.strip()[:500])
    if outcome.ok or outcome.code not in _RETRYABLE:
        await drafts.finish(session, draft)
    return outcome


# Input mistakes keep the prompt open so the reviewer can simply type again.
_RETRYABLE = {"amount_not_a_number", "amount_not_positive", "amount_too_many_decimals",
              "amount_exceeds_cap", "reason_missing", "reference_missing"}


def _expired(rt: Runtime, draft: Draft) -> bool:
    return draft.updated_at < rt.clock.now() - timedelta(minutes=rt.settings.review_lease_minutes)


async def _answer(update: Update, context, rt: Runtime, w: Who, draft: Draft, session
                  ) -> tuple[str, bool]:
    """(the reply, whether the prompt is done with: its buttons can go)."""
    if _expired(rt, draft):
        await drafts.finish(session, draft)
        return w.t("reviews.stale_prompt"), True
    data = dict(draft.data)
    outcome = await apply(session, rt, w, draft, update.effective_message.text or "")
    if not outcome.ok:
        return refusal(w, outcome, rt), outcome.code not in _RETRYABLE
    kick(context)
    if data["action"] == "paid":
        return w.t("reviews.paid_done", claim=outcome.params["claim"],
                   reference=update.effective_message.text.strip()), True
    return w.t(f"reviews.done.{ACTIONS[data['action']]}", claim=data["claim_id"]), True


async def remember_prompt(rt: Runtime, member_id: int, message_id: int) -> None:
    """Note which message asked, so its buttons can be removed once it is answered."""
    async with rt.tx() as session:
        draft = await session.scalar(select(Draft).where(Draft.member_id == member_id,
                                                         Draft.kind == KIND))
        if draft is not None:
            draft.data = {**draft.data, "prompt_id": message_id}


async def _close_prompt(context, chat_id: int, prompt_id: int | None) -> None:
    if prompt_id is None:
        return
    try:
        await context.bot.edit_message_reply_markup(chat_id, prompt_id, reply_markup=None)
    except TelegramError:
        pass  # already edited or deleted: nothing left to tidy


async def private_input(update: Update, context, session, w: Who, draft: Draft) -> None:
    """The drafts router hands us the reviewer's text in the private chat."""
    rt = runtime(context)
    message = update.effective_message
    if draft.data.get("chat_id") != message.chat_id or not message.text:
        await unexpected_message(update, context)
        return
    prompt_id = draft.data.get("prompt_id")
    reply, closed = await _answer(update, context, rt, w, draft, session)
    if closed:
        await _close_prompt(context, message.chat_id, prompt_id)
    await message.reply_text(reply)


async def group_input(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Text in a group: only a reviewer with a prompt open in this very chat is answered."""
    rt = runtime(context)
    message = update.effective_message
    replied = message.reply_to_message
    if message.chat_id != rt.settings.reviewers_chat_id and (
            replied is None or replied.from_user is None
            or replied.from_user.id != context.bot.id):
        return  # ordinary group chatter: not even a database round trip
    try:
        async with rt.tx() as session:
            w = await who(session, rt, update)
            draft = await drafts.current(session, w.member, KIND)
            if draft is None or draft.data.get("chat_id") != message.chat_id:
                return
            prompt_id = draft.data.get("prompt_id")
            reply, closed = await _answer(update, context, rt, w, draft, session)
    except decisions.OverRefund:
        reply, closed = w.t("reviews.refuse.over_paid"), True
    if closed:
        await _close_prompt(context, message.chat_id, prompt_id)
    await message.reply_text(reply)


def register(app: Application) -> None:
    handlers.drafts.route(KIND, private_input)
    # Its own handler group: group text stays free for any other feature's handlers.
    app.add_handler(MessageHandler(
        filters.ChatType.GROUPS & filters.TEXT & ~filters.COMMAND, group_input), group=1)
