"""Whose fault is a crushed box: the answers to 外包装是否完好？ of the damage claims on the
period's deliveries, by courier and by supplier.

Outer packaging that arrived damaged points at transit (the courier that delivered it); goods
damaged inside intact packaging point at how they were packed (the batch's supplier). A photo
instead of an answer is counted apart: the reviewer judged it. Two GROUP BYs in the database;
the report shows the counts (they are claims, not units: the question is asked once a claim).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from groupbot.analytics.period import Period
from groupbot.analytics.rates import _delivered
from groupbot.models import Claim, ClaimItem, Deal, Order, OrderItem, Product, Shipment

DAMAGED, INTACT, PHOTO = "damaged", "intact", "photo"  # policy.PACKAGING_ANSWERS


@dataclass(frozen=True)
class Side:
    """One courier's or one supplier's damage claims, by the packaging answer."""

    name: str
    damaged: int = 0
    intact: int = 0
    photo: int = 0


@dataclass(frozen=True)
class Packaging:
    by_courier: list[Side]  # most damaged-packaging claims first
    by_supplier: list[Side]  # most intact-packaging claims first

    def total(self, answer: str) -> int:
        return sum(getattr(s, answer) for s in self.by_courier)

    @property
    def answered(self) -> int:
        return self.total(DAMAGED) + self.total(INTACT) + self.total(PHOTO)


def _sides(rows: list[tuple[str, str, int]], first: str) -> list[Side]:
    counts: dict[str, dict[str, int]] = {}
    for name, answer, n in rows:
        counts.setdefault(name, {})[answer] = int(n)
    sides = [Side(name, c.get(DAMAGED, 0), c.get(INTACT, 0), c.get(PHOTO, 0))
             for name, c in counts.items()]
    sides.sort(key=lambda s: (-getattr(s, first), s.name))
    return sides


async def packaging(session: AsyncSession, community_id: int, period: Period) -> Packaging:
    # The courier of the shipment that delivered the order, as the rates take it.
    courier = func.coalesce(Shipment.courier, "")
    by_courier = _delivered(
        select(courier, Claim.packaging, func.count(Claim.id))
        .join(Order, Order.id == Claim.order_id)
        .outerjoin(Shipment, (Shipment.order_id == Order.id)
                   & (Shipment.shipped_at == Order.shipped_at))
        .where(Claim.packaging.is_not(None)), community_id, period,
    ).group_by(courier, Claim.packaging)
    # A claim over lines of two suppliers counts for each (once each: DISTINCT).
    supplier = func.coalesce(Deal.supplier, Product.supplier, "")
    by_supplier = _delivered(
        select(supplier, Claim.packaging, func.count(func.distinct(Claim.id)))
        .join(Order, Order.id == Claim.order_id)
        .join(ClaimItem, ClaimItem.claim_id == Claim.id)
        .join(OrderItem, OrderItem.id == ClaimItem.order_item_id)
        .join(Product, Product.id == OrderItem.product_id)
        .outerjoin(Deal, Deal.id == Order.deal_id)
        .where(Claim.packaging.is_not(None)), community_id, period,
    ).group_by(supplier, Claim.packaging)
    return Packaging(
        by_courier=_sides([tuple(r) for r in (await session.execute(by_courier)).all()],
                          DAMAGED),
        by_supplier=_sides([tuple(r) for r in (await session.execute(by_supplier)).all()],
                           INTACT))
