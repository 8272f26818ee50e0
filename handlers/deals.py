"""/deal (organizers), the deal card's buttons, and the "other quantity" private prompt."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, filters

import handlers.drafts
from groupbot import deals, drafts
from groupbot.models import Draft, Group
from groupbot.orders import OrderError
from groupbot.people import active_groups, group_by_chat_id, mark_started
from groupbot.permissions import JOIN_DEAL, POST_DEAL
from handlers.common import Who, add_commands, keyboard, runtime, who
from handlers.permits import permitted
from handlers.ticks import kick


async def deal_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    rt = runtime(context)
    message = update.effective_message
    spec_text = " ".join(context.args or [])
    async with rt.tx() as session:
        w = await who(session, rt, update)
        if not w.is_organizer:
            await message.reply_text(w.t("orders.organizers_only"))
            return
        group = await group_by_chat_id(session, message.chat_id)
        if group is None:
            await message.reply_text(w.t("deals.group_unknown"))
            return
        try:
            spec = deals.parse_deal_spec(spec_text, rt.clock.now(), rt)
        except deals.DealSpecError as exc:
            await message.reply_text(
                w.t(f"deals.spec.{exc.code}", **exc.params) + "\n\n" + w.t("deals.usage")
            )
            return
        deal = await deals.create_deal(session, rt, organizer=w.member, group=group, spec=spec)
        text, buttons = await deals.card(session, rt, deal, w.locale)
        posted = await context.bot.send_message(group.chat_id, text, reply_markup=keyboard(buttons))
        deal.card_message_id = posted.message_id


async def deal_tap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    _, deal_id, action, *rest = query.data.split(":")
    quantity = int(rest[0]) if action == "j" else 0
    await _set_quantity(update, context, int(deal_id), quantity, answer=query.answer)


async def _set_quantity(update, context, deal_id: int, quantity: int, *, answer) -> None:
    rt = runtime(context)
    async with rt.tx() as session:
        w = await who(session, rt, update)
        try:
            result = await deals.join(session, rt, deal_id, w.member, quantity)
        except OrderError as exc:
            text = w.t(f"deals.refuse.{exc.code}", **exc.params)
        else:
            deal = await deals.get_deal(session, rt, deal_id)
            text = w.t(f"deals.result.{result.code}", quantity=result.quantity,
                       unit=deal.product.unit, product=deal.product.name)
    await answer(text)
    kick(context)


async def other_quantity_start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Deep link from the card (``/start d12``): ask how many, in the private chat."""
    rt = runtime(context)
    deal_id = int(context.args[0][1:])
    async with rt.tx() as session:
        w = await who(session, rt, update)
        mark_started(w.member, rt.clock.now())
        deal = await deals.get_deal(session, rt, deal_id)
        if deal is None:
            await update.effective_message.reply_text(w.t("deals.refuse.deal_not_found"))
            return
        await drafts.begin(session, rt, w.member, "deal_qty", "quantity", {"deal_id": deal_id})
        await update.effective_message.reply_text(
            w.t("deals.ask_quantity", product=deal.product.name, unit=deal.product.unit)
        )


async def quantity_typed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, session: AsyncSession, w: Who, draft: Draft
) -> None:
    text = (update.effective_message.text or "").strip()
    if not text.isdigit():
        await update.effective_message.reply_text(w.t("deals.quantity_not_a_number"))
        return
    rt = runtime(context)
    try:
        result = await deals.join(session, rt, draft.data["deal_id"], w.member, int(text))
    except OrderError as exc:
        await update.effective_message.reply_text(w.t(f"deals.refuse.{exc.code}", **exc.params))
        if exc.code in ("deal_closed", "deal_not_found"):
            await drafts.finish(session, draft)
        return
    deal = await deals.get_deal(session, rt, draft.data["deal_id"])
    await drafts.finish(session, draft)
    await update.effective_message.reply_text(
        w.t(f"deals.result.{result.code}", quantity=result.quantity, unit=deal.product.unit,
            product=deal.product.name)
    )
    kick(context)


# --- the guided /deal in the private chat (draft kind "deal", kept in the DB) ----------------

async def deal_private(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/deal in the private chat: pick the group, then name, price, closing time, extras."""
    rt = runtime(context)
    async with rt.tx() as session:
        w = await who(session, rt, update)
        if not w.is_organizer:
            await update.effective_message.reply_text(w.t("orders.organizers_only"))
            return
        groups = await active_groups(session, rt)
        if not groups:
            await update.effective_message.reply_text(w.t("deals.guide.no_groups"))
            return
        rows = [[(g.title, f"dl:g:{g.id}")] for g in groups]
        await update.effective_message.reply_text(w.t("deals.guide.pick_group"),
                                                  reply_markup=keyboard(rows))


async def guide_group_tap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    group_id = int(query.data.rsplit(":", 1)[1])
    rt = runtime(context)
    async with rt.tx() as session:
        w = await who(session, rt, update)
        group = await session.get(Group, group_id)
        if not w.is_organizer or group is None or group.community_id != rt.community_id:
            await query.answer(w.t("orders.organizers_only"), show_alert=True)
            return
        await drafts.begin(session, rt, w.member, "deal", "name", {"group_id": group_id})
    await query.answer()
    await query.message.reply_text(
        w.t("deals.guide.chosen", group=group.title) + "\n" + w.t("deals.guide.ask_name")
    )


async def guide_input(
    update: Update, context: ContextTypes.DEFAULT_TYPE, session: AsyncSession, w: Who, draft: Draft
) -> None:
    rt = runtime(context)
    text = (update.effective_message.text or "").strip()
    reply = update.effective_message.reply_text
    if not text:
        await reply(w.t(f"deals.guide.ask_{draft.step}"))
        return
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
            await _post_guided(context, session, rt, w, draft, deals.parse_extras(text))
            return
    except deals.DealSpecError as exc:
        await reply(w.t(f"deals.spec.{exc.code}", **exc.params))
        return
    await reply(w.t(f"deals.guide.ask_{draft.step}"))


async def _post_guided(context, session, rt, w: Who, draft: Draft, extras) -> None:
    limit, stock, perishable = extras
    data = draft.data
    spec = deals.DealSpec(data["name"], data["unit"], Decimal(data["price"]),
                          datetime.fromisoformat(data["closes_at"]), perishable, limit or None,
                          stock)
    group = await session.get(Group, data["group_id"])
    deal = await deals.create_deal(session, rt, organizer=w.member, group=group, spec=spec)
    locale = deals.group_locale(rt, group)
    text, buttons = await deals.card(session, rt, deal, locale)
    posted = await context.bot.send_message(group.chat_id, text, reply_markup=keyboard(buttons))
    deal.card_message_id = posted.message_id
    await drafts.finish(session, draft)
    await context.bot.send_message(w.member.telegram_id,
                                   w.t("deals.guide.posted", group=group.title, deal=deal.id))


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
