"""Every dimension of a report in one pass over the period's order lines (and one over its
claims), instead of one pass per dimension.

The joins a dimension needs (the product's name, the deal's supplier, the courier of the
order's first shipment, the group) are made once, into **cells**: one row per (deal, product
name, supplier, courier, group) for the lines, one per (claim, the same keys) for the claims.
A million lines of a year collapse into some tens of thousands of cells, and each dimension
is then a GROUP BY over the cells, all in one statement (a CTE the database materialises once,
read by a UNION ALL of the dimensions). The result is exactly ``rates.figures`` per dimension
(tests/analytics/test_cells.py compares them): sums add up over the finer cells, batches are
a COUNT(DISTINCT deal) over the few cells of a key, and a claim is still counted once per key:
the order-level dimensions (total, batch, courier, group) read one row per claim (a claim is on
one order), product and supplier group the claims' cells by (key, claim) before counting.

On PostgreSQL the lines come from ``report_lines`` (the joins kept by triggers,
groupbot/models/report_lines.py); elsewhere the joins are made here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, case, cast, func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from groupbot.analytics.period import Period
from groupbot.analytics.rates import (
    DIMENSIONS,
    TOTAL,
    Figures,
    _checked_expr,
    _verified_expr,
)
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
from groupbot.models.report_lines import ReportLine


@dataclass(frozen=True)
class _Source:
    """Where a report's lines come from: their id keys (labelled), the rows to select from
    with what a key needs already joined, the period's filter, and each line's figures."""

    keys: list[Any]
    rows: Any
    where: Callable[[int, Period], list[Any]]
    item_id: Any
    quantity: Any
    paid: Any
    refunded: Any


def _source(session: AsyncSession, live: bool) -> _Source:
    """PostgreSQL: ``report_lines``, the lines already joined to their order and delivering
    shipment by the database's triggers (groupbot/models/report_lines.py). Elsewhere: those
    joins, made here. Names, suppliers and titles are joined to the cells afterwards, not to
    every line. ``live``: the joins on PostgreSQL too (benchmarks/report.py compares)."""
    if session.get_bind().dialect.name == "postgresql" and not live:
        r = ReportLine
        return _Source(
            keys=[r.deal_id.label("deal_id"), r.product_id.label("product_id"),
                  r.courier.label("courier"), r.group_id.label("group_id")],
            rows=select().select_from(r),
            where=lambda community_id, period: [r.community_id == community_id,
                                                r.delivered_at >= period.since,
                                                r.delivered_at < period.until],
            item_id=r.order_item_id, quantity=r.quantity, paid=r.paid_minor,
            refunded=r.refunded_minor)
    return _Source(
        keys=[Order.deal_id.label("deal_id"), OrderItem.product_id.label("product_id"),
              func.coalesce(Shipment.courier, "").label("courier"),
              func.coalesce(Order.group_id, 0).label("group_id")],
        # The shipment that delivered the order, as in rates._keyed("courier").
        rows=(select().select_from(OrderItem).join(Order, Order.id == OrderItem.order_id)
              .outerjoin(Shipment, (Shipment.order_id == Order.id)
                         & (Shipment.shipped_at == Order.shipped_at))),
        where=lambda community_id, period: [
            Order.community_id == community_id, Order.delivered_at >= period.since,
            Order.delivered_at < period.until, Order.status != ORDER_CANCELLED],
        item_id=OrderItem.id, quantity=OrderItem.quantity, paid=OrderItem.paid_minor,
        refunded=OrderItem.refunded_minor)


def _named(cells: Any, name: str, *columns: str) -> Any:
    """The cells with the product's name, the supplier (the deal's, else the product's) and
    the group's title: a join over the cells (tens of thousands), read once as a CTE."""
    c = cells.c
    return (select(c.deal_id, Product.name.label("product"),
                   func.coalesce(Deal.supplier, Product.supplier, "").label("supplier"),
                   c.courier, c.group_id, func.coalesce(Group.title, "").label("group_title"),
                   *(getattr(c, col) for col in columns))
            .select_from(cells).join(Product, Product.id == c.product_id)
            .outerjoin(Deal, Deal.id == c.deal_id).outerjoin(Group, Group.id == c.group_id)
            .cte(name))


def _key_of(c: Any, dimension: str) -> Any:
    """A dimension's key over a cells CTE's columns (None: the total)."""
    if dimension == TOTAL:
        return None
    if dimension == "batch":
        return c.deal_id
    return getattr(c, {"group": "group_id"}.get(dimension, dimension))


def _label_of(c: Any, dimension: str) -> Any:
    """What a line cells' key is shown as: a batch by its product, a group by its title, the
    others by the key itself (not a min(): text compared by collation row by row is slow)."""
    if dimension == TOTAL:
        return literal("")
    if dimension in ("batch", "group"):
        return func.min(getattr(c, {"batch": "product", "group": "group_title"}[dimension]))
    return getattr(c, dimension)


def _keyed(stmt: Any, c: Any, dimension: str, key: Any) -> Any:
    if dimension == "batch":
        stmt = stmt.where(c.deal_id.is_not(None))
    return stmt if key is None else stmt.group_by(key)


def _text(key: Any) -> Any:
    """Keys of every dimension in one column: as text (rates.Figures.key is text too)."""
    return (literal("") if key is None else cast(key, String)).label("key")


