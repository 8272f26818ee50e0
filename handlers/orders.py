"""The member's side of an order (confirm, received, /myorders) and the organizer's
(/ship, /delivered, /undelivered)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, filters

import messages
from groupbot import deals, notify, orders, shipping
from groupbot.models import ROLE_MEMBER, ROLE_ORGANIZER
from groupbot.models.orders import ORDER_DELIVERED, ORDER_SHIPPED
from groupbot.people import mark_started
from handlers.common import add_commands, keyboard, runtime, who
from handlers.desk_common import service_row
from handlers.ticks import kick


async def start_from_order_link(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """``/start o12`` from the group warning: the member arrives; send what we owed them."""
    rt = runtime(context)
    async with rt.tx() as session:
        w = await who(session, rt, update)
        mark_started(w.member, rt.clock.now())
        queued = await orders.queue_missed_confirmations(session, rt, w.member)
    if not queued:
        await update.effective_message.reply_text(w.t("start.welcome", name=w.member.first_name))
    kick(context)


async def confirmation_tap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    _, order_id, answer = query.data.split(":")
    rt = runtime(context)
    async with rt.tx() as session:
        w = await who(session, rt, update)
        order = await orders.get_order(session, rt, int(order_id))
        if order is None or order.member_id != w.member.id:
            await query.answer(w.t("orders.not_yours"), show_alert=True)
            return
        if answer == "recv":
            await _received(query, w, session, rt, order)
            kick(context)
            return
        first = await orders.confirm(session, order, w.member, "ok" if answer == "ok" else "problem")
        if first and answer == "bad":
            await orders.report_problem(session, rt, order, w.member)
    if not first:
        await query.answer(w.t("orders.already_answered"))
        return
    await query.answer()
    reply = "orders.confirmed" if answer == "ok" else "orders.problem_reported"
    await query.edit_message_reply_markup(None)
    await query.message.reply_text(w.t(reply, order=order.id))
    kick(context)


async def _received(query, w, session, rt, order) -> None:
    try:
        first = await shipping.report_received(session, rt, order)
    except orders.OrderError:
        await query.answer(w.t("orders.cannot_receive_yet", order=order.id), show_alert=True)
        return
    if not first:
        await query.answer(w.t("orders.already_delivered", order=order.id))
        return
    await query.answer(w.t("orders.received_ack", order=order.id))


async def myorders(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    rt = runtime(context)
    async with rt.tx() as session:
        w = await who(session, rt, update)
        recent = await orders.recent_orders(session, w.member)
        if not recent:
            await update.effective_message.reply_text(w.t("orders.myorders_empty"))
            return
        service = keyboard([[service_row(w.locale)]]) if rt.settings.desk_chat_ids else None
        await update.effective_message.reply_text(w.t("orders.myorders_title"),
                                                  reply_markup=service)
        for order in recent:
            text = w.t(
                "orders.myorders_item", order=order.id,
                date=orders.local_time(rt, order.placed_at)[:10],
                status=w.t(f"orders.status.{order.status}"),
                lines=messages.Html(orders.order_lines_text(w.locale, order)),
            )
            buttons = []
            if order.status == ORDER_SHIPPED:
                buttons.append((w.t("orders.received_button"), f"ord:{order.id}:recv"))
            if order.status in (ORDER_SHIPPED, ORDER_DELIVERED) and orders.claimable(rt, order):
                buttons.append((w.t("orders.claim_button"), f"claim:new:{order.id}"))
            markup = keyboard([buttons]) if buttons else None
            await update.effective_message.reply_text(text, reply_markup=markup)


async def _organizer(update: Update, context: ContextTypes.DEFAULT_TYPE):
    rt = runtime(context)
    async with rt.tx() as session:
        w = await who(session, rt, update)
    if not w.is_organizer:
        await update.effective_message.reply_text(w.t("orders.organizers_only"))
        return None
    return w


async def ship(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/ship ORDER COURIER TRACKING, or /ship deal DEAL COURIER TRACKING."""
    w = await _organizer(update, context)
    if w is None:
        return
    args = context.args or []
    rt = runtime(context)
    by_deal = args[:1] == ["deal"]
    if by_deal:
        args = args[1:]
    if len(args) != 3 or not args[0].lstrip("#").isdigit():
        await update.effective_message.reply_text(w.t("orders.ship_usage"))
        return
    target, courier, tracking = int(args[0].lstrip("#")), args[1], args[2]
    count = 0
    async with rt.tx() as session:
        targets = await _targets(session, rt, target, by_deal)
        if targets is None:
            await update.effective_message.reply_text(w.t("orders.not_found", order=target))
            return
        for order in targets:
            try:
                count += await shipping.mark_shipped(session, rt, order, courier, tracking)
            except orders.OrderError:
                continue
    key = "orders.ship_done" if count else "orders.ship_nothing"
    await update.effective_message.reply_text(w.t(key, count=count))
    kick(context)


