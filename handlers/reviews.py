"""Reviewers deciding claims from the card's buttons, and /claim N (a claim's history).

Card buttons (callback data, all well under 64 bytes):
``rv:a:N`` approve · ``rv:j:N`` adjust (asks for an amount) · ``rv:m:N`` more photos (asks for
a note) · ``rv:c:N`` coupon (amounts) · ``rv:r:N`` reject (reasons) · ``rv:x:N`` reverse an
auto-approval · on prompts: ``rv:cp:N:MINOR``, ``rv:rr:N:REASON``, ``rv:rn:N:REASON``,
``rv:mn:N`` (decide without a note) and ``rv:q:N`` (cancel).
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, filters

import handlers.claims
import handlers.reviews_input
import handlers.reviews_member
import handlers.reviews_queue
from groupbot import drafts
from groupbot.models import Claim
from groupbot.money import fmt, from_minor, to_minor
from groupbot.permissions import (
    ADJUST_AMOUNT,
    DECIDE_CLAIM,
    MARK_PAID,
    OFFER_COUPON,
    REVERSE_AUTO_APPROVAL,
    USE_BOT,
    VIEW_CLAIM_HISTORY,
    VIEW_QUEUE,
)
from groupbot.reviews import auto, coupons, decisions, history
from groupbot.reviews.decisions import Outcome
from handlers.common import Who, add_commands, keyboard, runtime, who
from handlers.permits import permitted
from handlers.reviews_input import KIND, begin_prompt, remember_prompt, run_decision
from handlers.reviews_text import refusal
from handlers.ticks import kick

DONE = {"a": decisions.APPROVE, "cp": decisions.COUPON, "mn": decisions.MORE,
        "rn": decisions.REJECT}


async def decide_tap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button that decides: approve on the card; coupon, reject or more photos on a prompt."""
    query = update.callback_query
    _, act, claim_id, *rest = query.data.split(":")
    rt = runtime(context)
    extra: dict = {}
    if act == "cp":
        extra["amount"] = from_minor(int(rest[0]), rt.settings.currency)
    elif act == "rn":
        extra["reason"] = rest[0]
    w, outcome = await run_decision(update, rt, int(claim_id), DONE[act], **extra)
    if not outcome.ok:
        await query.answer(refusal(w, outcome, rt), show_alert=True)
        return
    done = w.t(f"reviews.done.{DONE[act]}", claim=claim_id)
    await query.answer(done)
    if act != "a":  # the tap was on a prompt: it becomes the confirmation
        await query.edit_message_text(done)
    kick(context)


