"""/deal (organizers), the deal card's buttons, and the "other quantity" private prompt.

The card is a post that must exist once (groupbot.posts): its intent is committed with the
deal, and it is posted after that commit, so no card ever points at a deal that was not saved.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

import handlers.drafts
from groupbot import deal_card, deals, drafts, posts
from groupbot.models import Deal, Draft, Group
from groupbot.people import active_groups, group_by_chat_id, mark_started
from groupbot.permissions import JOIN_DEAL, POST_DEAL
from groupbot.refusal import Refused
from handlers.common import add_commands
from handlers.permits import permitted
from handlers.sender import TelegramSender
from handlers.unit import Unit, unit_of_work


async def _post_deal(u: Unit, group: Group, spec: deals.DealSpec) -> Deal:
    """Save the deal with the intent of its card; the card goes out after the commit."""
    deal = await deals.create_deal(u.session, u.rt, organizer=u.w.member, group=group, spec=spec)
    post = await deal_card.intend_card(u.session, u.rt, deal)
    rt, bot = u.rt, u.context.bot
    u.out.after(lambda: posts.deliver(rt, TelegramSender(bot), post.id))
    return deal


@unit_of_work
async def deal_command(u: Unit) -> None:
    group = await group_by_chat_id(u.session, u.chat_id)
    if group is None:
        u.out.reply(u.t("deals.group_unknown"))
        return
    try:
        spec = deals.parse_deal_spec(" ".join(u.args), u.rt.clock.now(), u.rt)
        await _post_deal(u, group, spec)  # refused while the product is paused (batch alert)
    except Refused as exc:
        answer = u.t(f"deals.spec.{exc.code}", **exc.params)
        if exc.code != "already_posted":  # the command itself needs correcting
            answer += "\n\n" + u.t("deals.usage")
        u.out.reply(answer)


async def _join(u: Unit, deal_id: int, quantity: int) -> str | None:
    """Set the member's quantity; the answer to show, or None when refused for good."""
    try:
        result = await deals.join(u.session, u.rt, deal_id, u.w.member, quantity)
    except Refused as exc:
        raise _Refused(u.t(f"deals.refuse.{exc.code}", **exc.params), exc.code) from exc
    deal = await deals.get_deal(u.session, u.rt, deal_id)
    u.out.kick()  # the order's confirmation and warning are in the outbox
    return u.t(f"deals.result.{result.code}", quantity=result.quantity, unit=deal.product.unit,
               product=deal.product.name)


class _Refused(Exception):
    def __init__(self, text: str, code: str) -> None:
        super().__init__(code)
        self.text, self.code = text, code


@unit_of_work
async def deal_tap(u: Unit) -> None:
    _, deal_id, action, *rest = u.data.split(":")
    card = u.update.callback_query.message if u.update.callback_query else None
    if card is not None and await deal_card.adopt_card(u.session, u.rt, int(deal_id),
                                                       card.chat.id, card.message_id):
        u.out.kick()  # the card's refresh redraws it
    try:
        u.out.answer(await _join(u, int(deal_id), int(rest[0]) if action == "j" else 0))
    except _Refused as refused:
        u.out.answer(refused.text)


@unit_of_work
async def other_quantity_start(u: Unit) -> None:
    """Deep link from the card (``/start d12``): ask how many, in the private chat."""
    deal_id = int(u.args[0][1:])
    mark_started(u.w.member, u.rt.clock.now())
    deal = await deals.get_deal(u.session, u.rt, deal_id)
    if deal is None:
        u.out.reply(u.t("deals.refuse.deal_not_found"))
        return
    await drafts.begin(u.session, u.rt, u.w.member, "deal_qty", "quantity", {"deal_id": deal_id})
    u.out.reply(u.t("deals.ask_quantity", product=deal.product.name, unit=deal.product.unit))


