"""Orders from any source, and the messages an order owes its buyer when it is placed.

An order is written together with its outbox rows in one transaction, so the order-time
warning and the private confirmation (and later the shipping and delivery notices, see
groupbot.shipping) are each sent exactly once, even across restarts (see groupbot.notify).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import messages
from groupbot import notify, permissions, policy, texts
from groupbot.models import Group, Member, Order, OrderItem, OutboxMessage, Product
from groupbot.models.orders import ORDER_CANCELLED, ORDER_PLACED
from groupbot.money import fmt, from_minor, to_minor
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
    await announce_order(session, rt, order, member, group)
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


def paid_total(order: Order) -> Decimal:
    return from_minor(sum(i.paid_minor for i in order.items), order.currency)


def order_lines(order: Order) -> texts.Lines:
    return texts.Lines([
        texts.text(
            "orders.line",
            product=item.product.name,
            quantity=item.quantity,
            unit=item.product.unit,
            amount=fmt(from_minor(item.paid_minor, order.currency), order.currency),
        )
        for item in order.items
    ])


def order_lines_text(locale: str, order: Order) -> str:
    return texts.render(locale, order_lines(order))


async def announce_order(
    session: AsyncSession, rt: Runtime, order: Order, member: Member, group: Group | None
) -> None:
    """Queue the group warning (perishables) and the private confirmation."""
    perishable = [i.product.name for i in order.items if i.product.perishable]
    if group is not None and perishable:
        await _queue_group_warning(session, rt, order, member, group, perishable)
    if member.can_receive_private:
        await queue_confirmation(session, rt, order, member)


async def _queue_group_warning(
    session: AsyncSession,
    rt: Runtime,
    order: Order,
    member: Member,
    group: Group,
    products: list[str],
) -> None:
    # Several perishable orders within the merge window become one message: the first order
    # opens a row due `warning_merge_seconds` later, the next ones fold their products into it.
    merge_key = f"warn:{group.id}:{member.id}"
    pending = await notify.pending_merge(session, merge_key)
    if pending is not None and pending.data is not None:
        names = list(dict.fromkeys([*pending.data["products"], *products]))
        pending.data = {**pending.data, "products": names, "orders": [*pending.data["orders"],
                                                                      order.id]}
        pending.message = texts.to_json(_warning(rt, member, names))
        return
    delay = timedelta(seconds=rt.settings.warning_merge_seconds)
    await notify.enqueue(
        session,
        rt,
        notify.Outgoing(
            key=f"order:{order.id}:warning",
            kind="order_warning",
            chat_id=group.chat_id,
            member_id=member.id,
            order_id=order.id,
            merge_key=merge_key,
            message=_warning(rt, member, products),
            buttons=[[(texts.text("orders.warning_button"), rt.deep_link(f"o{order.id}"))]],
            data={"products": products, "orders": [order.id]},
            not_before=rt.clock.now() + delay,
        ),
    )


def _warning(rt: Runtime, member: Member, products: list[str]) -> texts.Text:
    return texts.text(
        "orders.warning",
        mention=texts.Safe(messages.mention(member.telegram_id, member.full_name)),
        products=texts.Lines(products, sep_key="orders.list_separator"),
        hours=policy.rules_for(rt.settings).perishable_hours,
    )


async def queue_confirmation(
    session: AsyncSession, rt: Runtime, order: Order, member: Member
) -> None:
    lines: list[object] = [order_lines(order)]
    if (coupon := await coupons.of_order(session, order.id)) is not None and coupon.applied_minor:
        lines.append(texts.text("orders.coupon_line", amount=fmt(
            from_minor(coupon.applied_minor, order.currency), order.currency)))
    await notify.enqueue(
        session,
        rt,
        notify.Outgoing(
            key=f"order:{order.id}:confirm",
            kind="order_confirm",
            chat_id=member.telegram_id,
            member_id=member.id,
            order_id=order.id,
            message=texts.text(
                "orders.confirm",
                order=order.id,
                lines=texts.Lines(lines),
                total=fmt(paid_total(order), order.currency),
            ),
            buttons=[[
                (texts.text("orders.confirm_ok_button"), f"ord:{order.id}:ok"),
                (texts.text("orders.confirm_problem_button"), f"ord:{order.id}:bad"),
            ]],
        ),
    )


async def queue_missed_confirmations(session: AsyncSession, rt: Runtime, member: Member) -> int:
    """A member arrived in the private chat: send the confirmations we could not send before."""
    orders = await session.scalars(
        select(Order).where(
            Order.member_id == member.id,
            Order.confirmation.is_(None),
            Order.status != ORDER_CANCELLED,
        )
    )
    count = 0
    for order in orders:
        already = await session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.key == f"order:{order.id}:confirm")
        )
        if already is None:
            await queue_confirmation(session, rt, order, member)
            count += 1
    return count


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


async def report_problem(session: AsyncSession, rt: Runtime, order: Order, member: Member) -> int:
    """The member says the order is wrong: tell every organizer we can write to."""
    organizers = await organizers_reachable(session, rt)
    for organizer in organizers:
        await notify.enqueue(session, rt, notify.Outgoing(
            key=f"order:{order.id}:problem:{organizer.id}",
            kind="order_problem",
            chat_id=organizer.telegram_id,
            member_id=organizer.id,
            order_id=order.id,
            message=texts.text(
                "orders.problem_for_organizer", order=order.id,
                member=texts.Safe(messages.mention(member.telegram_id, member.full_name)),
                lines=order_lines(order),
            ),
        ))
    return len(organizers)


async def organizers_reachable(session: AsyncSession, rt: Runtime) -> list[Member]:
    """Organizers (configured or group admins) who have opened a private chat with the bot."""
    rows = await session.scalars(
        select(Member).where(
            permissions.holders(permissions.ROLE_ORGANIZER, rt.settings, rt.community_id),
            Member.started_at.is_not(None),
            Member.blocked_at.is_(None),
        )
    )
    return list(rows)


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
