"""Batches as the analytics see them: a deal of a product, its delivered orders, the claims on
them. Rows are built directly (hundreds of units per test would be slow through the dialogue);
the claims carry the evidence summary the claims service stores."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta

from groupbot.models import Claim, ClaimItem, Deal, Member, Order, OrderItem, Product, Shipment
from groupbot.models.claims import CLAIM_APPROVED, CLAIM_PENDING
from groupbot.models.orders import ORDER_DELIVERED
from groupbot.runtime import Runtime
from tests.factories import group_row

VERIFIED = {"checked": True, "tracking_match": True, "goods_found": True}
UNVERIFIED = {"checked": True, "tracking_match": False, "goods_found": True}
_serial = itertools.count(1)


@dataclass
class Batch:
    deal: Deal
    orders: list[Order]


async def buyers(rt: Runtime, session, count: int) -> list[Member]:
    out = []
    for _ in range(count):
        n = next(_serial)
        member = Member(telegram_id=5_000_000 + n, first_name=f"买家{n}")
        session.add(member)
        out.append(member)
    await session.flush()
    return out


async def organizer(rt: Runtime, session) -> Member:
    return (await buyers(rt, session, 1))[0]


async def batch(
    rt: Runtime, session, name: str, *, orders: int, quantity: int = 10, claimed: int = 0,
    units_per_claim: int = 2, delivered_at: datetime | None = None, price_minor: int = 500,
    supplier: str | None = None, courier: str = "顺丰", reason: str = "rotten",
    evidence: dict | None = None, group=None, refund: bool = False,
) -> Batch:
    """A deal of ``name``: ``orders`` orders of ``quantity`` units delivered at
    ``delivered_at``; the first ``claimed`` of them claim ``units_per_claim`` units each."""
    group = group or await group_row(rt, session)
    delivered_at = delivered_at or rt.clock.now()
    who = await organizer(rt, session)
    product = Product(community_id=rt.community_id, name=name, unit="个", perishable=True)
    session.add(product)
    await session.flush()
    deal = Deal(community_id=rt.community_id, group_id=group.id, product_id=product.id,
                organizer_id=who.id, currency="CNY", unit_price_minor=price_minor,
                closes_at=delivered_at - timedelta(days=1), status="closed", supplier=supplier)
    session.add(deal)
    await session.flush()
    made = []
    for i, member in enumerate(await buyers(rt, session, orders)):
        order = Order(community_id=rt.community_id, member_id=member.id, group_id=group.id,
                      source="deal", deal_id=deal.id, currency="CNY", status=ORDER_DELIVERED,
                      placed_at=delivered_at - timedelta(days=2),
                      shipped_at=delivered_at - timedelta(days=1), delivered_at=delivered_at)
        session.add(order)
        await session.flush()
        paid = price_minor * quantity
        refunded = price_minor * units_per_claim if refund and i < claimed else 0
        item = OrderItem(order_id=order.id, product_id=product.id, quantity=quantity,
                         unit_price_minor=price_minor, paid_minor=paid, refunded_minor=refunded)
        session.add(item)
        session.add(Shipment(order_id=order.id, courier=courier, tracking_number=f"SF{order.id:010d}",
                             shipped_at=order.shipped_at, delivered_at=delivered_at))
        await session.flush()
        if i < claimed:
            await claim_on(rt, session, order, item, units_per_claim, reason=reason,
                           evidence=evidence, at=delivered_at + timedelta(hours=3))
        made.append(order)
    return Batch(deal, made)


async def claim_on(rt: Runtime, session, order: Order, item: OrderItem, units: int, *,
                   reason: str = "rotten", evidence: dict | None = None,
                   at: datetime | None = None) -> Claim:
    at = at or rt.clock.now()
    # Claims older than the review window have been decided (the review clocks would otherwise
    # escalate them in the dialogue tests).
    decided = at + timedelta(days=rt.settings.review_due_days) < rt.clock.now()
    claim = Claim(status=CLAIM_APPROVED if decided else CLAIM_PENDING, community_id=rt.community_id, order_id=order.id, member_id=order.member_id,
                  submission_key=f"test-{next(_serial)}", reason=reason, currency="CNY",
                  refund_minor=item.unit_price_minor * units, evidence=evidence,
                  submitted_at=at, review_due_at=at + timedelta(days=2))
    session.add(claim)
    await session.flush()
    session.add(ClaimItem(claim_id=claim.id, order_item_id=item.id, damaged_units=units,
                          amount_minor=item.unit_price_minor * units))
    await session.flush()
    return claim