async def prompt_tap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Adjust, more photos, coupon, reject: ask for what the decision needs, in this chat."""
    query = update.callback_query
    _, act, claim_id, *rest = query.data.split(":")
    rt = runtime(context)
    async with rt.tx() as session:
        w = await who(session, rt, update)
        found = (await decisions.open_claim(session, rt, int(claim_id), w.member)
                 if w.is_reviewer else Outcome(False, "reviewers_only"))
        if isinstance(found, Outcome):
            await query.answer(refusal(w, found, rt), show_alert=True)
            return
        text, rows = await _prompt(session, rt, w, found, act, rest)
        if act in ("j", "m", "rr"):
            await begin_prompt(session, rt, w, query.message.chat_id, found.id,
                               {"j": "adjust", "m": "more", "rr": "reject"}[act],
                               reason=rest[0] if rest else None)
    await query.answer()
    rows.append([(w.t("reviews.button.cancel"), f"rv:q:{claim_id}")])
    if act == "rr":  # the reason picker turns into the note prompt
        sent = await query.edit_message_text(text, reply_markup=keyboard(rows))
    else:
        sent = await query.message.reply_text(text, reply_markup=keyboard(rows))
    if act in ("j", "m", "rr"):
        await remember_prompt(rt, w.member.id, query.message.message_id if act == "rr"
                              else sent.message_id)


async def _prompt(session, rt, w: Who, claim: Claim, act: str, rest: list[str]):
    money = lambda minor: fmt(from_minor(minor, claim.currency), claim.currency)  # noqa: E731
    if act == "j":
        cap = decisions.adjust_cap(claim, await decisions.lines_of(session, claim))
        return w.t("reviews.ask.adjust", claim=claim.id, cap=fmt(cap, claim.currency),
                   computed=money(claim.refund_minor)), []
    if act == "m":
        return w.t("reviews.ask.more", claim=claim.id), [
            [(w.t("reviews.button.no_note"), f"rv:mn:{claim.id}")]]
    if act == "c":
        return w.t("reviews.ask.coupon", claim=claim.id), [[
            (fmt(a, claim.currency), f"rv:cp:{claim.id}:{to_minor(a, claim.currency)}")
            for a in coupons.choices(rt)]]
    if act == "r":
        labels = [(w.t(f"reviews.reject_label.{c}"), f"rv:rr:{claim.id}:{c}")
                  for c in decisions.REJECT_REASONS]
        return w.t("reviews.ask.reject_reason", claim=claim.id), [
            labels[i:i + 2] for i in range(0, len(labels), 2)]
    reason = rest[0] if rest[0] in decisions.REJECT_REASONS else "no_evidence"
    return w.t("reviews.ask.reject_note", reason=w.t(f"reviews.reject_label.{reason}")), [
        [(w.t("reviews.button.no_note"), f"rv:rn:{claim.id}:{reason}")]]


async def cancel_tap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    rt = runtime(context)
    async with rt.tx() as session:
        w = await who(session, rt, update)
        draft = await drafts.current(session, w.member, KIND)
        if draft is not None:
            await drafts.finish(session, draft)
    await query.answer()
    await query.edit_message_text(w.t("reviews.cancelled"))


async def reverse_tap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    claim_id = int(query.data.rsplit(":", 1)[1])
    rt = runtime(context)
    async with rt.tx() as session:
        w = await who(session, rt, update)
        outcome = (await auto.reverse(session, rt, claim_id, w.member) if w.is_reviewer
                   else Outcome(False, "reviewers_only"))
    if not outcome.ok:
        await query.answer(refusal(w, outcome, rt), show_alert=True)
        return
    await query.answer(w.t("reviews.done.reverse", claim=claim_id))
    kick(context)


async def claim_history(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/claim N: staff (reviewers, organizers, agents) read the claim's audit trail."""
    rt = runtime(context)
    claim_id = int(context.args[0].lstrip("#"))
    async with rt.tx() as session:
        w = await who(session, rt, update)
        claim = await session.get(Claim, claim_id)
        text = (await history.render(session, rt, claim, w.locale)
                if claim is not None and claim.community_id == rt.community_id else None)
    await update.effective_message.reply_text(
        text or w.t("reviews.refuse.not_found", claim=claim_id))


async def member_claim(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/claim 12`` from someone who is not staff: in the private chat it is the member's
    own /claim (they may have typed their order number); in a group, nothing."""
    if update.effective_chat.type == "private":
        await handlers.claims.claim_command(update, context)


def register(app: Application) -> None:
    """Before handlers.claims: ``/claim 12`` with a number is the reviewers' history."""
    add_commands(VIEW_QUEUE, "queue")
    add_commands(MARK_PAID, "payouts")
    app.add_handler(CommandHandler(
        "claim", permitted(VIEW_CLAIM_HISTORY, claim_history, otherwise=member_claim),
        filters.Regex(r"^/claim(@\w+)?\s+#?\d+\s*$")))
    taps = [(DECIDE_CLAIM, decide_tap, r"^rv:(a|mn):\d+$"),
            (OFFER_COUPON, decide_tap, r"^rv:cp:\d+:\d+$"),
            (DECIDE_CLAIM, decide_tap, r"^rv:rn:\d+:\w+$"),
            (ADJUST_AMOUNT, prompt_tap, r"^rv:j:\d+$"),
            (OFFER_COUPON, prompt_tap, r"^rv:c:\d+$"),
            (DECIDE_CLAIM, prompt_tap, r"^rv:(m|r):\d+$"),
            (DECIDE_CLAIM, prompt_tap, r"^rv:rr:\d+:\w+$"),
            (USE_BOT, cancel_tap, r"^rv:q:\d+$"),  # only ends the person's own prompt
            (REVERSE_AUTO_APPROVAL, reverse_tap, r"^rv:x:\d+$")]
    for action, callback, pattern in taps:
        app.add_handler(CallbackQueryHandler(permitted(action, callback), pattern=pattern))
    handlers.reviews_queue.register(app)
    handlers.reviews_input.register(app)
    handlers.reviews_member.register(app)
