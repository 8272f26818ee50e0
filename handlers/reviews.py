"""Reviewers deciding claims from the card's buttons, and /claim N (a claim's history).

Card buttons (callback data, all well under 64 bytes):
``rv:a:N`` approve · ``rv:rs:N`` reship · ``rv:rp:N`` replace · ``rv:j:N`` adjust (asks for an amount) · ``rv:m:N`` more photos (asks for
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
    RESHIP_GOODS,
    REVERSE_AUTO_APPROVAL,
    USE_BOT,
    VIEW_CLAIM_HISTORY,
    VIEW_QUEUE,
)
from groupbot.refusal import Refusal
from groupbot.resolutions.reship import OutOfStock
from groupbot.reviews import auto, cards, coupons, decisions, history
from handlers.common import Who, add_commands
from handlers.permits import permitted
from handlers.reviews_input import KIND, OVER_PAID, begin_prompt, remember_prompt
from handlers.reviews_text import refusal
from handlers.unit import Unit, unit_of_work

DONE = {"a": decisions.APPROVE, "cp": decisions.COUPON, "mn": decisions.MORE,
        "rn": decisions.REJECT, "rs": decisions.RESHIP, "rp": decisions.REPLACE}
# Taps that decide straight from the card (the others come from a prompt it turns into).
ON_CARD = ("a", "rs", "rp")


@unit_of_work(rolled_back={**OVER_PAID, OutOfStock: "reviews.refuse.out_of_stock_now"})
async def decide_tap(u: Unit) -> None:
    """A button that decides: approve on the card; coupon, reject or more photos on a prompt."""
    _, act, claim_id, *rest = u.data.split(":")
    extra: dict = {}
    if act == "cp":
        extra["amount"] = from_minor(int(rest[0]), u.rt.settings.currency)
    elif act == "rn":
        extra["reason"] = rest[0]
    outcome = await decisions.decide(u.session, u.rt, int(claim_id), u.w.member, DONE[act],
                                     **extra)
    draft = await drafts.current(u.session, u.w.member, KIND)
    if draft is not None and draft.data.get("claim_id") == int(claim_id):
        await drafts.finish(u.session, draft)
    if act in ON_CARD:
        await _adopt_card(u, int(claim_id))
    if not outcome.ok:
        u.out.answer(refusal(u.w, outcome, u.rt), alert=True)
        return
    done = u.t(f"reviews.done.{DONE[act]}", claim=claim_id)
    u.out.answer(done)
    if act not in ON_CARD:  # the tap was on a prompt: it becomes the confirmation
        u.out.edit(done)
    u.out.kick()


async def _adopt_card(u: Unit, claim_id: int) -> None:
    """The tapped card, if no record of it exists (a second copy a crash left), is refreshed
    with the others from now on."""
    message = u.update.callback_query.message if u.update.callback_query else None
    if message is not None and await cards.adopt_copy(
            u.session, claim_id, message.chat.id, message.message_id, u.w.locale):
        u.out.kick()


@unit_of_work
async def prompt_tap(u: Unit) -> None:
    """Adjust, more photos, coupon, reject: ask for what the decision needs, in this chat."""
    _, act, claim_id, *rest = u.data.split(":")
    found = await decisions.open_claim(u.session, u.rt, int(claim_id), u.w.member)
    if isinstance(found, Refusal):
        u.out.answer(refusal(u.w, found, u.rt), alert=True)
        return
    text, rows = await _prompt(u.session, u.rt, u.w, found, act, rest)
    rows.append([(u.t("reviews.button.cancel"), f"rv:q:{claim_id}")])
    if act not in ("j", "m", "rr"):
        u.out.reply(text, rows)
        return
    tapped = u.update.callback_query.message
    draft = await begin_prompt(u.session, u.rt, u.w, u.chat_id, found.id,
                               {"j": "adjust", "m": "more", "rr": "reject"}[act],
                               reason=rest[0] if rest else None)
    if act == "rr":  # the reason picker turns into the note prompt
        draft.data = {**draft.data, "prompt_id": tapped.message_id}
        u.out.edit(text, rows)
        return
    rt, member_id = u.rt, u.w.member.id
    u.out.reply(text, rows, on_sent=lambda sent: remember_prompt(rt, member_id, sent))


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


@unit_of_work
async def cancel_tap(u: Unit) -> None:
    draft = await drafts.current(u.session, u.w.member, KIND)
    if draft is not None:
        await drafts.finish(u.session, draft)
    u.out.edit(u.t("reviews.cancelled"))


@unit_of_work
async def reverse_tap(u: Unit) -> None:
    claim_id = int(u.data.rsplit(":", 1)[1])
    outcome = await auto.reverse(u.session, u.rt, claim_id, u.w.member)
    if not outcome.ok:
        u.out.answer(refusal(u.w, outcome, u.rt), alert=True)
        return
    u.out.answer(u.t("reviews.done.reverse", claim=claim_id))
    u.out.kick()


@unit_of_work
async def claim_history(u: Unit) -> None:
    """/claim N: staff (reviewers, organizers, agents: the permission table) read the claim's
    audit trail; anyone else gets their own /claim (member_claim)."""
    claim_id = int(u.args[0].lstrip("#"))
    claim = await u.session.get(Claim, claim_id)
    text = (await history.render(u.session, u.rt, claim, u.w.locale)
            if claim is not None and claim.community_id == u.rt.community_id else None)
    u.out.reply(text or u.t("reviews.refuse.not_found", claim=claim_id))


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
            (RESHIP_GOODS, decide_tap, r"^rv:(rs|rp):\d+$"),
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
