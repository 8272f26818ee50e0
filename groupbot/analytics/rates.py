"""Claim and refund rates by product, batch, supplier, courier and group, with denominators.

The cohort is what was delivered in the period: its units are the denominator, and the units
claimed are those of claims on these very order lines (whenever filed), so a rate never mixes
one week's claims with another week's deliveries. Every figure is one GROUP BY in the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, case, func, literal, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from groupbot.analytics.intervals import Rate
from groupbot.analytics.period import Period
from groupbot.models import (
    Claim,
    ClaimItem,
    Coupon,
    Deal,
    Group,
    Order,
    OrderItem,
    Product,
    Shipment,
)
from groupbot.models.orders import ORDER_CANCELLED

DIMENSIONS = ("product", "batch", "supplier", "courier", "group")
TOTAL = "total"


@dataclass(frozen=True)
class Figures:
    """One row of a report: a product, a batch, ... or the total."""

    dimension: str
    key: str
    label: str
    units_delivered: int
    units_claimed: int
    sales_minor: int
    refund_minor: int
    claims: int
    verified_claims: int  # tracking number matched and goods found on the photos
    checked_claims: int  # claims whose photos the evidence engine looked at
    coupon_minor: int
    coupons: int
    batches: int
    min_sample: int

    @property
    def claim_rate(self) -> Rate:
        return Rate(self.units_claimed, self.units_delivered, self.min_sample)

    @property
    def verified(self) -> Rate:
        return Rate(self.verified_claims, self.checked_claims, self.min_sample)

    @property
    def refund_share(self) -> float | None:
        """Refunds as a share of what was paid (money stays integer; the share is a ratio)."""
        return self.refund_minor / self.sales_minor if self.sales_minor else None


async def tune(session: AsyncSession) -> None:
    """PostgreSQL settings for this transaction's report queries. A period is a range of
    parameters whose width changes everything, so plan each query for its own values (a cached
    generic plan was seen to nest-loop over a whole year); and give the GROUP BYs room to hash
    in memory instead of sorting on disk. No JIT: at a million lines its compiling took 4 of
    the query's 5 seconds (benchmarks/report.py), for plans that run once."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
        await session.execute(text("SET LOCAL work_mem = '32MB'"))
        await session.execute(text("SET LOCAL jit = off"))


def claimed_per_line() -> Any:
    """Units claimed per order line, over all its claims (a subquery to outer-join)."""
    return (select(ClaimItem.order_item_id, func.sum(ClaimItem.damaged_units).label("units"))
            .group_by(ClaimItem.order_item_id).subquery("claimed"))


def _delivered(stmt: Select, community_id: int, period: Period) -> Select:
    return stmt.where(Order.community_id == community_id, Order.delivered_at >= period.since,
                      Order.delivered_at < period.until, Order.status != ORDER_CANCELLED)


def _keyed(stmt: Select, dimension: str) -> tuple[Select, ColumnElement | None, Any]:
    """Join what the dimension needs; (statement, key, label) — key None for the total.
    ``stmt`` selects from order_items joined to orders; only what a key needs is joined, as
    every join is one more probe for each of (up to) a million rows."""
    product = OrderItem.product_id == Product.id
    if dimension == TOTAL:
        return stmt, None, literal("")
    if dimension == "product":
        return stmt.join(Product, product), Product.name, func.min(Product.name)
    if dimension == "batch":
        return (stmt.join(Product, product).where(Order.deal_id.is_not(None)), Order.deal_id,
                func.min(Product.name))
    if dimension == "supplier":
        stmt = stmt.join(Product, product).outerjoin(Deal, Deal.id == Order.deal_id)
        key = func.coalesce(Deal.supplier, Product.supplier, "")
        return stmt, key, func.min(key)
    if dimension == "courier":
        # The shipment that delivered the order: the one shipped when the order was (a later
        # one, a reship, is not a second delivery). A plain equi-join, so it hashes.
        stmt = stmt.outerjoin(Shipment, (Shipment.order_id == Order.id)
                              & (Shipment.shipped_at == Order.shipped_at))
        key = func.coalesce(Shipment.courier, "")
        return stmt, key, func.min(key)
    if dimension == "group":
        stmt = stmt.outerjoin(Group, Group.id == Order.group_id)
        return stmt, func.coalesce(Order.group_id, 0), func.min(func.coalesce(Group.title, ""))
    raise ValueError(f"unknown dimension {dimension!r}")


def _verified_expr() -> ColumnElement:
    evidence = Claim.evidence
    matched = func.coalesce(evidence["tracking_match"].as_boolean(), False)
    goods = func.coalesce(evidence["goods_found"].as_boolean(), False)
    return case((matched & goods, 1), else_=0)


def _checked_expr() -> ColumnElement:
    return case((func.coalesce(Claim.evidence["checked"].as_boolean(), False), 1), else_=0)


