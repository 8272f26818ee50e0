"""The member's claim, guided step by step in the private chat (the draft lives in the DB)."""

from __future__ import annotations

from telegram import Message, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, filters

import handlers.drafts
from groupbot import claims, drafts, orders, policy
from groupbot.models import Draft, Order
from groupbot.models.claims import Claim
from groupbot.money import fmt, from_minor
from groupbot.permissions import FILE_CLAIM
from groupbot.photo_check import check_photo, too_large
from groupbot.runtime import Runtime
from handlers.claim_steps import refusal, render
from handlers.common import Who, add_commands, keyboard, runtime, who
from handlers.permits import permitted
from handlers.ticks import kick


async def show(message: Message, session, rt: Runtime, w: Who, draft: Draft) -> None:
    order = await session.get(Order, draft.data["order_id"])
    text, rows = await render(session, rt, w, draft, order)
    await message.reply_text(text, reply_markup=keyboard(rows) if rows else None)


async def claim_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/claim: resume the draft where it was, or pick an order."""
    rt = runtime(context)
    message = update.effective_message
    async with rt.tx() as session:
        w = await who(session, rt, update)
        draft = await drafts.current(session, w.member, claims.KIND)
        if draft is not None:
            drafts.advance(rt, draft)
            await message.reply_text(w.t("claims.resumed"))
            await show(message, session, rt, w, draft)
            return
        found = await claims.orders_to_claim(session, rt, w.member)
        if not found:
            await message.reply_text(w.t("claims.no_orders"))
            return
        lines, rows = [w.t("claims.pick_order")], []
        for order, decision in found:
            label = w.t("claims.order_button", order=order.id,
                        products=orders.product_names(order))
            if decision.ok:
                rows.append([(label, f"cl:o:{order.id}")])
            else:
                lines.append(w.t("claims.order_closed", label=label, why=refusal(w, decision)))
        await message.reply_text("\n".join(lines), reply_markup=keyboard(rows) if rows else None)


async def start_for_order(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The "file a claim" button under a delivery notice, or a pick from /claim."""
    query = update.callback_query
    order_id = int(query.data.rsplit(":", 1)[1])
    rt = runtime(context)
    async with rt.tx() as session:
        w = await who(session, rt, update)
        order = await orders.get_order(session, rt, order_id)
        if order is None:
            await query.answer(w.t("orders.not_found", order=order_id), show_alert=True)
            return
        result = await claims.begin(session, rt, w.member, order)
        await query.answer()
        if isinstance(result, policy.Decision):
            await query.message.reply_text(refusal(w, result))
            return
        if len(order.items) == 1:  # one product: go straight to "how many are bad?"
            drafts.advance(rt, result, "units", pick=order.items[0].id)
        await show(query.message, session, rt, w, result)


