"""Deals (接龙): post a card in a group, join by tapping, close at the closing time.

Each tap is an order (or changes the member's order for that deal). Stock and per-member limits
are checked under a row lock on the deal (and a CHECK constraint backs the stock up), so two
taps at once can never oversell. Taps only mark the card dirty; groupbot.deal_card draws,
posts and edits it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from groupbot import deal_card, notify, texts
from groupbot.analytics.actions import active_pause, usual_supplier
from groupbot.claiming import claimable
from groupbot.db import is_postgres
from groupbot.models import DEAL_CLOSED, DEAL_OPEN, Deal, Group, Member, Order, Product
from groupbot.models.orders import ORDER_CANCELLED, ORDER_PLACED
from groupbot.money import MoneyError, from_minor, parse_amount, to_minor
from groupbot.orders import NewItem, change_quantity, create_order
from groupbot.refusal import Refused
from groupbot.runtime import Runtime
from groupbot.when import LOCAL_TIME, parse_local_time

# --- reading what an organizer typed ---------------------------------------------------------

_PRICE = re.compile(r"^[¥￥]?(\d+(?:[.,]\d{1,2})?)(?:元)?/(\S{1,8})$")
_LIMIT = re.compile(r"^(?:限购|limit=?)(\d+)$", re.IGNORECASE)
_STOCK = re.compile(r"^(?:库存|stock=?)(\d+)$", re.IGNORECASE)
_NONPERISHABLE = {"非生鲜", "nonperishable", "non-perishable"}
_NO_EXTRAS = {"-", "无", "none", "no"}


@dataclass(frozen=True)
class DealSpec:
    name: str
    unit: str
    unit_price: Decimal
    closes_at: datetime
    perishable: bool = True
    per_member_limit: int | None = None
    stock: int | None = None


def parse_deal_spec(text: str, now: datetime, rt: Runtime) -> DealSpec:
    """``阳山水蜜桃 25.8/斤 20:00 限购5 库存100 [非生鲜]`` → DealSpec (closing time local)."""
    # "tomorrow 20:00" and "11-25 20:00" are one closing time written as two words.
    text = re.sub(r"(今天|明天|后天|today|tomorrow|\d{1,2}[-/.]\d{1,2})\s+(\d{1,2}[:：]\d{2})",
                  r"\1\2", text, flags=re.IGNORECASE)
    name_parts: list[str] = []
    extras: list[str] = []
    price = unit = closes = None
    # Each word is read by the same parsers as the guided /deal; what none claims is the name.
    for token in text.split():
        if _PRICE.match(token):
            price, unit = parse_price(token, rt)
        elif LOCAL_TIME.match(token):
            closes = parse_closing(token, now, rt)
        elif _extra(token) is not None:
            extras.append(token)
        else:
            name_parts.append(token)
    limit, stock, perishable = parse_extras(" ".join(extras))
    if not name_parts:
        raise Refused("missing_name")
    if price is None or unit is None:
        raise Refused("missing_price")
    if closes is None:
        raise Refused("missing_time")
    return DealSpec(" ".join(name_parts)[:200], unit, price, closes, perishable, limit, stock)


def parse_price(text: str, rt: Runtime) -> tuple[Decimal, str]:
    """``25.8/斤`` → (25.80, "斤"), for the guided /deal."""
    m = _PRICE.match(text.strip().replace(" ", ""))
    if not m:
        raise Refused("bad_price", value=text.strip())
    try:
        return parse_amount(m.group(1), rt.settings.currency), m.group(2)
    except MoneyError as exc:
        raise Refused("bad_price", value=text.strip()) from exc


def parse_closing(text: str, now: datetime, rt: Runtime) -> datetime:
    """``20:00`` / ``明天20:00`` / ``11-25 20:00`` → an aware datetime in the future."""
    joined = re.sub(r"\s+", "", text.strip())
    try:
        closes = parse_local_time(joined, now, rt.settings.tz, bare_time_is_next=True)
    except ValueError as exc:
        raise Refused("bad_time", value=text.strip()) from exc
    if closes <= now:
        raise Refused("time_passed", when=closes.astimezone(rt.settings.tz).strftime(
            "%m-%d %H:%M"))
    return closes


def _extra(token: str) -> tuple[str, int | None] | None:
    """One optional word: ("limit", N), ("stock", N), ("nonperishable", None), or None."""
    if m := _LIMIT.match(token):
        return "limit", int(m.group(1)) or None
    if m := _STOCK.match(token):
        return "stock", int(m.group(1))
    if token.lower() in _NONPERISHABLE:
        return "nonperishable", None
    return None


def parse_extras(text: str) -> tuple[int | None, int | None, bool]:
    """``限购5 库存100 非生鲜`` → (limit, stock, perishable); an unknown word is an error.
    ``-`` / ``无`` / ``none`` (the guided /deal's "nothing extra") is no extras."""
    limit = stock = None
    perishable = True
    if text.strip().lower() in _NO_EXTRAS:
        return limit, stock, perishable
    for token in text.split():
        extra = _extra(token)
        if extra is None:
            raise Refused("bad_extra", value=token)
        key, value = extra
        if key == "limit":
            limit = value
        elif key == "stock":
            stock = value
        else:
            perishable = False
    return limit, stock, perishable


# --- the deal and its card --------------------------------------------------------------------


async def create_deal(
    session: AsyncSession, rt: Runtime, *, organizer: Member, group: Group, spec: DealSpec
) -> Deal:
    # A batch alert may have paused this product's next deals (groupbot.analytics.actions).
    if await active_pause(session, rt.community_id, spec.name) is not None:
        raise Refused("product_paused", product=spec.name)
    if (earlier := await _repeated(session, rt, organizer, group, spec)) is not None:
        raise Refused("already_posted", deal=earlier.id, product=spec.name)
    product = Product(
        community_id=rt.community_id, name=spec.name, unit=spec.unit, perishable=spec.perishable,
        supplier=await usual_supplier(session, rt.community_id, spec.name),
    )
    session.add(product)
    await session.flush()
    deal = Deal(
        community_id=rt.community_id,
        group_id=group.id,
        product_id=product.id,
        organizer_id=organizer.id,
        currency=rt.settings.currency,
        unit_price_minor=to_minor(spec.unit_price, rt.settings.currency),
        per_member_limit=spec.per_member_limit,
        stock=spec.stock,
        reserved=0,
        closes_at=spec.closes_at,
        status=DEAL_OPEN,
        card_chat_id=group.chat_id,
        created_at=rt.clock.now(),
    )
    session.add(deal)
    await session.flush()
    await session.refresh(deal, ["product"])
    return deal


# An organizer who got no answer (the bot was down or slow) sends the same /deal again, and
# Telegram delivers both: the same deal, still open, from them in that group this recently is
# that repeat, not a second deal the members would see twice.
REPEAT_WINDOW = timedelta(minutes=10)


async def _repeated(session: AsyncSession, rt: Runtime, organizer: Member, group: Group,
                    spec: DealSpec) -> Deal | None:
    recent = await session.scalars(select(Deal).join(Deal.product).where(
        Deal.community_id == rt.community_id, Deal.group_id == group.id,
        Deal.organizer_id == organizer.id, Deal.status == DEAL_OPEN,
        Deal.created_at >= rt.clock.now() - REPEAT_WINDOW, Product.name == spec.name))
    price = to_minor(spec.unit_price, rt.settings.currency)
    for deal in recent:
        if (deal.product.unit, deal.unit_price_minor, deal.closes_at, deal.product.perishable,
                deal.per_member_limit, deal.stock) == (
                spec.unit, price, spec.closes_at, spec.perishable, spec.per_member_limit,
                spec.stock):
            return deal
    return None


# --- joining ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class JoinResult:
    code: str  # joined | changed | unchanged | cancelled | not_joined
    quantity: int
    order_id: int | None = None


async def _locked_deal(session: AsyncSession, deal_id: int) -> Deal | None:
    stmt = select(Deal).where(Deal.id == deal_id)
    if is_postgres(session.bind):  # type: ignore[arg-type]
        stmt = stmt.with_for_update(of=Deal)
    return await session.scalar(stmt)


async def join(
    session: AsyncSession, rt: Runtime, deal_id: int, member: Member, quantity: int
) -> JoinResult:
    """Set the member's quantity for the deal (0 cancels). Raises Refused with a code."""
    deal = await _locked_deal(session, deal_id)
    if deal is None or deal.community_id != rt.community_id:
        raise Refused("deal_not_found")
    now = rt.clock.now()
    if deal.status != DEAL_OPEN or now >= deal.closes_at:
        raise Refused("deal_closed", product=deal.product.name)
    order = await session.scalar(
        select(Order).where(Order.deal_id == deal.id, Order.member_id == member.id)
    )
    current = 0
    if order is not None and order.status != ORDER_CANCELLED:
        current = sum(i.quantity for i in order.items)
    if quantity < 0 or quantity > 9999:
        raise Refused("bad_quantity")
    if quantity == 0:
        if current == 0:
            return JoinResult("not_joined", 0)
        assert order is not None
        await change_quantity(session, rt, order, member, 0)
        deal.reserved -= current
        deal.card_dirty = True
        return JoinResult("cancelled", 0, order.id)
    if quantity == current:
        return JoinResult("unchanged", quantity, order.id if order else None)
    if deal.per_member_limit and quantity > deal.per_member_limit:
        raise Refused("over_limit", limit=deal.per_member_limit, unit=deal.product.unit)
    if deal.stock is not None and deal.reserved - current + quantity > deal.stock:
        raise Refused("over_stock", left=deal.stock - deal.reserved + current,
                         unit=deal.product.unit)
    deal.reserved += quantity - current
    deal.card_dirty = True
    price = from_minor(deal.unit_price_minor, deal.currency)
    group = await session.get(Group, deal.group_id)
    if order is None:
        order, _ = await create_order(
            session, rt, member=member, group=group, source="deal", deal_id=deal.id,
            items=[NewItem(deal.product, quantity, price)],
        )
        return JoinResult("joined", quantity, order.id)
    await change_quantity(session, rt, order, member, quantity)
    was_cancelled = order.status == ORDER_CANCELLED
    order.status, order.confirmation = ORDER_PLACED, None
    if was_cancelled:
        return JoinResult("joined", quantity, order.id)
    return JoinResult("changed", quantity, order.id)


# --- periodic work ----------------------------------------------------------------------------


async def close_due(rt: Runtime, sender: notify.Sender) -> None:
    """Close deals whose time has come: final card without buttons, and the final list."""
    now = rt.clock.now()
    async with rt.tx() as session:
        deals = list(await session.scalars(claimable(select(Deal), of=Deal).where(
            Deal.community_id == rt.community_id, Deal.status == DEAL_OPEN,
            Deal.closes_at <= now)))
        for deal in deals:
            deal.status = DEAL_CLOSED
            deal.card_dirty = True
            people = await deal_card.entries(session, deal)
            unit = deal.product.unit
            lines = [texts.text("deals.final_title", product=deal.product.name)]
            lines += [texts.text("deals.card_entry", n=n, name=m.full_name, quantity=q, unit=unit)
                      for n, (m, q) in enumerate(people, 1)]
            if not people:
                lines.append(texts.text("deals.final_empty"))
            else:
                lines.append(texts.text("deals.final_total", people=len(people),
                                        units=sum(q for _, q in people), unit=unit))
            await notify.enqueue(session, rt, notify.Outgoing(
                key=f"deal:{deal.id}:final", kind="deal_final", chat_id=deal.card_chat_id,
                message=texts.Lines(lines)))
    if deals:
        deal_ids = [d.id for d in deals]
        async with rt.tx() as session:  # the card edit must not wait for the quiet period
            for deal_id in deal_ids:
                deal = await session.get(Deal, deal_id)
                if deal is not None:
                    deal.card_edited_at = None


async def get_deal(session: AsyncSession, rt: Runtime, deal_id: int) -> Deal | None:
    deal = await session.get(Deal, deal_id)
    return deal if deal is not None and deal.community_id == rt.community_id else None


