"""/queue (pending claims, oldest first, with time left; "take" holds one) and /payouts
(approved refunds not paid; "mark paid" asks for the payment reference)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from groupbot.money import fmt, from_minor
from groupbot.orders import local_time
from groupbot.permissions import MARK_PAID, VIEW_QUEUE
from groupbot.reviews import cards, payouts, queue
from groupbot.reviews.card import left_text
from groupbot.reviews.decisions import Outcome
from groupbot.reviews.records import name_of
from handlers.common import Who, keyboard, runtime, who
from handlers.permits import permitted
from handlers.reviews_cards import post_card
from handlers.reviews_input import begin_prompt, remember_prompt
from handlers.reviews_text import refusal
from handlers.sender import TelegramSender


def _money(minor: int, currency: str) -> str:
    return fmt(from_minor(minor, currency), currency)


async def _reviewer(update: Update, session, rt) -> Who | None:
    w = await who(session, rt, update)
    if not w.is_reviewer:
        await update.effective_message.reply_text(w.t("reviews.reviewers_only"))
        return None
    return w


async def queue_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    rt = runtime(context)
    async with rt.tx() as session:
        if (w := await _reviewer(update, session, rt)) is None:
            return
        found = await queue.pending(session, rt)
        waiting = await queue.waiting_for_photos(session, rt)
        lines, rows = [], []
        for claim, review, member in found:
            held = queue.holder(review, rt)
            values = dict(claim=claim.id, member=member.full_name,
                          amount=_money(claim.refund_minor, claim.currency),
                          left=left_text(w.locale, rt, claim.review_due_at))
            if held is not None:
                lines.append(w.t("reviews.queue.item_held", **values,
                                 name=await name_of(session, held)))
            else:
                lines.append(w.t("reviews.queue.item", **values))
            rows.append([(w.t("reviews.queue.take_button", claim=claim.id), f"rv:t:{claim.id}")])
    if not found:
        await update.effective_message.reply_text(w.t("reviews.queue.empty", waiting=waiting))
        return
    head = w.t("reviews.queue.title", count=len(found), waiting=waiting)
    await update.effective_message.reply_text("\n".join([head, *lines]),
                                              reply_markup=keyboard(rows))


async def take_tap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Hold the claim; its card is posted here unless this chat already has it."""
    query = update.callback_query
    claim_id = int(query.data.rsplit(":", 1)[1])
    rt = runtime(context)
    chat_id = query.message.chat_id
    async with rt.tx() as session:
        w = await who(session, rt, update)
        if not w.is_reviewer:
            await query.answer(w.t("reviews.reviewers_only"), show_alert=True)
            return
        outcome = await queue.take(session, rt, claim_id, w.member)
        has_card = await cards.posted_in(session, claim_id, chat_id)
    if not outcome.ok:
        await query.answer(refusal(w, outcome, rt), show_alert=True)
        return
    text = w.t("reviews.taken", claim=claim_id, until=local_time(rt, outcome.params["until"]))
    await query.answer(text)
    if not has_card:
        await post_card(rt, TelegramSender(context.bot), claim_id, chat_id, w.locale)
    await query.message.reply_text(text)


async def payouts_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    rt = runtime(context)
    async with rt.tx() as session:
        if (w := await _reviewer(update, session, rt)) is None:
            return
        found = await payouts.due(session, rt)
    if not found:
        await update.effective_message.reply_text(w.t("reviews.payouts.empty"))
        return
    lines = [w.t("reviews.payouts.title", count=len(found))]
    rows = []
    for refund, member in found:
        lines.append(w.t("reviews.payouts.item", claim=refund.claim_id, member=member.full_name,
                         amount=_money(refund.amount_minor, refund.currency),
                         due=local_time(rt, refund.payout_due_at)))
        rows.append([(w.t("reviews.payouts.button", claim=refund.claim_id),
                      f"rv:p:{refund.id}")])
    await update.effective_message.reply_text("\n".join(lines), reply_markup=keyboard(rows))


async def paid_tap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """"Mark paid": ask for the payment reference in this chat."""
    query = update.callback_query
    refund_id = int(query.data.rsplit(":", 1)[1])
    rt = runtime(context)
    async with rt.tx() as session:
        w = await who(session, rt, update)
        refund = (await payouts.payable(session, rt, refund_id) if w.is_reviewer
                  else Outcome(False, "reviewers_only"))
        if isinstance(refund, Outcome):
            await query.answer(refusal(w, refund, rt), show_alert=True)
            return
        member = await name_of(session, refund.member_id)
        await begin_prompt(session, rt, w, query.message.chat_id, refund.claim_id, "paid",
                           refund_id=refund.id)
    await query.answer()
    text = w.t("reviews.ask.paid", claim=refund.claim_id, member=member,
               amount=_money(refund.amount_minor, refund.currency))
    sent = await query.message.reply_text(text, reply_markup=keyboard(
        [[(w.t("reviews.button.cancel"), f"rv:q:{refund.claim_id}")]]))
    await remember_prompt(rt, w.member.id, sent.message_id)


def register(app: Application) -> None:
    app.add_handler(CommandHandler("queue", permitted(VIEW_QUEUE, queue_command)))
    app.add_handler(CommandHandler("payouts", permitted(MARK_PAID, payouts_command)))
    app.add_handler(CallbackQueryHandler(permitted(VIEW_QUEUE, take_tap), pattern=r"^rv:t:\d+$"))
    app.add_handler(CallbackQueryHandler(permitted(MARK_PAID, paid_tap), pattern=r"^rv:p:\d+$"))