async def step_tap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every button inside a claim draft: cl:i / cl:u / cl:next / cl:r / cl:skip / cl:done ..."""
    query = update.callback_query
    _, action, *args = query.data.split(":")
    rt = runtime(context)
    async with rt.tx() as session:
        w = await who(session, rt, update)
        draft = await drafts.current(session, w.member, claims.KIND)
        if draft is None:
            await query.answer(w.t("claims.no_draft"), show_alert=True)
            return
        order = await session.get(Order, draft.data["order_id"])
        alert = await _apply(session, rt, w, draft, order, action, args, query)
        await query.answer(alert or None, show_alert=bool(alert))
        if action in ("submit", "cancel") or alert == "":
            return
        if not alert:
            await show(query.message, session, rt, w, draft)
    if action == "submit":
        kick(context)


async def _apply(session, rt, w: Who, draft: Draft, order: Order, action: str, args, query):
    """Apply one tap to the draft; returns a refusal to show, "" when handled elsewhere."""
    if action == "i":
        drafts.advance(rt, draft, "units", pick=int(args[0]))
    elif action == "u":
        decision = await claims.choose_units(session, rt, draft, order, int(args[0]),
                                             int(args[1]))
        if not decision.ok:
            return refusal(w, decision)
        drafts.advance(rt, draft, "items" if len(order.items) > 1 else "reason")
    elif action == "next":
        drafts.advance(rt, draft, "reason")
    elif action == "r":
        decision = claims.choose_reason(rt, draft, order, args[0])
        if not decision.ok:
            await query.message.reply_text(refusal(w, decision))
            return ""
    elif action == "skip":
        claims.set_description(rt, draft, None)
    elif action == "undo":
        claims.remove_last_photo(rt, draft)
    elif action == "done":
        decision = claims.ready(rt, draft)
        if not decision.ok:
            return refusal(w, decision)
        drafts.advance(rt, draft, "summary")
    elif action == "cancel":
        await drafts.finish(session, draft)
        await query.message.reply_text(w.t("claims.cancelled"))
    elif action == "submit":
        result = await claims.submit(session, rt, w.member, draft)
        if isinstance(result, policy.Decision):
            return refusal(w, result)
        claim, _created = result
        await query.edit_message_reply_markup(None)
        await query.message.reply_text(_submitted_text(rt, w, claim))
    return None


def _submitted_text(rt: Runtime, w: Who, claim: Claim) -> str:
    return w.t("claims.submitted", claim=claim.id,
               amount=fmt(from_minor(claim.refund_minor, claim.currency), claim.currency),
               due=orders.local_time(rt, claim.review_due_at),
               payout_days=policy.rules_for(rt.settings).payout_days)


async def draft_input(update: Update, context, session, w: Who, draft: Draft) -> None:
    """Text or photos the member sends while a claim draft is open."""
    rt = runtime(context)
    message = update.effective_message
    order = await session.get(Order, draft.data["order_id"])
    if draft.status != drafts.ACTIVE:
        drafts.advance(rt, draft)
        await message.reply_text(w.t("claims.resumed"))
    if draft.step == "photos" and (message.photo or message.document):
        await _photo(update, context, session, rt, w, draft, order)
        return
    text = (message.text or "").strip()
    if draft.step == "description" and text:
        claims.set_description(rt, draft, text)
    elif draft.step == "units" and text.isdigit():
        decision = await claims.choose_units(session, rt, draft, order, draft.data["pick"],
                                             int(text))
        if not decision.ok:
            await message.reply_text(refusal(w, decision))
            return
        drafts.advance(rt, draft, "items" if len(order.items) > 1 else "reason")
    else:
        await message.reply_text(w.t(f"claims.expecting.{draft.step}"))
    await show(message, session, rt, w, draft)


async def _photo(update, context, session, rt: Runtime, w: Who, draft: Draft, order) -> None:
    message = update.effective_message
    if message.photo:
        media, unique = message.photo[-1], message.photo[-1].file_unique_id
    else:
        media, unique = message.document, message.document.file_unique_id
    if claims.photo_room(rt, draft) <= 0:
        limit = policy.rules_for(rt.settings).max_photos
        await message.reply_text(w.t("claims.refuse.too_many_photos", max=limit, min=1,
                                     count=limit + 1))
        return
    if too_large(media.file_size, rt.settings.max_photo_bytes):  # before any download
        mb = rt.settings.max_photo_bytes // (1024 * 1024)
        await message.reply_text(w.t("claims.photo.too_large", mb=mb))
        return
    data = bytes(await (await media.get_file()).download_as_bytearray())
    expected = orders.tracking_numbers(order)
    check = await check_photo(data, expected, rt.extras.get("evidence"))
    if check.problem:
        await message.reply_text(w.t(f"claims.photo.{check.problem}"))
        return
    decision = claims.add_photo(rt, draft, {"file_id": media.file_id, "file_unique_id": unique,
                                            "phash": check.phash, "findings": check.findings})
    if not decision.ok:
        await message.reply_text(refusal(w, decision))
        return
    await message.reply_text(_feedback(w, check, len(draft.data["photos"]),
                                       policy.rules_for(rt.settings).max_photos),
                             reply_markup=keyboard([[(w.t("claims.photos_done_button"), "cl:done"),
                                                     (w.t("claims.photo_undo_button"),
                                                      "cl:undo")]]))


def _feedback(w: Who, check, count: int, limit: int) -> str:
    head = w.t("claims.photo.received", count=count, max=limit)
    if not check.checked:
        return head
    if check.tracking_match is False:
        return head + "\n" + w.t("claims.photo.number_mismatch")
    if check.tracking_match is None and check.waybill_found and check.goods_found:
        return head + "\n" + w.t("claims.photo.number_unreadable")
    if not check.waybill_found and check.goods_found:
        return head + "\n" + w.t("claims.photo.no_waybill")
    if check.waybill_found and not check.goods_found:
        return head + "\n" + w.t("claims.photo.no_goods")
    if not check.waybill_found:
        return head + "\n" + w.t("claims.photo.nothing_seen")
    return head + "\n" + w.t("claims.photo.all_good")


async def my_claims(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    rt = runtime(context)
    async with rt.tx() as session:
        w = await who(session, rt, update)
        found = await claims.member_claims(session, w.member)
    if not found:
        await update.effective_message.reply_text(w.t("claims.none_yet"))
        return
    lines = [w.t("claims.list_title")]
    lines += [w.t("claims.list_item", claim=c.id, order=c.order_id,
                  status=w.t(f"claims.status.{c.status}"),
                  amount=fmt(from_minor(c.refund_minor, c.currency), c.currency))
              for c in found]
    await update.effective_message.reply_text("\n".join(lines))


def register(app: Application) -> None:
    add_commands(FILE_CLAIM, "claim", "claims")
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("claim", permitted(FILE_CLAIM, claim_command), private))
    app.add_handler(CommandHandler("claims", permitted(FILE_CLAIM, my_claims), private))
    app.add_handler(CallbackQueryHandler(permitted(FILE_CLAIM, start_for_order),
                                         pattern=r"^(claim:new|cl:o):\d+$"))
    app.add_handler(CallbackQueryHandler(
        permitted(FILE_CLAIM, step_tap),
        pattern=r"^cl:(i:\d+|u:\d+:\d+|next|r:\w+|skip|undo|done|submit|cancel)$"))
    handlers.drafts.route(claims.KIND, draft_input)
