"""The member's side of resolutions: 退货退款 (/return N and its buttons), the return's
courier and number, 还没收到 (a missing-parcel claim) and /track N.

Callback data: ``rs:ret:<order>`` return from /myorders · ``rs:rti:<order>:<item>`` the item
to return · ``rs:rtt:<claim>`` type the return number again · ``rs:nr:<order>`` 还没收到 ·
``rs:tr:<order>`` track.
"""

from __future__ import annotations

from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

import handlers.drafts
from groupbot import orders
from groupbot.models import Draft, Order
from groupbot.permissions import FILE_CLAIM, VIEW_LOGISTICS, VIEW_OWN_ORDERS
from groupbot.refusal import Refusal
from groupbot.resolutions import returns, watch
from handlers.claim_submit import submitted_message
from handlers.common import add_commands
from handlers.permits import permitted
from handlers.resolutions_text import refused, track_text
from handlers.unit import Unit, unit_of_work


def _order_arg(u: Unit) -> int | None:
    args = u.args
    return int(args[0].lstrip("#")) if len(args) == 1 and args[0].lstrip("#").isdigit() else None


async def _own_order(u: Unit, order_id: int) -> Order | None:
    order = await orders.get_order(u.session, u.rt, order_id)
    if order is None or order.member_id != u.w.member.id:
        u.out.reply(u.t("orders.not_found", order=order_id))
        return None
    return order


async def _offer_return(u: Unit, order: Order) -> None:
    """Return the only item at once, or ask which item goes back."""
    decision = returns.may_return(u.rt, order)
    if not decision.ok:
        u.out.reply(refused(u.w, Refusal.of(decision.code, **dict(decision.params))))
        return
    rooms = await returns.returnable(u.session, order)
    if len(rooms) == 1:
        await _start(u, order, rooms[0].item.id)
        return
    if not rooms:
        u.out.reply(refused(u.w, Refusal.of("nothing_left")))
        return
    rows = [[(u.t("resolutions.return.item_button", product=r.item.product.name,
                  units=r.available, unit=r.item.product.unit),
              f"rs:rti:{order.id}:{r.item.id}")] for r in rooms]
    u.out.reply(u.t("resolutions.return.pick_item", order=order.id), rows)


async def _start(u: Unit, order: Order, item_id: int) -> None:
    result = await returns.start(u.session, u.rt, u.w.member, order, item_id)
    if isinstance(result, Refusal):
        u.out.reply(refused(u.w, result))
        return
    claim, back = result
    await u.tell(f"return:{back.id}:opened", "return_opened",
                 returns.opened_message(u.rt, claim, back, order))


@unit_of_work
async def return_command(u: Unit) -> None:
    """/return N: a 7-day no-reason return of order N."""
    if (order_id := _order_arg(u)) is None:
        u.out.reply(u.t("resolutions.return.usage"))
        return
    if (order := await _own_order(u, order_id)) is not None:
        await _offer_return(u, order)


@unit_of_work
async def return_tap(u: Unit) -> None:
    _, act, order_id, *rest = u.data.split(":")
    if (order := await _own_order(u, int(order_id))) is None:
        return
    if act == "ret":
        await _offer_return(u, order)
    else:
        u.out.markup(None)
        await _start(u, order, int(rest[0]))


async def tracking_input(u: Unit, draft: Draft) -> None:
    """Typed while a return waits for its number: ``顺丰 SF1234567890123``."""
    claim_id = draft.data["claim_id"]
    result = await returns.record_tracking(u.session, u.rt, u.w.member, claim_id,
                                           u.message.text or "")
    if isinstance(result, Refusal):
        u.out.reply(refused(u.w, result))
        return
    u.out.reply(u.t("resolutions.return.shipped", claim=claim_id, courier=result.courier,
                    tracking=result.tracking_number))


@unit_of_work
async def tracking_again_tap(u: Unit) -> None:
    claim_id = int(u.data.rsplit(":", 1)[1])
    result = await returns.ask_tracking_again(u.session, u.rt, u.w.member, claim_id)
    if isinstance(result, Refusal):
        u.out.answer(refused(u.w, result), alert=True)
        return
    u.out.reply(u.t("resolutions.return.ask_tracking", claim=claim_id))


@unit_of_work
async def not_arrived_tap(u: Unit) -> None:
    """还没收到: the whole parcel is claimed and goes to the reviewers."""
    order = await orders.get_order(u.session, u.rt, int(u.data.rsplit(":", 1)[1]))
    if order is None:
        u.out.answer(u.t("orders.not_yours"), alert=True)
        return
    result = await watch.open_parcel_claim(u.session, u.rt, u.w.member, order)
    if isinstance(result, Refusal):
        u.out.answer(refused(u.w, result), alert=True)
        return
    claim, created = result
    if not created:
        u.out.answer(u.t("resolutions.watch.already_claimed", claim=claim.id), alert=True)
        return
    u.out.markup(None)
    await u.tell(f"claim:{claim.id}:submitted", "claim_submitted",
                 submitted_message(u.rt, claim))


async def _track(u: Unit, order_id: int) -> None:
    order = await orders.get_order(u.session, u.rt, order_id)
    if order is None or (order.member_id != u.w.member.id and not u.w.may(VIEW_LOGISTICS)):
        u.out.reply(u.t("orders.not_found", order=order_id))
        return
    u.out.reply(track_text(u.w, await watch.track(u.session, u.rt, order)))


@unit_of_work
async def track_command(u: Unit) -> None:
    """/track N: courier, number, time since shipping and where it stands."""
    if (order_id := _order_arg(u)) is None:
        u.out.reply(u.t("resolutions.track.usage"))
        return
    await _track(u, order_id)


@unit_of_work
async def track_tap(u: Unit) -> None:
    await _track(u, int(u.data.rsplit(":", 1)[1]))


def register(app: Application) -> None:
    add_commands(VIEW_OWN_ORDERS, "track")
    add_commands(FILE_CLAIM, "return")
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("return", permitted(FILE_CLAIM, return_command), private))
    app.add_handler(CommandHandler("track", permitted(VIEW_OWN_ORDERS, track_command), private))
    app.add_handler(CallbackQueryHandler(permitted(FILE_CLAIM, return_tap),
                                         pattern=r"^rs:(ret:\d+|rti:\d+:\d+)$"))
    app.add_handler(CallbackQueryHandler(permitted(FILE_CLAIM, tracking_again_tap),
                                         pattern=r"^rs:rtt:\d+$"))
    app.add_handler(CallbackQueryHandler(permitted(FILE_CLAIM, not_arrived_tap),
                                         pattern=r"^rs:nr:\d+$"))
    app.add_handler(CallbackQueryHandler(permitted(VIEW_OWN_ORDERS, track_tap),
                                         pattern=r"^rs:tr:\d+$"))
    handlers.drafts.route(returns.KIND, tracking_input)
