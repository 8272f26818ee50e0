"""What a reviewer types after a prompt: an adjusted amount and its reason, a note for the
member, a payment reference. The prompt is a draft (kind ``review``) that remembers the chat
it was asked in; in a group the reviewer replies to the prompt (privacy mode lets the bot see
replies to its own messages), in the private chat any text will do."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

import handlers.drafts
from groupbot import drafts
from groupbot.models import Draft
from groupbot.refusal import Result
from groupbot.reviews import decisions, payouts
from groupbot.runtime import Runtime
from handlers.common import Who, runtime
from handlers.fallback import unexpected_text
from handlers.reviews_text import refusal
from handlers.unit import Unit, unit_of_work

KIND = "review"
# A refund the database refuses (over what was paid) rolls the decision back and says so.
OVER_PAID = {decisions.OverRefund: "reviews.refuse.over_paid"}
ACTIONS = {"adjust": decisions.ADJUST, "more": decisions.MORE, "reject": decisions.REJECT}


async def begin_prompt(session, rt: Runtime, w: Who, chat_id: int, claim_id: int, action: str,
                       **data: object) -> Draft:
    return await drafts.begin(session, rt, w.member, KIND, "input",
                              {"action": action, "claim_id": claim_id, "chat_id": chat_id,
                               **data})


async def apply(session, rt: Runtime, w: Who, draft: Draft, text: str) -> Result:
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


async def _answer(u: Unit, draft: Draft) -> None:
    """Reply to what the reviewer typed; a prompt done with loses its buttons."""
    prompt_id = draft.data.get("prompt_id")
    if _expired(u.rt, draft):
        await drafts.finish(u.session, draft)
        reply, closed = u.t("reviews.stale_prompt"), True
    else:
        data = dict(draft.data)
        typed = (u.message.text or "").strip()
        outcome = await apply(u.session, u.rt, u.w, draft, typed)
        if not outcome.ok:
            reply, closed = refusal(u.w, outcome, u.rt), outcome.code not in _RETRYABLE
        elif data["action"] == "paid":
            reply, closed = u.t("reviews.paid_done", claim=outcome.params["claim"],
                                reference=typed), True
            u.out.kick()
        else:
            reply, closed = u.t(f"reviews.done.{ACTIONS[data['action']]}",
                                claim=data["claim_id"]), True
            u.out.kick()
    if closed and prompt_id is not None:
        u.out.markup(None, chat_id=u.chat_id, message_id=prompt_id)
    u.out.reply(reply)


async def remember_prompt(rt: Runtime, member_id: int, message_id: int) -> None:
    """Note which message asked, so its buttons can be removed once it is answered."""
    async with rt.tx() as session:
        draft = await session.scalar(select(Draft).where(Draft.member_id == member_id,
                                                         Draft.kind == KIND))
        if draft is not None:
            draft.data = {**draft.data, "prompt_id": message_id}


async def private_input(u: Unit, draft: Draft) -> None:
    """The drafts router hands us the reviewer's text in the private chat."""
    if draft.data.get("chat_id") != u.chat_id or not u.message.text:
        u.out.reply(unexpected_text(u.update, u.context))
        return
    await _answer(u, draft)


async def group_input(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Text in a group: only a reviewer with a prompt open in this very chat is answered."""
    rt = runtime(context)
    message = update.effective_message
    replied = message.reply_to_message
    if message.chat_id != rt.settings.reviewers_chat_id and (
            replied is None or replied.from_user is None
            or replied.from_user.id != context.bot.id):
        return  # ordinary group chatter: not even a database round trip
    await _group_answer(update, context)


@unit_of_work(rolled_back=OVER_PAID)
async def _group_answer(u: Unit) -> None:
    draft = await drafts.current(u.session, u.w.member, KIND)
    if draft is None or draft.data.get("chat_id") != u.chat_id:
        return
    await _answer(u, draft)


def register(app: Application) -> None:
    handlers.drafts.route(KIND, private_input)
    # Its own handler group: group text stays free for any other feature's handlers.
    app.add_handler(MessageHandler(
        filters.ChatType.GROUPS & filters.TEXT & ~filters.COMMAND, group_input), group=1)