async def quantity_typed(u: Unit, draft: Draft) -> None:
    text = (u.message.text or "").strip()
    if not text.isdigit():
        u.out.reply(u.t("deals.quantity_not_a_number"))
        return
    try:
        answer = await _join(u, draft.data["deal_id"], int(text))
    except _Refused as refused:
        u.out.reply(refused.text)
        if refused.code in ("deal_closed", "deal_not_found"):
            await drafts.finish(u.session, draft)
        return
    await drafts.finish(u.session, draft)
    u.out.reply(answer)


# --- the guided /deal in the private chat (draft kind "deal", kept in the DB) ----------------

@unit_of_work
async def deal_private(u: Unit) -> None:
    """/deal in the private chat: pick the group, then name, price, closing time, extras."""
    groups = await active_groups(u.session, u.rt)
    if not groups:
        u.out.reply(u.t("deals.guide.no_groups"))
        return
    u.out.reply(u.t("deals.guide.pick_group"), [[(g.title, f"dl:g:{g.id}")] for g in groups])


@unit_of_work
async def guide_group_tap(u: Unit) -> None:
    group_id = int(u.data.rsplit(":", 1)[1])
    group = await u.session.get(Group, group_id)
    if group is None or group.community_id != u.rt.community_id:
        u.out.answer(u.t("orders.organizers_only"), alert=True)
        return
    await drafts.begin(u.session, u.rt, u.w.member, "deal", "name", {"group_id": group_id})
    u.out.reply(u.t("deals.guide.chosen", group=group.title) + "\n" + u.t("deals.guide.ask_name"))


async def guide_input(u: Unit, draft: Draft) -> None:
    text = (u.message.text or "").strip()
    if not text:
        u.out.reply(u.t(f"deals.guide.ask_{draft.step}"))
        return
    rt = u.rt
    try:
        if draft.step == "name":
            drafts.advance(rt, draft, "price", name=text[:200])
        elif draft.step == "price":
            price, unit = deals.parse_price(text, rt)
            drafts.advance(rt, draft, "time", price=str(price), unit=unit)
        elif draft.step == "time":
            closes = deals.parse_closing(text, rt.clock.now(), rt)
            drafts.advance(rt, draft, "extras", closes_at=closes.isoformat())
        else:
            await _post_guided(u, draft, deals.parse_extras(text))
            return
    except Refused as exc:
        u.out.reply(u.t(f"deals.spec.{exc.code}", **exc.params))
        return
    u.out.reply(u.t(f"deals.guide.ask_{draft.step}"))


async def _post_guided(u: Unit, draft: Draft, extras: tuple) -> None:
    limit, stock, perishable = extras
    data = draft.data
    spec = deals.DealSpec(data["name"], data["unit"], Decimal(data["price"]),
                          datetime.fromisoformat(data["closes_at"]), perishable, limit or None,
                          stock)
    group = await u.session.get(Group, data["group_id"])
    deal = await _post_deal(u, group, spec)
    await drafts.finish(u.session, draft)
    u.out.reply(u.t("deals.guide.posted", group=group.title, deal=deal.id))


def register(app: Application) -> None:
    add_commands(POST_DEAL, "deal")
    app.add_handler(CommandHandler("deal", permitted(POST_DEAL, deal_command),
                                   filters.ChatType.GROUPS))
    app.add_handler(CommandHandler("deal", permitted(POST_DEAL, deal_private),
                                   filters.ChatType.PRIVATE))
    app.add_handler(CallbackQueryHandler(permitted(POST_DEAL, guide_group_tap),
                                         pattern=r"^dl:g:\d+$"))
    app.add_handler(CommandHandler("start", permitted(JOIN_DEAL, other_quantity_start),
                                   filters.ChatType.PRIVATE & filters.Regex(r"^/start d\d+$")))
    app.add_handler(CallbackQueryHandler(permitted(JOIN_DEAL, deal_tap),
                                         pattern=r"^deal:\d+:(j:\d+|x)$"))
    handlers.drafts.route("deal_qty", quantity_typed)
    handlers.drafts.route("deal", guide_input)
