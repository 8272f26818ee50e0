"""/queue (pending claims, oldest first, with time left; "take" holds one) and /payouts
(approved refunds not paid; "mark paid" asks for the payment reference)."""

from __future__ import annotations

import functools

from telegram.ext import Application, CallbackQueryHandler, CommandHandler

import handlers.reviews_cards  # noqa: F401 - registers how the evidence sheet is posted
from groupbot import posts
from groupbot.money import fmt, from_minor
from groupbot.orders import local_time
from groupbot.permissions import MARK_PAID, VIEW_QUEUE
from groupbot.refusal import Refusal
from groupbot.reviews import cards, payouts, queue
from groupbot.reviews.card import left_text
from groupbot.reviews.records import name_of
from handlers.permits import permitted
from handlers.reviews_input import begin_prompt, remember_prompt
from handlers.reviews_text import refusal
from handlers.sender import TelegramSender
from handlers.unit import Unit, unit_of_work


def _money(minor: int, currency: str) -> str:
    return fmt(from_minor(minor, currency), currency)


@unit_of_work
async def queue_command(u: Unit) -> None:
    found = await queue.pending(u.session, u.rt)
    waiting = await queue.waiting_for_photos(u.session, u.rt)
    if not found:
        u.out.reply(u.t("reviews.queue.empty", waiting=waiting))
        return
    lines, rows = [u.t("reviews.queue.title", count=len(found), waiting=waiting)], []
    for claim, review, member in found:
        held = queue.holder(review, u.rt)
        values = dict(claim=claim.id, member=member.full_name,
                      amount=_money(claim.refund_minor, claim.currency),
                      left=left_text(u.w.locale, u.rt, claim.review_due_at))
        if held is not None:
            lines.append(u.t("reviews.queue.item_held", **values,
                             name=await name_of(u.session, held)))
        else:
            lines.append(u.t("reviews.queue.item", **values))
        rows.append([(u.t("reviews.queue.take_button", claim=claim.id), f"rv:t:{claim.id}")])
    u.out.reply("\n".join(lines), rows)


@unit_of_work
async def take_tap(u: Unit) -> None:
    """Hold the claim; its card is posted here unless this chat already has it."""
    claim_id = int(u.data.rsplit(":", 1)[1])
    outcome = await queue.take(u.session, u.rt, claim_id, u.w.member)
    if not outcome.ok:
        u.out.answer(refusal(u.w, outcome, u.rt), alert=True)
        return
    text = u.t("reviews.taken", claim=claim_id, until=local_time(u.rt, outcome.params["until"]))
    u.out.answer(text)
    planned = await cards.intend_cards(u.session, u.rt, claim_id, u.chat_id, u.w.locale)
    rt, sender = u.rt, TelegramSender(u.context.bot)
    for post_id in planned:  # the card comes here unless this chat has it: after the commit
        u.out.after(functools.partial(posts.deliver, rt, sender, post_id))
    u.out.after(lambda: _say(u, text))


async def _say(u: Unit, text: str) -> None:
    """After the card (when one was posted): the hold, under it."""
    await u.message.reply_text(text)


@unit_of_work
async def payouts_command(u: Unit) -> None:
    found = await payouts.due(u.session, u.rt)
    if not found:
        u.out.reply(u.t("reviews.payouts.empty"))
        return
    lines = [u.t("reviews.payouts.title", count=len(found))]
    rows = []
    for refund, member in found:
        lines.append(u.t("reviews.payouts.item", claim=refund.claim_id, member=member.full_name,
                         amount=_money(refund.amount_minor, refund.currency),
                         due=local_time(u.rt, refund.payout_due_at)))
        rows.append([(u.t("reviews.payouts.button", claim=refund.claim_id),
                      f"rv:p:{refund.id}")])
    u.out.reply("\n".join(lines), rows)


@unit_of_work
async def paid_tap(u: Unit) -> None:
    """"Mark paid": ask for the payment reference in this chat."""
    refund_id = int(u.data.rsplit(":", 1)[1])
    refund = await payouts.payable(u.session, u.rt, refund_id)
    if isinstance(refund, Refusal):
        u.out.answer(refusal(u.w, refund, u.rt), alert=True)
        return
    member = await name_of(u.session, refund.member_id)
    await begin_prompt(u.session, u.rt, u.w, u.chat_id, refund.claim_id, "paid",
                       refund_id=refund.id)
    text = u.t("reviews.ask.paid", claim=refund.claim_id, member=member,
               amount=_money(refund.amount_minor, refund.currency))
    rt, member_id = u.rt, u.w.member.id
    u.out.reply(text, [[(u.t("reviews.button.cancel"), f"rv:q:{refund.claim_id}")]],
                on_sent=lambda sent: remember_prompt(rt, member_id, sent))


def register(app: Application) -> None:
    app.add_handler(CommandHandler("queue", permitted(VIEW_QUEUE, queue_command)))
    app.add_handler(CommandHandler("payouts", permitted(MARK_PAID, payouts_command)))
    app.add_handler(CallbackQueryHandler(permitted(VIEW_QUEUE, take_tap), pattern=r"^rv:t:\d+$"))
    app.add_handler(CallbackQueryHandler(permitted(MARK_PAID, paid_tap), pattern=r"^rv:p:\d+$"))
