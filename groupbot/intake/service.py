"""Carrying out checked storefront requests inside the caller's transaction.

A known ``external_id`` sent again with the same content changes nothing (the storefront
retried); with other content it is refused as a :class:`Mismatch` naming every field that
differs, and the stored order stays as it was.

The caller (the HTTP intake, the CSV import) owns the transaction, so a refused request, or
one bad row of a file, leaves nothing half-written. Orders go through
:func:`groupbot.orders.create_order`, which queues the order-time warning and the confirmation
in the outbox; shipping and delivery through ``mark_shipped`` / ``mark_delivered``.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from groupbot.intake.fields import FieldError, shown
from groupbot.intake.requests import (
    DeliveryRequest,
    ItemRequest,
    OrderRequest,
    ShipmentRequest,
)
from groupbot.models import Group, Member, Order, Product
from groupbot.money import from_minor, to_minor
from groupbot.orders import NewItem, create_order
from groupbot.people import Person, group_by_chat_id, member_by_telegram_id, upsert_member
from groupbot.refusal import Refused
from groupbot.runtime import Runtime
from groupbot.shipping import mark_delivered, mark_shipped

DEFAULT_UNIT = "份"


class UnknownOrder(LookupError):
    """No order of this community has the external id (HTTP 404)."""

    def __init__(self, external_id: str) -> None:
        super().__init__(external_id)
        self.error = FieldError("external_id", "unknown_order", value=external_id)


class Mismatch(ValueError):
    """A known external id arrived again with other content (HTTP 409): nothing was changed.

    ``problems`` are (item index, or None for the order itself, error): the HTTP answer names
    ``items[i].quantity``, the CSV report the line of that item.
    """

    def __init__(self, problems: list[tuple[int | None, FieldError]]) -> None:
        super().__init__("; ".join(str(e) for _, e in problems))
        self.problems = problems

    @property
    def errors(self) -> list[FieldError]:
        return [e if i is None else e.at(f"items[{i}].{e.field}") for i, e in self.problems]


class OrderConflict(ValueError):
    """The order exists but cannot take the update, e.g. it was cancelled (HTTP 409)."""

    def __init__(self, exc: Refused) -> None:
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
        if problems := await _differences(session, rt, existing, req):
            raise Mismatch(problems)
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
    except Refused as exc:  # the request was checked already; this is a rule we missed
        raise FieldError("items", "rejected", reason=exc.code) from exc


async def _differences(
    session: AsyncSession, rt: Runtime, order: Order, req: OrderRequest
) -> list[tuple[int | None, FieldError]]:
    """What a repeat of ``order`` says otherwise: the buyer, the group, the discount, the items
    (amounts compared in minor units, as stored)."""
    currency = order.currency
    member = await session.get(Member, order.member_id)
    group = await session.get(Group, order.group_id) if order.group_id is not None else None
    found: list[tuple[int | None, FieldError]] = []

    def differs(index: int | None, field: str, given: object, stored: object) -> None:
        if given != stored:
            found.append((index, FieldError(field, "differs_from_order", order=order.id,
                                            value=shown(given), stored=shown(stored))))

    differs(None, "member.telegram_id", req.person.telegram_id,
            member.telegram_id if member else None)
    differs(None, "group_chat_id", req.group_chat_id, group.chat_id if group else None)
    differs(None, "discount", from_minor(to_minor(req.discount, currency), currency),
            from_minor(order.discount_minor, currency))
    if len(req.items) != len(order.items):
        found.append((None, FieldError("items", "items_differ", order=order.id,
                                       count=len(req.items), stored=len(order.items))))
        return found
    for i, (item, line) in enumerate(zip(req.items, order.items, strict=True)):
        differs(i, "product", item.product, line.product.name)
        differs(i, "quantity", item.quantity, line.quantity)
        differs(i, "unit_price", from_minor(to_minor(item.unit_price, currency), currency),
                from_minor(line.unit_price_minor, currency))
        differs(i, "discount", from_minor(to_minor(item.discount, currency), currency),
                from_minor(line.discount_minor, currency))
    return found


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
    if order.shipments and not any(
            (s.courier, s.tracking_number) == (req.courier, req.tracking_number)
            for s in order.shipments):
        # Already shipped as another parcel: a correction or a second parcel is not guessed.
        last = order.shipments[-1]
        raise Mismatch([(None, FieldError(field, "differs_from_order", order=order.id,
                                          value=shown(given), stored=shown(stored)))
                        for field, given, stored in (
                            ("courier", req.courier, last.courier),
                            ("tracking_number", req.tracking_number, last.tracking_number))
                        if given != stored])
    try:
        return order, await mark_shipped(session, rt, order, req.courier, req.tracking_number)
    except Refused as exc:
        raise OrderConflict(exc) from exc


async def deliver(session: AsyncSession, rt: Runtime, req: DeliveryRequest) -> tuple[Order, bool]:
    """Mark delivered: the inspection reminder and the claim-window reminder are queued."""
    order = await order_by_external_id(session, rt, req.external_id)
    if order is None:
        raise UnknownOrder(req.external_id)
    try:
        return order, await mark_delivered(session, rt, order)
    except Refused as exc:
        raise OrderConflict(exc) from exc
