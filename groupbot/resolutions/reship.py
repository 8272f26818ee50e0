"""Reship and replace: a reviewer's decision that sends goods instead of money.

The claim closes as ``reshipped`` / ``replaced`` (groupbot.reviews.decisions wins the decision
with its conditional update and calls :func:`create`); a linked order is written in the same
transaction: no charge (every line paid 0, so it never touches the refund cap), stock taken
from the original deal, its own shipping and delivery notices (:func:`notice_key`) and its
own claim window (it is an order like any other once delivered).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

import messages
from groupbot import notify, order_notices, people, texts
from groupbot.models import Claim, Deal, Member, Order, OrderItem
from groupbot.models.orders import ORDER_PLACED
from groupbot.models.resolutions import REPLACE, RESHIP, Reship
from groupbot.runtime import Runtime

SOURCE = "reship"  # orders.source of a linked reship or replacement order
KINDS = (RESHIP, REPLACE)


class OutOfStock(Exception):
    """The deal's stock ran out between the check and the reship (rolled back)."""


async def units_of(session: AsyncSession, claim: Claim) -> list[tuple[OrderItem, int]]:
    out = []
    for ci in claim.items:
        item = await session.get(OrderItem, ci.order_item_id)
        assert item is not None
        out.append((item, ci.damaged_units))
    return out


async def stock_refusal(session: AsyncSession, claim: Claim) -> dict | None:
    """Why the deal cannot give these units again (``{"left": n}``), or None."""
    original = await session.get(Order, claim.order_id)
    if original is None or original.deal_id is None:
        return None  # a storefront order: the shop ships from its own stock
    deal = await session.get(Deal, original.deal_id, populate_existing=True)
    wanted = sum(units for _, units in await units_of(session, claim))
    if deal is not None and deal.stock is not None and deal.reserved + wanted > deal.stock:
        return {"left": max(deal.stock - deal.reserved, 0), "wanted": wanted}
    return None


async def create(session: AsyncSession, rt: Runtime, claim: Claim, kind: str,
                 reviewer: Member | None, now: datetime) -> Reship:
    """The linked order for a decided claim (the caller has won the decision)."""
    assert kind in KINDS
    original = await session.get(Order, claim.order_id)
    assert original is not None
    lines = await units_of(session, claim)
    if original.deal_id is not None:
        wanted = sum(units for _, units in lines)
        taken = await session.execute(
            update(Deal).where(Deal.id == original.deal_id,
                               or_(Deal.stock.is_(None), Deal.reserved + wanted <= Deal.stock))
            .values(reserved=Deal.reserved + wanted, card_dirty=True)
            .execution_options(synchronize_session=False))
        if taken.rowcount != 1:
            raise OutOfStock(original.deal_id)
    order = Order(community_id=original.community_id, member_id=original.member_id,
                  group_id=original.group_id, source=SOURCE, currency=original.currency,
                  discount_minor=0, status=ORDER_PLACED, placed_at=now,
                  confirmation="ok")  # nothing to confirm: the member asked for it
    session.add(order)
    await session.flush()
    for item, units in lines:
        session.add(OrderItem(order_id=order.id, product_id=item.product_id, quantity=units,
                              unit_price_minor=0, discount_minor=0, paid_minor=0,
                              refunded_minor=0))
    row = Reship(community_id=claim.community_id, claim_id=claim.id, kind=kind,
                 original_order_id=original.id, reship_order_id=order.id,
                 decided_by=reviewer.id if reviewer else None, created_at=now)
    session.add(row)
    await session.flush()
    await session.refresh(order, ["items"])
    await _tell_organizers(session, rt, row, order, original)
    return row


async def _tell_organizers(session: AsyncSession, rt: Runtime, row: Reship, order: Order,
                           original: Order) -> None:
    member = await session.get(Member, order.member_id)
    assert member is not None
    for organizer in await people.organizers_reachable(session, rt):
        await notify.enqueue(session, rt, notify.Outgoing(
            key=f"reship:{row.id}:organizer:{organizer.id}", kind="reship_to_ship",
            chat_id=organizer.telegram_id, member_id=organizer.id, order_id=order.id,
            message=texts.text(
                f"resolutions.{row.kind}.for_organizer", order=order.id,
                original=original.id, claim=row.claim_id, lines=order_notices.order_lines(order),
                member=texts.Safe(messages.mention(member.telegram_id, member.full_name)))))


async def of_claim(session: AsyncSession, claim_id: int) -> Reship | None:
    return await session.scalar(select(Reship).where(Reship.claim_id == claim_id))


async def of_order(session: AsyncSession, order_id: int) -> Reship | None:
    """The reship row behind a linked order (None for an ordinary order)."""
    return await session.scalar(select(Reship).where(Reship.reship_order_id == order_id))


async def notice_key(session: AsyncSession, order: Order, kind: str, key: str
                     ) -> tuple[str, dict[str, object]]:
    """The catalog key and extra values of a shipping / delivery notice: a linked order says
    what it is for ("补发 #12 的漏发部分")."""
    if order.source != SOURCE:
        return key, {}
    row = await of_order(session, order.id)
    if row is None:
        return key, {}
    suffix = "_days" if key.endswith("_days") else ""
    return (f"resolutions.{row.kind}.{kind}{suffix}",
            {"original": row.original_order_id, "claim": row.claim_id})


async def pending(session: AsyncSession, rt: Runtime) -> list[tuple[Reship, Order]]:
    """Reships and replacements not shipped yet, oldest first (organizers' /reships)."""
    rows = await session.execute(
        select(Reship, Order).join(Order, Order.id == Reship.reship_order_id)
        .where(Reship.community_id == rt.community_id, Order.status == ORDER_PLACED)
        .order_by(Reship.created_at, Reship.id))
    return [(r, o) for r, o in rows.all()]
