"""Orders from any source: placing one (its items, what each unit was paid after discounts and
a coupon), a quantity corrected before shipping, and what the rest of the bot asks of an order
(its claim window, its tracking numbers, a member's recent orders).

An order is written together with its outbox rows in one transaction (groupbot.order_notices),
so the order-time warning and the private confirmation are each sent exactly once, even across
restarts (see groupbot.notify).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import messages
from groupbot import order_notices, policy
from groupbot.models import Group, Member, Order, OrderItem, Product
from groupbot.models.orders import ORDER_CANCELLED, ORDER_PLACED
from groupbot.money import from_minor, to_minor
from groupbot.refunds import OrderLine, allocate_paid, line_gross_minor
from groupbot.refusal import Refused
from groupbot.reviews import coupons
from groupbot.runtime import Runtime


@dataclass(frozen=True)
class NewItem:
    product: Product
    quantity: int
    unit_price: Decimal
    discount: Decimal = Decimal(0)


def member_locale(rt: Runtime, member: Member, group: Group | None = None) -> str:
    return messages.pick_locale(
        member.language_code, group.locale if group else None, rt.settings.default_locale
    )


async def create_order(
    session: AsyncSession,
    rt: Runtime,
    *,
    member: Member,
    group: Group | None,
    source: str,
    items: Sequence[NewItem],
    discount: Decimal = Decimal(0),
    external_id: str | None = None,
    deal_id: int | None = None,
) -> tuple[Order, bool]:
    """Create an order (idempotent by external id). Returns (order, created)."""
    if external_id is not None:
        existing = await session.scalar(
            select(Order).where(
                Order.community_id == rt.community_id, Order.external_id == external_id
            )
        )
        if existing is not None:
            return existing, False
    if not items:
        raise Refused("no_items")
    currency = rt.settings.currency
    lines = [
        OrderLine(i, item.quantity, item.unit_price, item.discount) for i, item in enumerate(items)
    ]
    # Coupons come off orders whose price the bot sets (group-buy deals); a storefront order
    # arrives already paid, with its own discounts.
    coupon = await _coupon_for(session, rt, member, lines, discount) if source == "deal" else None
    if coupon is not None:
        discount += coupon[1]  # the coupon lowers what is paid, like an order discount
    try:
        paid = allocate_paid(lines, discount, currency)
    except ValueError as exc:
        raise Refused("bad_amounts", detail=str(exc)) from exc
    order = Order(
        community_id=rt.community_id,
        member_id=member.id,
        group_id=group.id if group else None,
        source=source,
        external_id=external_id,
        deal_id=deal_id,
        currency=currency,
        discount_minor=to_minor(discount, currency),
        status=ORDER_PLACED,
        placed_at=rt.clock.now(),
    )
    session.add(order)
    await session.flush()
    for i, item in enumerate(items):
        session.add(
            OrderItem(
                order_id=order.id,
                product_id=item.product.id,
                quantity=item.quantity,
                unit_price_minor=to_minor(item.unit_price, currency),
                discount_minor=to_minor(item.discount, currency),
                paid_minor=to_minor(paid[i], currency),
                refunded_minor=0,
            )
        )
    await session.flush()
    if coupon is not None and not await coupons.attach(session, rt, coupon[0], order.id,
                                                      coupon[1]):
        raise Refused("coupon_taken")  # a parallel order used it first: nothing is saved
    await session.refresh(order, ["items"])
    await order_notices.announce_order(session, rt, order, member, group)
    return order, True


async def _coupon_for(session: AsyncSession, rt: Runtime, member: Member,
                      lines: Sequence[OrderLine], discount: Decimal):
    """The member's coupon and the part of it this order uses (groupbot.reviews.coupons)."""
    try:
        gross = sum(line_gross_minor(line, rt.settings.currency) for line in lines)
    except ValueError:
        return None  # bad amounts are reported by allocate_paid below
    total = from_minor(gross, rt.settings.currency) - discount
    return await coupons.take_for_order(session, rt, member, total)


async def change_quantity(
    session: AsyncSession, rt: Runtime, order: Order, member: Member, quantity: int
) -> None:
    """A one-line (deal) order changes quantity: re-price it, keeping its coupon. Quantity 0
    cancels the order and gives the coupon back to the member."""
    item = order.items[0]
    held = await coupons.of_order(session, order.id)
    if held is not None:
        order.discount_minor -= held.applied_minor or 0
        await coupons.release(session, rt, held)
    if quantity == 0:
        order.status = ORDER_CANCELLED
        return
    item.quantity = quantity
    line = OrderLine(0, quantity, from_minor(item.unit_price_minor, order.currency),
                     from_minor(item.discount_minor, order.currency))
    discount = from_minor(order.discount_minor, order.currency)
    coupon = await _coupon_for(session, rt, member, [line], discount)
    if coupon is not None and await coupons.attach(session, rt, coupon[0], order.id, coupon[1]):
        discount += coupon[1]
        order.discount_minor = to_minor(discount, order.currency)
    item.paid_minor = to_minor(allocate_paid([line], discount, order.currency)[0], order.currency)


async def confirm(session: AsyncSession, order: Order, member: Member, answer: str) -> bool:
    """Record the member's answer to the confirmation; False if it was already answered."""
    if order.member_id != member.id:
        raise Refused("not_your_order")
    if order.confirmation is not None:
        return False
    order.confirmation = answer
    return True


async def get_order(session: AsyncSession, rt: Runtime, order_id: int) -> Order | None:
    order = await session.get(Order, order_id)
    return order if order is not None and order.community_id == rt.community_id else None


def local_time(rt: Runtime, when: datetime) -> str:
    return when.astimezone(rt.settings.tz).strftime("%Y-%m-%d %H:%M")


def perishable(order: Order) -> bool:
    """Which claim window the order follows (groupbot.policy decides)."""
    return policy.order_perishable(item.product.perishable for item in order.items)


def claim_window(rt: Runtime, order: Order) -> policy.Decision:
    """Whether a claim on this order may be started now, as the policy says: the same answer
    for /myorders' claim button, /claim and the claim-window reminder."""
    return policy.order_window(policy.rules_for(rt.settings), perishable(order),
                               order.delivered_at, order.shipped_at, rt.clock.now())


def product_names(order: Order) -> str:
    return "、".join(item.product.name for item in order.items)


def tracking_numbers(order_or_shipments: Order) -> list[str]:
    """The order's tracking numbers, which a claim photo's waybill must show."""
    return [s.tracking_number for s in order_or_shipments.shipments]


async def recent_orders(session: AsyncSession, member: Member, limit: int = 10) -> list[Order]:
    rows = await session.scalars(
        select(Order)
        .where(Order.member_id == member.id)
        .order_by(Order.placed_at.desc(), Order.id.desc())
        .limit(limit)
    )
    return list(rows)


async def orders_of_deal(session: AsyncSession, deal_id: int) -> list[Order]:
    rows = await session.scalars(
        select(Order).where(Order.deal_id == deal_id, Order.status != ORDER_CANCELLED)
    )
    return list(rows)