async def _lines(session: AsyncSession, community_id: int, period: Period, dimension: str
                 ) -> dict[Any, tuple]:
    """Per key: label, units delivered, sales, refunds, batches (the claims are counted from
    the claims' side, a few percent of the rows)."""
    base = select().select_from(OrderItem).join(Order, Order.id == OrderItem.order_id)
    stmt, key, label = _keyed(_delivered(base, community_id, period), dimension)
    grouping = [Order.deal_id] if key is None else [key, Order.deal_id]
    # Per (key, deal) first: the batches are then counted without a COUNT(DISTINCT), which
    # would sort every line. (The total has no key: PostgreSQL refuses a constant GROUP BY.)
    per_deal = stmt.add_columns(
        (literal("") if key is None else key).label("key"), label.label("label"),
        Order.deal_id.label("deal_id"),
        func.sum(OrderItem.quantity).label("units"),
        func.sum(OrderItem.paid_minor).label("sales"),
        func.sum(OrderItem.refunded_minor).label("refunds"),
    ).group_by(*grouping).subquery("per_deal")
    c = per_deal.c
    totals = select(c.key, func.min(c.label), func.coalesce(func.sum(c.units), 0),
                    func.coalesce(func.sum(c.sales), 0), func.coalesce(func.sum(c.refunds), 0),
                    func.count(c.deal_id)).group_by(c.key)
    rows = (await session.execute(totals)).all()
    return {row[0]: tuple(row[1:]) for row in rows}


async def _claims(session: AsyncSession, community_id: int, period: Period, dimension: str
                  ) -> dict[Any, tuple]:
    """Per key: units claimed, claims, verified, checked, coupon money, coupons."""
    base = (select().select_from(ClaimItem).join(Claim, Claim.id == ClaimItem.claim_id)
            .join(OrderItem, OrderItem.id == ClaimItem.order_item_id)
            .join(Order, Order.id == OrderItem.order_id)
            .outerjoin(Coupon, Coupon.claim_id == Claim.id))
    stmt, key, _label = _keyed(_delivered(base, community_id, period), dimension)
    grouping = [Claim.id] if key is None else [key, Claim.id]
    # One row per (key, claim) first, so a claim over two lines of one product counts once.
    per_claim = stmt.add_columns(
        (literal("") if key is None else key).label("key"), func.sum(ClaimItem.damaged_units).label("units"),
        func.max(_verified_expr()).label("verified"), func.max(_checked_expr()).label("checked"),
        func.max(func.coalesce(Coupon.amount_minor, 0)).label("coupon"),
        func.max(case((Coupon.id.is_(None), 0), else_=1)).label("has_coupon"),
    ).group_by(*grouping).subquery("per_claim")
    totals = select(
        per_claim.c.key, func.sum(per_claim.c.units), func.count(),
        func.sum(per_claim.c.verified), func.sum(per_claim.c.checked),
        func.sum(per_claim.c.coupon), func.sum(per_claim.c.has_coupon),
    ).group_by(per_claim.c.key)
    rows = (await session.execute(totals)).all()
    return {row[0]: tuple(int(v or 0) for v in row[1:]) for row in rows}


async def figures(session: AsyncSession, community_id: int, period: Period, dimension: str,
                  min_sample: int) -> list[Figures]:
    """The rows of one dimension (or the total), most units claimed first."""
    lines = await _lines(session, community_id, period, dimension)
    claims = await _claims(session, community_id, period, dimension)
    out = []
    for key, (label, units, sales, refunded, batches) in lines.items():
        claimed, n, verified, checked, coupon, coupons = claims.get(key, (0, 0, 0, 0, 0, 0))
        if dimension == TOTAL and not units:
            continue
        out.append(Figures(
            dimension=dimension, key=str(key), label=str(label or ""),
            units_delivered=int(units), units_claimed=int(claimed), sales_minor=int(sales),
            refund_minor=int(refunded), claims=n, verified_claims=verified,
            checked_claims=checked, coupon_minor=coupon, coupons=coupons, batches=int(batches),
            min_sample=min_sample))
    out.sort(key=lambda f: (-f.units_claimed, -f.units_delivered, f.label))
    return out


@dataclass(frozen=True)
class Reason:
    reason: str
    claims: int
    units: int
    cumulative_share: float  # of all claims, this reason and the ones above it (Pareto)


async def top_reasons(session: AsyncSession, community_id: int, period: Period) -> list[Reason]:
    """Claims on the period's deliveries by reason, most frequent first, with the running share."""
    units = (select(ClaimItem.claim_id, func.sum(ClaimItem.damaged_units).label("units"))
             .group_by(ClaimItem.claim_id).subquery("claim_units"))
    stmt = _delivered(
        select(Claim.reason, func.count(Claim.id), func.coalesce(func.sum(units.c.units), 0))
        .join(Order, Order.id == Claim.order_id)
        .outerjoin(units, units.c.claim_id == Claim.id), community_id, period,
    ).group_by(Claim.reason)
    rows = sorted(((str(r), int(n), int(u)) for r, n, u in (await session.execute(stmt)).all()),
                  key=lambda row: (-row[1], -row[2], row[0]))
    total = sum(n for _, n, _ in rows) or 1
    out, running = [], 0
    for reason, n, u in rows:
        running += n
        out.append(Reason(reason, n, u, running / total))
    return out


def worst(rows: Sequence[Figures], limit: int) -> list[Figures]:
    """The rows to name first: enough sample, highest lower bound of the claim rate."""
    ranked = [r for r in rows if r.claim_rate.enough and r.units_claimed]
    ranked.sort(key=lambda r: (-r.claim_rate.low, r.label))
    return ranked[:limit]
