"""Carrying out checked storefront requests inside the caller's transaction.

The caller (the HTTP intake, the CSV import) owns the transaction, so a refused request, or
one bad row of a file, leaves nothing half-written. Orders go through
:func:`groupbot.orders.create_order`, which queues the order-time warning and the confirmation
in the outbox; shipping and delivery through ``mark_shipped`` / ``mark_delivered``.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from groupbot.intake.fields import FieldError
from groupbot.intake.requests import (
    DeliveryRequest,
    ItemRequest,
    OrderRequest,
    ShipmentRequest,
)
from groupbot.models import Group, Member, Order, Product
from groupbot.orders import NewItem, OrderError, create_order
from groupbot.people import Person, group_by_chat_id, member_by_telegram_id, upsert_member
from groupbot.runtime import Runtime
from groupbot.shipping import mark_delivered, mark_shipped

DEFAULT_UNIT = "份"


class UnknownOrder(LookupError):
    """No order of this community has the external id (HTTP 404)."""

    def __init__(self, external_id: str) -> None:
        super().__init__(external_id)
        self.error = FieldError("external_id", "unknown_order", value=external_id)


class OrderConflict(ValueError):
    """The order exists but cannot take the update, e.g. it was cancelled (HTTP 409)."""

    def __init__(self, exc: OrderError) -> None:
        super().__init__(exc.code)
        self.error = FieldError("external_id", exc.code, **exc.params)


async def order_by_external_id(
    session: AsyncSession, rt: Runtime, external_id: str
) -> Order | None:
    return await session.scalar(
        select(Order).where(Order.community_id == rt.community_id, Order.external_id == external_id)
    )


async def active_group(session: AsyncSession, rt: Runtime, chat_id: int) -> Group | None:
    """The group the bot is in with this chat id, or None (then no warning could be posted)."""
    group = await group_by_chat_id(session, chat_id)
    if group is None or group.community_id != rt.community_id or not group.active:
        return None
    return group


async def place_order(
    session: AsyncSession, rt: Runtime, req: OrderRequest, *, source: str
) -> tuple[Order, bool]:
    """Create the order (idempotent by external id). Returns (order, created)."""
    existing = await order_by_external_id(session, rt, req.external_id)
    if existing is not None:
        return existing, False
    group = await active_group(session, rt, req.group_chat_id)
    if group is None:
        raise FieldError("group_chat_id", "unknown_group", value=req.group_chat_id)
    member = await _upsert(session, req.person)
    items = [
        NewItem(await find_or_create_product(session, rt, item), item.quantity, item.unit_price,
                item.discount)
        for item in req.items
    ]
    try:
        return await create_order(
            session, rt, member=member, group=group, source=source, items=items,
            discount=req.discount, external_id=req.external_id,
        )
    except OrderError as exc:  # the request was checked already; this is a rule we missed
        raise FieldError("items", "rejected", reason=exc.code) from exc


async def _upsert(session: AsyncSession, person: Person) -> Member:
    # The storefront may know less than Telegram told us: keep what it leaves out.
    known = await member_by_telegram_id(session, person.telegram_id)
    if known is not None:
        person = dataclasses.replace(
            person,
            last_name=person.last_name or known.last_name,
            username=person.username or known.username,
        )
    return await upsert_member(session, person)


async def find_or_create_product(session: AsyncSession, rt: Runtime, item: ItemRequest) -> Product:
    """The community's product of that name (the oldest, if deals made several), or a new one."""
    product = await session.scalar(
        select(Product)
        .where(Product.community_id == rt.community_id, Product.name == item.product)
        .order_by(Product.id)
        .limit(1)
    )
    if product is None:
        product = Product(
            community_id=rt.community_id,
            name=item.product,
            unit=item.unit or DEFAULT_UNIT,
            perishable=True if item.perishable is None else item.perishable,
        )
        session.add(product)
        await session.flush()
    return product


async def ship(session: AsyncSession, rt: Runtime, req: ShipmentRequest) -> tuple[Order, bool]:
    """Record the shipment and queue the shipping notice. (order, False) if already shipped."""
    order = await order_by_external_id(session, rt, req.external_id)
    if order is None:
        raise UnknownOrder(req.external_id)
    try:
        return order, await mark_shipped(session, rt, order, req.courier, req.tracking_number)
    except OrderError as exc:
        raise OrderConflict(exc) from exc


async def deliver(session: AsyncSession, rt: Runtime, req: DeliveryRequest) -> tuple[Order, bool]:
    """Mark delivered: the inspection reminder and the claim-window reminder are queued."""
    order = await order_by_external_id(session, rt, req.external_id)
    if order is None:
        raise UnknownOrder(req.external_id)
    try:
        return order, await mark_delivered(session, rt, order)
    except OrderError as exc:
        raise OrderConflict(exc) from exc
