"""The organizers' side of resolutions: /returned N (the return arrived), /stalled (parcels
we are checking with the courier), /reships (reships and replacements still to ship)."""

from __future__ import annotations

from telegram.ext import Application, CommandHandler, filters

from groupbot import orders
from groupbot.permissions import CONFIRM_RETURN, VIEW_LOGISTICS
from groupbot.refusal import Refusal
from groupbot.resolutions import reship, returns, watch
from handlers.common import add_commands
from handlers.permits import permitted, refusal_text
from handlers.resolutions_text import refused, since_text
from handlers.unit import Unit, unit_of_work


@unit_of_work
async def returned(u: Unit) -> None:
    """/returned N: the return of claim N is back; its refund goes to the reviewers."""
    args = u.args
    if len(args) != 1 or not args[0].lstrip("#").isdigit():
        u.out.reply(u.t("resolutions.returned.usage"))
        return
    claim_id = int(args[0].lstrip("#"))
    result = await returns.confirm_received(u.session, u.rt, u.w.member, claim_id)
    if isinstance(result, Refusal):
        u.out.reply(refusal_text(u.w.locale, result) if result.code == "not_permitted"
                    else refused(u.w, result))
        return
    _back, claim = result
    u.out.reply(u.t("resolutions.returned.done", claim=claim.id))
    u.out.kick()  # the member's notice and the reviewers' card


@unit_of_work
async def stalled(u: Unit) -> None:
    found = await watch.stalled(u.session, u.rt)
    if not found:
        u.out.reply(u.t("resolutions.stalled.empty"))
        return
    lines = [u.t("resolutions.stalled.title", count=len(found))]
    lines += [u.t("resolutions.stalled.item", order=t.order.id, courier=t.courier or "–",
                  tracking=t.tracking_number or "–", since=since_text(u.w, t),
                  status=u.t(f"resolutions.track.state.{t.state}")) for t in found]
    u.out.reply("\n".join(lines))


@unit_of_work
async def reships(u: Unit) -> None:
    found = await reship.pending(u.session, u.rt)
    if not found:
        u.out.reply(u.t("resolutions.reships.empty"))
        return
    lines = [u.t("resolutions.reships.title", count=len(found))]
    for row, order in found:
        lines.append(u.t(f"resolutions.reships.item_{row.kind}", order=order.id,
                         original=row.original_order_id, claim=row.claim_id,
                         products=orders.product_names(order)))
    lines.append(u.t("resolutions.reships.how"))
    u.out.reply("\n".join(lines))


def register(app: Application) -> None:
    add_commands(CONFIRM_RETURN, "returned")
    add_commands(VIEW_LOGISTICS, "stalled", "reships")
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("returned", permitted(CONFIRM_RETURN, returned)))
    app.add_handler(CommandHandler("stalled", permitted(VIEW_LOGISTICS, stalled), private))
    app.add_handler(CommandHandler("reships", permitted(VIEW_LOGISTICS, reships), private))
