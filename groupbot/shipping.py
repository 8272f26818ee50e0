"""Shipping and delivery of an order: the notices they owe the buyer, and the claim window.

Delivery starts the window for a claim: the delivery notice shows its exact deadline and a
reminder is queued before it closes (cancelled when a claim is filed; see groupbot.claims).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

import messages
from groupbot import notify, orders, policy, texts
from groupbot.models import Group, Member, Order, Shipment
from groupbot.models.orders import ORDER_CANCELLED, ORDER_DELIVERED, ORDER_PLACED, ORDER_SHIPPED
from groupbot.orders import local_time
from groupbot.refusal import Refused
from groupbot.resolutions import reship
from groupbot.runtime import Runtime


async def mark_shipped(
    session: AsyncSession, rt: Runtime, order: Order, courier: str, tracking_number: str
) -> bool:
    """Record the shipment and queue the shipping notice. False if it was already shipped."""
    courier, tracking_number = courier.strip(), tracking_number.strip()
    if not courier or not tracking_number:
        raise Refused("shipping_details_missing")
    if order.status == ORDER_CANCELLED:
        raise Refused("order_cancelled", order=order.id)
    if order.status in (ORDER_SHIPPED, ORDER_DELIVERED):
        return False
    now = rt.clock.now()
    session.add(Shipment(order_id=order.id, courier=courier, tracking_number=tracking_number,
                         shipped_at=now))
    order.status, order.shipped_at = ORDER_SHIPPED, now
    member = await session.get(Member, order.member_id)
    assert member is not None
    key, linked = await reship.notice_key(session, order, "shipped", "orders.shipped")
    await _notify_member(
        session, rt, order, member, "shipped",
        messages_key=key, courier=courier, tracking=tracking_number, **linked,
    )
    return True


async def mark_delivered(session: AsyncSession, rt: Runtime, order: Order) -> bool:
    """Delivery starts the claim window: queue the inspection reminder and the late reminder."""
    if order.status == ORDER_CANCELLED:
        raise Refused("order_cancelled", order=order.id)
    if order.status == ORDER_DELIVERED:
        return False
    now = rt.clock.now()
    order.status, order.delivered_at = ORDER_DELIVERED, now
    if order.shipped_at is None:
        order.shipped_at = now
    member = await session.get(Member, order.member_id)
    assert member is not None
    rules = policy.rules_for(rt.settings)
    perishable = orders.perishable(order)
    span = policy.window_span(rules, perishable)
    deadline = policy.claim_window(rules, perishable, now, now).closes_at
    products = texts.Lines([i.product.name for i in order.items], sep="、")
    claim_button = ("orders.claim_button", f"claim:new:{order.id}")
    # The notice states the window of this order's kind: "48 小时" or "7 天".
    key, linked = await reship.notice_key(
        session, order, "delivered",
        "orders.delivered" if span.unit == "hours" else "orders.delivered_days")
    await _notify_member(
        session, rt, order, member, "delivered",
        messages_key=key, buttons=[claim_button], products=products,
        deadline=local_time(rt, deadline), **{span.unit: span.count}, **linked,
    )
    if (remind_at := policy.reminder_at(rules, deadline)) is not None:
        await _notify_member(
            session, rt, order, member, "claim_reminder",
            messages_key="orders.claim_reminder", buttons=[claim_button],
            not_before=remind_at, deadline=local_time(rt, deadline),
        )
    return True


async def report_received(session: AsyncSession, rt: Runtime, order: Order) -> bool:
    """The member says the parcel arrived; only a shipped order can arrive."""
    if order.status == ORDER_PLACED:
        raise Refused("not_shipped", order=order.id)
    return await mark_delivered(session, rt, order)


async def _notify_member(
    session: AsyncSession,
    rt: Runtime,
    order: Order,
    member: Member,
    kind: str,
    *,
    messages_key: str,
    buttons: Sequence[tuple[str, str]] = (),
    not_before: datetime | None = None,
    **values: object,
) -> None:
    """A notice about an order: privately when we may write to the member, else in the group
    with a mention and a deep link (Telegram forbids opening a private chat)."""
    group = await session.get(Group, order.group_id) if order.group_id else None
    private = member.can_receive_private or group is None
    text: object = texts.text(messages_key, order=order.id, **values)
    rows = [[(texts.text(label), data)] for label, data in buttons]
    if not private:
        mention = texts.Safe(messages.mention(member.telegram_id, member.full_name))
        text = texts.Lines([mention, text], sep=" ")
        rows = [[(texts.text("orders.open_private_button"), rt.deep_link(f"o{order.id}"))]]
    await notify.enqueue(
        session,
        rt,
        notify.Outgoing(
            key=f"order:{order.id}:{kind}",
            kind=f"order_{kind}",
            chat_id=member.telegram_id if private else group.chat_id,  # type: ignore[union-attr]
            member_id=member.id,
            order_id=order.id,
            message=text,
            buttons=rows or None,
            not_before=not_before,
        ),
    )