async def delivered(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/delivered ORDER, or /delivered deal DEAL."""
    w = await _organizer(update, context)
    if w is None:
        return
    args = context.args or []
    rt = runtime(context)
    by_deal = args[:1] == ["deal"]
    if by_deal:
        args = args[1:]
    if len(args) != 1 or not args[0].lstrip("#").isdigit():
        await update.effective_message.reply_text(w.t("orders.delivered_usage"))
        return
    target = int(args[0].lstrip("#"))
    count = 0
    async with rt.tx() as session:
        targets = await _targets(session, rt, target, by_deal)
        if targets is None:
            await update.effective_message.reply_text(w.t("orders.not_found", order=target))
            return
        for order in targets:
            try:
                count += await shipping.mark_delivered(session, rt, order)
            except orders.OrderError:
                continue
    await update.effective_message.reply_text(
        w.t("orders.delivered_done", count=count, hours=rt.settings.claim_window_hours)
    )
    kick(context)


async def _targets(session, rt, target: int, by_deal: bool):
    if by_deal:
        deal = await deals.get_deal(session, rt, target)
        return None if deal is None else await orders.orders_of_deal(session, deal.id)
    order = await orders.get_order(session, rt, target)
    return None if order is None else [order]


async def undelivered(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    w = await _organizer(update, context)
    if w is None:
        return
    rt = runtime(context)
    async with rt.tx() as session:
        rows = await notify.undelivered(session, rt.community_id)
    if not rows:
        await update.effective_message.reply_text(w.t("orders.undelivered_empty"))
        return
    lines = [w.t("orders.undelivered_title", count=len(rows))]
    for message, member in rows:
        why = "orders.undelivered_blocked" if message.status == "blocked" else (
            "orders.undelivered_failed")
        kind_key = f"orders.kind.{message.kind}"
        lines.append(w.t(
            "orders.undelivered_item",
            when=orders.local_time(rt, message.created_at),
            who=member.full_name if member else str(message.chat_id),
            kind=w.t(kind_key) if messages.has(w.locale, kind_key) else message.kind,
            why=w.t(why),
        ))
    await update.effective_message.reply_text("\n".join(lines))


def register(app: Application) -> None:
    add_commands(ROLE_MEMBER, "myorders")
    add_commands(ROLE_ORGANIZER, "ship", "delivered", "undelivered")
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler(
        "start", start_from_order_link, private & filters.Regex(r"^/start o\d+$")))
    app.add_handler(CallbackQueryHandler(confirmation_tap, pattern=r"^ord:\d+:(ok|bad|recv)$"))
    app.add_handler(CommandHandler("myorders", myorders, private))
    app.add_handler(CommandHandler("ship", ship))
    app.add_handler(CommandHandler("delivered", delivered))
    app.add_handler(CommandHandler("undelivered", undelivered, private))
