"""The member's claim, guided step by step in the private chat (the draft lives in the DB).

Built like the broadcast composer: ``TAPS`` maps each button to the steps it belongs to and
what it does, ``INPUT_STEPS`` maps a step to what typed text means there; photos take the one
photo intake path (handlers/photo_intake.py) shared with "more photos".
"""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

import handlers.drafts
from groupbot import claims, drafts, orders, policy
from groupbot.models import Draft, Order
from groupbot.money import fmt, from_minor
from groupbot.permissions import FILE_CLAIM
from groupbot.photo_check import PhotoCheck
from handlers import photo_intake
from handlers.claim_steps import refusal, render
from handlers.claim_submit import submit_tap
from handlers.common import add_commands
from handlers.permits import permitted
from handlers.unit import Unit, unit_of_work


async def show(u: Unit, draft: Draft) -> None:
    """The current step's question and buttons."""
    order = await u.session.get(Order, draft.data["order_id"])
    text, rows = await render(u.session, u.rt, u.w, draft, order)
    u.out.reply(text, rows or None)


async def resume_or_pick(u: Unit) -> None:
    """/claim: resume the draft where it was, or pick an order."""
    draft = await drafts.current(u.session, u.w.member, claims.KIND)
    if draft is not None:
        drafts.advance(u.rt, draft)
        u.out.reply(u.t("claims.resumed"))
        await show(u, draft)
        return
    found = await claims.orders_to_claim(u.session, u.rt, u.w.member)
    if not found:
        u.out.reply(u.t("claims.no_orders"))
        return
    lines, rows = [u.t("claims.pick_order")], []
    for order, decision in found:
        label = u.t("claims.order_button", order=order.id, products=orders.product_names(order))
        if decision.ok:
            rows.append([(label, f"cl:o:{order.id}")])
        else:
            lines.append(u.t("claims.order_closed", label=label, why=refusal(u.w, decision)))
    u.out.reply("\n".join(lines), rows or None)


claim_command = unit_of_work(resume_or_pick)


@unit_of_work
async def start_for_order(u: Unit) -> None:
    """The "file a claim" button under a delivery notice, or a pick from /claim."""
    order_id = int(u.data.rsplit(":", 1)[1])
    order = await orders.get_order(u.session, u.rt, order_id)
    if order is None:
        u.out.answer(u.t("orders.not_found", order=order_id), alert=True)
        return
    result = await claims.begin(u.session, u.rt, u.w.member, order)
    if isinstance(result, policy.Decision):
        u.out.reply(refusal(u.w, result))
        return
    if len(order.items) == 1:  # one product: go straight to "how many are bad?"
        drafts.advance(u.rt, result, "units", pick=order.items[0].id)
    await show(u, result)


# --- taps: cl:<action>[:<arguments>] ---------------------------------------------------------

@unit_of_work
async def step_tap(u: Unit) -> None:
    _, action, *args = u.data.split(":")
    draft = await drafts.current(u.session, u.w.member, claims.KIND)
    steps, tap = TAPS[action]
    if draft is None or (steps and draft.step not in steps):
        u.out.answer(u.t("claims.no_draft"), alert=True)
        return
    order = await u.session.get(Order, draft.data["order_id"])
    alert = await tap(u, draft, order, args)
    u.out.answer(alert, alert=bool(alert))


async def _pick_item(u: Unit, draft: Draft, order: Order, args: list[str]) -> str | None:
    drafts.advance(u.rt, draft, "units", pick=int(args[0]))
    await show(u, draft)
    return None


async def _units(u: Unit, draft: Draft, order: Order, args: list[str]) -> str | None:
    return await _choose_units(u, draft, order, int(args[0]), int(args[1]), alert=True)


async def _choose_units(u: Unit, draft: Draft, order: Order, item_id: int, units: int, *,
                        alert: bool) -> str | None:
    decision = await claims.choose_units(u.session, u.rt, draft, order, item_id, units)
    if not decision.ok:
        if alert:
            return refusal(u.w, decision)
        u.out.reply(refusal(u.w, decision))
        return None
    drafts.advance(u.rt, draft, "items" if len(order.items) > 1 else "reason")
    await show(u, draft)
    return None


async def _next(u: Unit, draft: Draft, order: Order, args: list[str]) -> str | None:
    drafts.advance(u.rt, draft, "reason")
    await show(u, draft)
    return None


async def _reason(u: Unit, draft: Draft, order: Order, args: list[str]) -> str | None:
    decision = claims.choose_reason(u.rt, draft, order, args[0])
    if not decision.ok:  # a real explanation, not a toast: it stays readable in the chat
        u.out.reply(refusal(u.w, decision))
        return None
    await show(u, draft)
    return None


async def _packaging(u: Unit, draft: Draft, order: Order, args: list[str]) -> str | None:
    if claims.set_packaging(u.rt, draft, args[0]):
        await show(u, draft)
    return None


async def _skip(u: Unit, draft: Draft, order: Order, args: list[str]) -> str | None:
    claims.set_description(u.rt, draft, None)
    await show(u, draft)
    return None


async def _undo(u: Unit, draft: Draft, order: Order, args: list[str]) -> str | None:
    claims.remove_last_photo(u.rt, draft)
    await show(u, draft)
    return None


