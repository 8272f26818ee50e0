"""The messages an order owes its buyer and its organizers: the order-time warning in the
group (perishables), the private confirmation, and the organizers' word when the buyer says the
order is wrong.

Each is an outbox row written in the order's own transaction (groupbot.notify), so it is sent
exactly once, after the commit, even across restarts. The shipping and delivery notices are
groupbot.shipping's.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import messages
from groupbot import notify, people, policy, texts
from groupbot.models import Group, Member, Order, OutboxMessage
from groupbot.models.orders import ORDER_CANCELLED
from groupbot.money import fmt, from_minor
from groupbot.reviews import coupons
from groupbot.runtime import Runtime


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
                total=fmt(_paid_total(order), order.currency),
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


async def report_problem(session: AsyncSession, rt: Runtime, order: Order, member: Member) -> int:
    """The member says the order is wrong: tell every organizer we can write to."""
    organizers = await people.organizers_reachable(session, rt)
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


def _paid_total(order: Order) -> Decimal:
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
