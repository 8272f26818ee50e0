"""The demo's analytics act: the product's back-story (its earlier batches, written straight
into the database, as if months had passed), a bad batch that raises the batch alert, the
organizer pausing the product, and /report with its chart (saved as a PNG; the path printed).

``seed_batch`` writes one delivered deal with its orders and claims as rows; the analytics
tests build their batches with it too.
"""

from __future__ import annotations

import itertools
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from groupbot import policy
from groupbot.models import (
    Claim,
    ClaimItem,
    ClaimReview,
    Deal,
    Group,
    Member,
    Order,
    OrderItem,
    Product,
    Shipment,
)
from groupbot.models.claims import CLAIM_APPROVED, CLAIM_PENDING
from groupbot.models.orders import ORDER_DELIVERED
from groupbot.runtime import Runtime

if TYPE_CHECKING:
    from groupbot.demo import Demo

_serial = itertools.count(1)
BUYER_IDS = 5_000_000  # the back-story's buyers: synthetic Telegram ids, never written to


@dataclass
class SeededBatch:
    deal: Deal
    orders: list[Order]


async def buyers(session: AsyncSession, count: int) -> list[Member]:
    out = []
    for _ in range(count):
        n = next(_serial)
        member = Member(telegram_id=BUYER_IDS + n, first_name=f"买家{n}")
        session.add(member)
        out.append(member)
    await session.flush()
    return out


async def seed_batch(
    session: AsyncSession, rt: Runtime, name: str, *, group: Group, organizer: Member,
    orders: int, delivered_at: datetime, quantity: int = 10, claimed: int = 0,
    units_per_claim: int = 2, price_minor: int = 500, supplier: str | None = None,
    courier: str = "顺丰", reason: str = "rotten", evidence: dict[str, Any] | None = None,
    refund: bool = False,
) -> SeededBatch:
    """A deal of ``name``: ``orders`` orders of ``quantity`` units delivered at
    ``delivered_at``; the first ``claimed`` of them claim ``units_per_claim`` units each, three
    hours after delivery. Claims older than the review window are decided (approved)."""
    product = Product(community_id=rt.community_id, name=name, unit="个", perishable=True)
    session.add(product)
    await session.flush()
    deal = Deal(community_id=rt.community_id, group_id=group.id, product_id=product.id,
                organizer_id=organizer.id, currency=rt.settings.currency,
                unit_price_minor=price_minor, closes_at=delivered_at - timedelta(days=1),
                status="closed", supplier=supplier)
    session.add(deal)
    await session.flush()
    made = []
    for i, member in enumerate(await buyers(session, orders)):
        order = Order(community_id=rt.community_id, member_id=member.id, group_id=group.id,
                      source="deal", deal_id=deal.id, currency=deal.currency,
                      status=ORDER_DELIVERED, placed_at=delivered_at - timedelta(days=2),
                      shipped_at=delivered_at - timedelta(days=1), delivered_at=delivered_at)
        session.add(order)
        await session.flush()
        refunded = price_minor * units_per_claim if refund and i < claimed else 0
        item = OrderItem(order_id=order.id, product_id=product.id, quantity=quantity,
                         unit_price_minor=price_minor, paid_minor=price_minor * quantity,
                         refunded_minor=refunded)
        session.add(item)
        session.add(Shipment(order_id=order.id, courier=courier,
                             tracking_number=f"SF{order.id:010d}", shipped_at=order.shipped_at,
                             delivered_at=delivered_at))
        await session.flush()
        if i < claimed:
            await _claim(session, rt, order, item, units_per_claim, reason, evidence,
                         delivered_at + timedelta(hours=3))
        made.append(order)
    return SeededBatch(deal, made)


async def _claim(session: AsyncSession, rt: Runtime, order: Order, item: OrderItem, units: int,
                 reason: str, evidence: dict[str, Any] | None, at: datetime) -> None:
    decided = at + timedelta(days=policy.rules_for(rt.settings).review_days) < rt.clock.now()
    claim = Claim(community_id=rt.community_id, order_id=order.id, member_id=order.member_id,
                  submission_key=f"seed-{next(_serial)}-{order.id}",
                  status=CLAIM_APPROVED if decided else CLAIM_PENDING, reason=reason,
                  currency=order.currency, refund_minor=item.unit_price_minor * units,
                  evidence=evidence, submitted_at=at,
                  review_due_at=at + timedelta(days=policy.rules_for(rt.settings).review_days))
    session.add(claim)
    await session.flush()
    session.add(ClaimItem(claim_id=claim.id, order_item_id=item.id, damaged_units=units,
                          amount_minor=item.unit_price_minor * units))
    # The back-story's cards went to the reviewers when those claims came in.
    session.add(ClaimReview(claim_id=claim.id, card_posted_at=at,
                            decided_at=at + timedelta(hours=5) if decided else None,
                            decision="approve" if decided else None))
    await session.flush()


async def _backstory(d: Demo, name: str) -> None:
    rt = d.app.bot_data["groupbot.runtime"]
    now = rt.clock.now()
    async with rt.tx() as session:
        group = await session.scalar(select(Group).where(Group.chat_id == d.group.id))
        organizer = await session.scalar(select(Member).where(
            Member.telegram_id == d.organizer.id))
        for days in (30, 20, 10):  # the usual: 2 of 100 units claimed per batch
            await seed_batch(session, rt, name, group=group, organizer=organizer, orders=10,
                             claimed=2, units_per_claim=1, supplier="赣南果园",
                             delivered_at=now - timedelta(days=days))
        # Today's batch from a new packer: 12 of 100 units claimed within hours.
        await seed_batch(session, rt, name, group=group, organizer=organizer, orders=10,
                         claimed=6, units_per_claim=2, supplier="新包装厂", reason="crushed",
                         delivered_at=now - timedelta(hours=5))


async def analytics_act(d: Demo) -> None:
    name = d.m("analytics.product")
    await _backstory(d, name)
    await d.later(d.m("step.batch_alert"), minutes=d.settings.analytics_check_minutes)
    await d.tap(d.organizer, d.organizer, d.m("analytics.pause"))
    await d.act(d.m("step.paused"))
    await d.say(d.organizer, d.organizer, "/report")
    await d.act(d.m("step.report"))
    rt = d.app.bot_data["groupbot.runtime"]
    from groupbot.analytics import documents
    from groupbot.analytics.period import parse_period

    report = await documents.read(rt, parse_period("", rt.settings.tz, rt.clock.now()))
    png = (await documents.render(rt, d.locale, report)).png
    path = Path(tempfile.gettempdir()) / "groupbot-demo-report.png"
    path.write_bytes(png)
    print(d.m("analytics.saved", path=str(path)))