async def _lines(session: AsyncSession, community_id: int, period: Period, *,
                 live: bool = False) -> dict[tuple[str, str], tuple]:
    src = _source(session, live)
    cells = src.rows.add_columns(
        *src.keys, func.sum(src.quantity).label("units"), func.sum(src.paid).label("sales"),
        func.sum(src.refunded).label("refunds"),
    ).where(*src.where(community_id, period)).group_by(
        *(k.element for k in src.keys)).subquery("line_ids")
    c = _named(cells, "line_cells", "units", "sales", "refunds").c
    parts = [_keyed(select(
        literal(dimension).label("dimension"), _text(key := _key_of(c, dimension)),
        _label_of(c, dimension).label("label"), func.sum(c.units), func.sum(c.sales),
        func.sum(c.refunds), func.count(func.distinct(c.deal_id)),
    ), c, dimension, key) for dimension in (TOTAL, *DIMENSIONS)]
    rows = (await session.execute(union_all(*parts))).all()
    return {(row[0], row[1]): tuple(row[2:]) for row in rows}


WITHIN_A_CLAIM = ("product", "supplier")  # the dimensions whose key may differ within a claim


def _per_claim(c: Any) -> list[Any]:
    """A claim's figures from its cells: units add up, the rest is the claim's own."""
    return [func.sum(c.units).label("units"), func.max(c.verified).label("verified"),
            func.max(c.checked).label("checked"), func.max(c.coupon).label("coupon"),
            func.max(c.has_coupon).label("has_coupon")]


def _counted(p: Any) -> list[Any]:
    """A key's figures from one row per claim: units claimed, claims, verified, checked,
    coupon money, coupons."""
    return [func.sum(p.units), func.count(), func.sum(p.verified), func.sum(p.checked),
            func.sum(p.coupon), func.sum(p.has_coupon)]


async def _claims(session: AsyncSession, community_id: int, period: Period, *,
                  live: bool = False) -> dict[tuple[str, str], tuple]:
    src = _source(session, live)
    joins = (src.rows.join(ClaimItem, ClaimItem.order_item_id == src.item_id)
             .join(Claim, Claim.id == ClaimItem.claim_id)
             .outerjoin(Coupon, Coupon.claim_id == Claim.id))
    cells = joins.add_columns(
        Claim.id.label("claim_id"), *src.keys,
        func.sum(ClaimItem.damaged_units).label("units"),
        func.max(_verified_expr()).label("verified"), func.max(_checked_expr()).label("checked"),
        func.max(func.coalesce(Coupon.amount_minor, 0)).label("coupon"),
        func.max(case((Coupon.id.is_(None), 0), else_=1)).label("has_coupon"),
    ).where(*src.where(community_id, period)).group_by(
        Claim.id, *(k.element for k in src.keys)).cte("claim_ids")
    ids = cells.c
    # A claim is on one order (claims.submit takes its lines from that order), so its deal,
    # courier and group are one each: one row per claim serves those dimensions and the total
    # with a single GROUP BY. Product and supplier may differ within a claim: those are
    # grouped by (key, claim) first, so a claim over two lines of one supplier counts once.
    # (Grouped by those keys rather than taking their min(): a min() of text compares by
    # collation, row by row, and cost more than the rest of the query.)
    claim_rows = select(ids.claim_id, ids.deal_id, ids.courier, ids.group_id, *_per_claim(ids)
                        ).group_by(ids.claim_id, ids.deal_id, ids.courier, ids.group_id
                                   ).cte("claim_rows")
    named = _named(cells, "claim_cells", "claim_id", "units", "verified", "checked", "coupon",
                   "has_coupon").c
    parts = []
    for dimension in (TOTAL, *DIMENSIONS):
        if dimension in WITHIN_A_CLAIM:
            key = _key_of(named, dimension)
            per = (select(_text(key), *_per_claim(named)).group_by(key, named.claim_id)
                   .subquery().c)
            parts.append(select(literal(dimension).label("dimension"), per.key, *_counted(per))
                         .group_by(per.key))
        else:
            c = claim_rows.c
            key = _key_of(c, dimension)
            parts.append(_keyed(select(literal(dimension).label("dimension"), _text(key),
                                       *_counted(c)), c, dimension, key))
    rows = (await session.execute(union_all(*parts))).all()
    return {(row[0], row[1]): tuple(int(v or 0) for v in row[2:]) for row in rows}


async def all_figures(session: AsyncSession, community_id: int, period: Period, min_sample: int
                      ) -> dict[str, list[Figures]]:
    """The rows of the total and of every dimension, each sorted as ``rates.figures``."""
    lines = await _lines(session, community_id, period)
    claims = await _claims(session, community_id, period)
    out: dict[str, list[Figures]] = {d: [] for d in (TOTAL, *DIMENSIONS)}
    for (dimension, key), (label, units, sales, refunded, batches) in lines.items():
        if dimension == TOTAL and not units:
            continue  # an empty period: its total has no lines
        claimed, n, verified, checked, coupon, coupons = claims.get((dimension, key),
                                                                    (0, 0, 0, 0, 0, 0))
        out[dimension].append(Figures(
            dimension=dimension, key=key, label=str(label or ""),
            units_delivered=int(units), units_claimed=claimed, sales_minor=int(sales),
            refund_minor=int(refunded or 0), claims=n, verified_claims=verified,
            checked_claims=checked, coupon_minor=coupon, coupons=coupons, batches=int(batches),
            min_sample=min_sample))
    for rows in out.values():
        rows.sort(key=lambda f: (-f.units_claimed, -f.units_delivered, f.label))
    return out
