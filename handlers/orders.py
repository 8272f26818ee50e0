"""The member's side of an order (confirm, received, /myorders, the group warning's link) and
the organizer's (/ship, /delivered, /undelivered)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

import messages
from groupbot import deals, notify, order_notices, orders, shipping
from groupbot.models import Order
from groupbot.models.orders import ORDER_CANCELLED, ORDER_DELIVERED, ORDER_SHIPPED
from groupbot.people import mark_started
from groupbot.permissions import MARK_DELIVERED, MARK_SHIPPED, VIEW_OWN_ORDERS, VIEW_UNDELIVERED
from groupbot.refusal import Refused
from groupbot.resolutions import returns, watch
from handlers.common import Who, add_commands
from handlers.desk_common import service_row
from handlers.permits import permitted
from handlers.unit import Unit, unit_of_work

Buttons = list[list[tuple[str, str]]]


def order_card(u: Unit, order: Order) -> tuple[str, Buttons]:
    """One order as the member sees it, with the buttons for what they can do with it now."""
    w: Who = u.w
    text = w.t("orders.myorders_item", order=order.id,
               date=orders.local_time(u.rt, order.placed_at)[:10],
               status=w.t(f"orders.status.{order.status}"),
               lines=messages.Html(order_notices.order_lines_text(w.locale, order)))
    buttons: list[tuple[str, str]] = []
    if order.confirmation is None and order.status != ORDER_CANCELLED:
        buttons += [(w.t("orders.confirm_ok_button"), f"ord:{order.id}:ok"),
                    (w.t("orders.confirm_problem_button"), f"ord:{order.id}:bad")]
    if order.status == ORDER_SHIPPED:
        buttons.append((w.t("orders.received_button"), f"ord:{order.id}:recv"))
    if order.status in (ORDER_SHIPPED, ORDER_DELIVERED) and orders.claim_window(u.rt, order).ok:
        buttons.append((w.t("orders.claim_button"), f"claim:new:{order.id}"))
    more: list[tuple[str, str]] = []  # resolutions (issue 15): track, 7-day return
    if watch.may_track(order):
        more.append((w.t("resolutions.track.button"), f"rs:tr:{order.id}"))
    if order.status in (ORDER_SHIPPED, ORDER_DELIVERED) and returns.may_return(u.rt, order).ok:
        more.append((w.t("resolutions.return.button"), f"rs:ret:{order.id}"))
    return text, [row for row in (buttons, more) if row]


@unit_of_work
async def start_from_order_link(u: Unit) -> None:
    """``/start o12`` from the group warning: the member arrives. What we owed them goes out;
    if the confirmation was sent already, they see the order and what they can do with it."""
    mark_started(u.w.member, u.rt.clock.now())
    if await order_notices.queue_missed_confirmations(u.session, u.rt, u.w.member):
        u.out.kick()
        return
    order = await orders.get_order(u.session, u.rt, int(u.args[0][1:]))
    if order is None or order.member_id != u.w.member.id:
        u.out.reply(u.t("start.welcome", name=u.w.member.first_name))
        return
    u.out.reply(*order_card(u, order))


@unit_of_work
async def confirmation_tap(u: Unit) -> None:
    _, order_id, answer = u.data.split(":")
    order = await orders.get_order(u.session, u.rt, int(order_id))
    if order is None or order.member_id != u.w.member.id:
        u.out.answer(u.t("orders.not_yours"), alert=True)
        return
    if answer == "recv":
        await _received(u, order)
        return
    first = await orders.confirm(u.session, order, u.w.member,
                                 "ok" if answer == "ok" else "problem")
    if not first:
        u.out.answer(u.t("orders.already_answered"))
        return
    if answer == "bad":
        await order_notices.report_problem(u.session, u.rt, order, u.w.member)
    u.out.markup(None)
    u.out.reply(u.t("orders.confirmed" if answer == "ok" else "orders.problem_reported",
                    order=order.id))
    u.out.kick()


async def _received(u: Unit, order: Order) -> None:
    try:
        first = await shipping.report_received(u.session, u.rt, order)
    except Refused:
        u.out.answer(u.t("orders.cannot_receive_yet", order=order.id), alert=True)
        return
    if not first:
        u.out.answer(u.t("orders.already_delivered", order=order.id))
        return
    u.out.answer(u.t("orders.received_ack", order=order.id))
    u.out.kick()


@unit_of_work
async def myorders(u: Unit) -> None:
    recent = await orders.recent_orders(u.session, u.w.member)
    if not recent:
        u.out.reply(u.t("orders.myorders_empty"))
        return
    u.out.reply(u.t("orders.myorders_title"),
                [[service_row(u.w.locale)]] if u.rt.settings.desk_chat_ids else None)
    for order in recent:
        u.out.reply(*order_card(u, order))


async def _each_target(u: Unit, words: int, usage: str,
                       apply: Callable[[Order, list[str]], Awaitable[bool]]) -> int | None:
    """``N ...`` or ``deal N ...``: apply to the order or to every order of the deal; how many
    changed, or None after saying why nothing was done."""
    args = u.args
    by_deal = args[:1] == ["deal"]
    if by_deal:
        args = args[1:]
    if len(args) != words or not args[0].lstrip("#").isdigit():
        u.out.reply(u.t(usage))
        return None
    target = int(args[0].lstrip("#"))
    if by_deal:
        deal = await deals.get_deal(u.session, u.rt, target)
        found = None if deal is None else await orders.orders_of_deal(u.session, deal.id)
    else:
        order = await orders.get_order(u.session, u.rt, target)
        found = None if order is None else [order]
    if found is None:
        u.out.reply(u.t("orders.not_found", order=target))
        return None
    count = 0
    for order in found:
        try:
            count += await apply(order, args[1:])
        except Refused:
            continue
    u.out.kick()
    return count


@unit_of_work
async def ship(u: Unit) -> None:
    """/ship ORDER COURIER TRACKING, or /ship deal DEAL COURIER TRACKING."""
    count = await _each_target(u, 3, "orders.ship_usage", lambda order, rest: (
        shipping.mark_shipped(u.session, u.rt, order, rest[0], rest[1])))
    if count is not None:
        u.out.reply(u.t("orders.ship_done" if count else "orders.ship_nothing", count=count))


@unit_of_work
async def delivered(u: Unit) -> None:
    """/delivered ORDER, or /delivered deal DEAL."""
    count = await _each_target(u, 1, "orders.delivered_usage", lambda order, _rest: (
        shipping.mark_delivered(u.session, u.rt, order)))
    if count is not None:
        u.out.reply(u.t("orders.delivered_done", count=count))


@unit_of_work
async def undelivered(u: Unit) -> None:
    rows = await notify.undelivered(u.session, u.rt.community_id)
    if not rows:
        u.out.reply(u.t("orders.undelivered_empty"))
        return
    lines = [u.t("orders.undelivered_title", count=len(rows))]
    for message, member in rows:
        why = "orders.undelivered_blocked" if message.status == "blocked" else (
            "orders.undelivered_failed")
        kind_key = f"orders.kind.{message.kind}"
        lines.append(u.t(
            "orders.undelivered_item",
            when=orders.local_time(u.rt, message.created_at),
            who=member.full_name if member else str(message.chat_id),
            kind=u.t(kind_key) if messages.has(u.w.locale, kind_key) else message.kind,
            why=u.t(why),
        ))
    u.out.reply("\n".join(lines))


def register(app: Application) -> None:
    add_commands(VIEW_OWN_ORDERS, "myorders")
    add_commands(MARK_SHIPPED, "ship")
    add_commands(MARK_DELIVERED, "delivered")
    add_commands(VIEW_UNDELIVERED, "undelivered")
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler(
        "start", permitted(VIEW_OWN_ORDERS, start_from_order_link),
        private & filters.Regex(r"^/start o\d+$")))
    app.add_handler(CallbackQueryHandler(permitted(VIEW_OWN_ORDERS, confirmation_tap),
                                         pattern=r"^ord:\d+:(ok|bad|recv)$"))
    app.add_handler(CommandHandler("myorders", permitted(VIEW_OWN_ORDERS, myorders), private))
    app.add_handler(CommandHandler("ship", permitted(MARK_SHIPPED, ship)))
    app.add_handler(CommandHandler("delivered", permitted(MARK_DELIVERED, delivered)))
    app.add_handler(CommandHandler("undelivered", permitted(VIEW_UNDELIVERED, undelivered),
                                   private))
