"""The one-pass report (cells.all_figures) gives exactly what each dimension's own queries give
(rates.figures), on a dataset with the awkward cases: a claim over two lines of two products,
a storefront order outside any deal, a supplier on the product only, an order never shipped,
a reship, a coupon, two groups, a line delivered before the period."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select, text, update

from groupbot.analytics import cells, rates
from groupbot.analytics.period import last_days
from groupbot.models import Claim, ClaimItem, Coupon, Order, OrderItem, Product, Shipment
from groupbot.models.orders import ORDER_CANCELLED, ORDER_DELIVERED
from groupbot.models.report_lines import ReportLine
from tests.analytics.factories import UNVERIFIED, VERIFIED, batch, organizer
from tests.factories import group_row


async def _dataset(rt, s) -> None:
    now = rt.clock.now()
    other = await group_row(rt, s, chat_id=-1002, title="沃柑团")
    first = await batch(rt, s, "芒果", orders=12, claimed=4, supplier="海南果园", courier="顺丰",
                        evidence=VERIFIED, refund=True, delivered_at=now - timedelta(days=1))
    await batch(rt, s, "芒果", orders=6, claimed=2, supplier="广西果园", courier="中通",
                evidence=UNVERIFIED, group=other, delivered_at=now - timedelta(days=2))
    await batch(rt, s, "沃柑", orders=5, claimed=1, courier="中通", quantity=4,
                delivered_at=now - timedelta(days=3))
    await batch(rt, s, "沃柑", orders=4, claimed=4, delivered_at=now - timedelta(days=20))
    s.add(Shipment(order_id=first.orders[0].id, courier="京东", tracking_number="JD1",
                   shipped_at=now))  # a reship: not the order's courier
    # A storefront order of two products (one with its supplier on the product), never
    # shipped, with one claim over both lines and a coupon for it.
    buyer = await organizer(rt, s)
    apples = Product(community_id=rt.community_id, name="苹果", unit="个", perishable=True,
                     supplier="烟台果园")
    mango = Product(community_id=rt.community_id, name="芒果", unit="个", perishable=True)
    s.add_all([apples, mango])
    await s.flush()
    order = Order(community_id=rt.community_id, member_id=buyer.id, group_id=other.id,
                  source="api", currency=rt.settings.currency, status=ORDER_DELIVERED,
                  placed_at=now - timedelta(days=3), delivered_at=now - timedelta(days=2))
    s.add(order)
    await s.flush()
    lines = [OrderItem(order_id=order.id, product_id=p.id, quantity=q, unit_price_minor=300,
                       paid_minor=300 * q, refunded_minor=0) for p, q in ((apples, 6), (mango, 3))]
    s.add_all(lines)
    await s.flush()
    claim = Claim(community_id=rt.community_id, order_id=order.id, member_id=buyer.id,
                  submission_key="cells-1", status="coupon", reason="crushed",
                  currency=order.currency, refund_minor=0, evidence=VERIFIED,
                  submitted_at=now - timedelta(days=1), review_due_at=now + timedelta(days=1))
    s.add(claim)
    await s.flush()
    s.add_all([ClaimItem(claim_id=claim.id, order_item_id=lines[0].id, damaged_units=2,
                         amount_minor=600),
               ClaimItem(claim_id=claim.id, order_item_id=lines[1].id, damaged_units=1,
                         amount_minor=300),
               Coupon(community_id=rt.community_id, member_id=buyer.id, claim_id=claim.id,
                      currency=order.currency, amount_minor=800,
                      expires_at=now + timedelta(days=30))])
    await s.flush()


async def test_one_pass_equals_each_dimension(runtime):
    rt = runtime
    async with rt.tx() as s:
        await _dataset(rt, s)
    for days in (7, 30):
        period = last_days(days, rt.settings.tz, rt.clock.now())
        async with rt.tx() as s:
            await rates.tune(s)
            together = await cells.all_figures(s, rt.community_id, period, 30)
            apart = {d: await rates.figures(s, rt.community_id, period, d, 30)
                     for d in (rates.TOTAL, *rates.DIMENSIONS)}
        assert together == apart
    # The dataset does reach every case the comparison is meant to cover.
    [total] = together[rates.TOTAL]
    assert (total.units_delivered, total.claims, total.coupons, total.coupon_minor) == (
        12 * 10 + 6 * 10 + 5 * 4 + 4 * 10 + 9, 12, 1, 800)
    assert {f.label for f in together["supplier"]} == {"海南果园", "广西果园", "烟台果园", ""}
    assert {f.label for f in together["courier"]} == {"顺丰", "中通", ""}
    assert {f.label for f in together["group"]} == {"芒果团", "沃柑团"}
    assert [f.claims for f in together["product"] if f.label in ("芒果", "苹果")] == [7, 1]


async def test_one_pass_of_an_empty_period(runtime):
    rt = runtime
    period = last_days(7, rt.settings.tz, rt.clock.now())
    async with rt.tx() as s:
        found = await cells.all_figures(s, rt.community_id, period, 30)
    assert found == {d: [] for d in (rates.TOTAL, *rates.DIMENSIONS)}


async def _lines_rows(s) -> list[tuple]:
    return [tuple(r) for r in (await s.execute(
        select(ReportLine.__table__).order_by(ReportLine.order_item_id))).all()]


async def test_the_lines_follow_every_change(runtime):
    """A refund (a plain UPDATE, as decisions make it), a cancellation, a late delivery, a
    reship, a corrected courier and a deleted line: the one pass still equals each dimension's
    own queries, and on PostgreSQL the trigger-kept report_lines equal a rebuild."""
    rt = runtime
    now = rt.clock.now()
    async with rt.tx() as s:
        await _dataset(rt, s)
    async with rt.tx() as s:
        orders = list(await s.scalars(select(Order).order_by(Order.id)))
        first, second, third = orders[0], orders[1], orders[12]
        item = await s.scalar(select(OrderItem).where(OrderItem.order_id == first.id))
        await s.execute(update(OrderItem).where(OrderItem.id == item.id)
                        .values(refunded_minor=OrderItem.refunded_minor + 500))
        second.status = ORDER_CANCELLED
        third.delivered_at = now - timedelta(days=40)  # out of both periods now
        s.add(Shipment(order_id=orders[2].id, courier="京东", tracking_number="JD2",
                       shipped_at=now))  # a reship: no change of courier
        shipment = await s.scalar(select(Shipment).where(Shipment.order_id == orders[3].id))
        shipment.courier = "韵达"  # corrected
        gone = await s.scalar(select(OrderItem).where(OrderItem.order_id == orders[4].id))
        await s.execute(delete(ClaimItem).where(ClaimItem.order_item_id == gone.id))
        await s.delete(gone)
    for days in (7, 30):
        period = last_days(days, rt.settings.tz, now)
        async with rt.tx() as s:
            await rates.tune(s)
            together = await cells.all_figures(s, rt.community_id, period, 30)
            apart = {d: await rates.figures(s, rt.community_id, period, d, 30)
                     for d in (rates.TOTAL, *rates.DIMENSIONS)}
        assert together == apart
    assert "韵达" in {f.label for f in together["courier"]}
    if rt.engine.dialect.name != "postgresql":
        return
    async with rt.tx() as s:
        kept = await _lines_rows(s)
        # 12 + 6 + 5 + 4 delivered lines and the storefront's 2, less the cancelled order's
        # and the deleted line; the order delivered 40 days ago still has its row.
        assert len(kept) == 12 + 6 + 5 + 4 + 2 - 1 - 1
        await s.execute(text("SELECT report_lines_rebuild()"))
        assert await _lines_rows(s) == kept