async def _done(u: Unit, draft: Draft, order: Order, args: list[str]) -> str | None:
    decision = claims.ready(u.rt, draft)
    if not decision.ok:
        return refusal(u.w, decision)
    drafts.advance(u.rt, draft, "summary")
    await show(u, draft)
    return None


async def _cancel(u: Unit, draft: Draft, order: Order, args: list[str]) -> str | None:
    await drafts.finish(u.session, draft)
    u.out.reply(u.t("claims.cancelled"))
    return None


# action -> (the steps it belongs to, or () for any; what it does)
TAPS: dict[str, tuple[tuple[str, ...], Any]] = {
    "i": (("items",), _pick_item),
    "u": (("units", "items"), _units),
    "next": (("items",), _next),
    "r": (("reason",), _reason),
    "pk": (("packaging",), _packaging),
    "skip": (("description",), _skip),
    "undo": (("photos",), _undo),
    "done": (("photos",), _done),
    "cancel": ((), _cancel),
}


# --- typed text and photos -------------------------------------------------------------------

async def draft_input(u: Unit, draft: Draft) -> None:
    """Text the member sends while a claim draft is open (photos: see ClaimPhotos)."""
    _resume(u, draft)
    text = (u.message.text or "").strip()
    step = INPUT_STEPS.get(draft.step)
    if step is None or not text or not await step(u, draft, text):
        u.out.reply(u.t(f"claims.expecting.{draft.step}"))
        await show(u, draft)


def _resume(u: Unit, draft: Draft) -> None:
    if draft.status != drafts.ACTIVE:
        drafts.advance(u.rt, draft)
        u.out.reply(u.t("claims.resumed"))


async def _described(u: Unit, draft: Draft, text: str) -> bool:
    decision = claims.set_description(u.rt, draft, text)
    if not decision.ok:  # said, and the member's text is not cut behind their back
        u.out.reply(refusal(u.w, decision))
        return True
    await show(u, draft)
    return True


async def _units_typed(u: Unit, draft: Draft, text: str) -> bool:
    if not text.isdigit():
        return False
    order = await u.session.get(Order, draft.data["order_id"])
    await _choose_units(u, draft, order, draft.data["pick"], int(text), alert=False)
    return True


INPUT_STEPS = {"description": _described, "units": _units_typed}


class ClaimPhotos:
    """The claim draft's side of the photo intake."""

    def wants_photos(self, draft: Draft) -> bool:
        return draft.step == "photos"

    async def plan(self, u: Unit, draft: Draft,
                   media: photo_intake.Media) -> photo_intake.PhotoPlan | None:
        _resume(u, draft)
        if claims.photo_room(u.rt, draft) <= 0:
            limit = policy.rules_for(u.rt.settings).max_photos
            u.out.reply(u.t("claims.refuse.too_many_photos", max=limit, min=1, count=limit + 1))
            return None
        if (too_big := photo_intake.size_refusal(u, media)) is not None:
            u.out.reply(too_big)
            return None
        order = await u.session.get(Order, draft.data["order_id"])
        return photo_intake.PhotoPlan(orders.tracking_numbers(order))

    async def record(self, u: Unit, draft: Draft, photo: dict[str, Any],
                     check: PhotoCheck) -> None:
        decision = claims.add_photo(u.rt, draft, photo)
        if not decision.ok:
            u.out.reply(refusal(u.w, decision))
            return
        limit = policy.rules_for(u.rt.settings).max_photos
        head = u.t("claims.photo.received", count=len(draft.data["photos"]), max=limit)
        goods = policy.goods_photo_needed(draft.data.get("reason"))
        u.out.reply("\n".join([head, *photo_intake.feedback_lines(u.w, check, goods=goods)]),
                    [[(u.t("claims.photos_done_button"), "cl:done"),
                      (u.t("claims.photo_undo_button"), "cl:undo")]])


@unit_of_work
async def my_claims(u: Unit) -> None:
    found = await claims.member_claims(u.session, u.w.member)
    if not found:
        u.out.reply(u.t("claims.none_yet"))
        return
    lines = [u.t("claims.list_title")]
    lines += [u.t("claims.list_item", claim=c.id, order=c.order_id,
                  status=u.t(f"claims.status.{c.status}"),
                  amount=fmt(from_minor(c.refund_minor, c.currency), c.currency))
              for c in found]
    u.out.reply("\n".join(lines))


def register(app: Application) -> None:
    add_commands(FILE_CLAIM, "claim", "claims")
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("claim", permitted(FILE_CLAIM, claim_command), private))
    app.add_handler(CommandHandler("claims", permitted(FILE_CLAIM, my_claims), private))
    app.add_handler(CallbackQueryHandler(permitted(FILE_CLAIM, start_for_order),
                                         pattern=r"^(claim:new|cl:o):\d+$"))
    app.add_handler(CallbackQueryHandler(
        permitted(FILE_CLAIM, step_tap),
        pattern=r"^cl:(i:\d+|u:\d+:\d+|next|r:\w+|pk:\w+|skip|undo|done|cancel)$"))
    app.add_handler(CallbackQueryHandler(permitted(FILE_CLAIM, submit_tap), pattern=r"^cl:submit$"))
    handlers.drafts.route(claims.KIND, draft_input, ClaimPhotos())
