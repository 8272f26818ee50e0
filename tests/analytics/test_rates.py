"""Rates with their denominators, per dimension, aggregated in the database."""

from __future__ import annotations

from datetime import timedelta

from groupbot.analytics import rates
from groupbot.analytics.period import last_days
from groupbot.models import Shipment
from tests.analytics.factories import UNVERIFIED, VERIFIED, batch


async def test_rates_by_product_supplier_courier_and_batch(runtime):
    rt = runtime
    now = rt.clock.now()
    async with rt.tx() as s:
        first = await batch(rt, s, "芒果", orders=10, claimed=3, supplier="海南果园",
                            courier="顺丰", evidence=VERIFIED, refund=True,
                            delivered_at=now - timedelta(days=1))
        # A reship later on: not a second delivery, and not the order's courier.
        s.add(Shipment(order_id=first.orders[0].id, courier="京东", tracking_number="JD1",
                       shipped_at=now))
        await batch(rt, s, "芒果", orders=5, claimed=1, supplier="广西果园", courier="中通",
                    evidence=UNVERIFIED, delivered_at=now - timedelta(days=2))
        await batch(rt, s, "沃柑", orders=4, claimed=0, supplier="广西果园", courier="中通",
                    delivered_at=now - timedelta(days=3))
        # Delivered before the period: not in the cohort.
        await batch(rt, s, "沃柑", orders=4, claimed=4, delivered_at=now - timedelta(days=20))
    period = last_days(7, rt.settings.tz, now)
    async with rt.tx() as s:
        total = await rates.figures(s, rt.community_id, period, rates.TOTAL, 30)
        by_product = await rates.figures(s, rt.community_id, period, "product", 30)
        by_supplier = await rates.figures(s, rt.community_id, period, "supplier", 30)
        by_courier = await rates.figures(s, rt.community_id, period, "courier", 30)
        by_batch = await rates.figures(s, rt.community_id, period, "batch", 30)
    [t] = total
    assert (t.units_delivered, t.units_claimed, t.claims, t.batches) == (190, 8, 4, 3)
    assert (t.verified_claims, t.checked_claims) == (3, 4)
    assert (t.sales_minor, t.refund_minor) == (95_000, 3_000)
    assert [(f.label, f.units_delivered, f.units_claimed, f.claims) for f in by_product] == [
        ("芒果", 150, 8, 4), ("沃柑", 40, 0, 0)]
    assert [(f.label, f.units_delivered, f.units_claimed) for f in by_supplier] == [
        ("海南果园", 100, 6), ("广西果园", 90, 2)]
    assert [(f.label, f.units_delivered, f.units_claimed) for f in by_courier] == [
        ("顺丰", 100, 6), ("中通", 90, 2)]
    assert [(f.label, f.units_delivered, f.units_claimed) for f in by_batch] == [
        ("芒果", 100, 6), ("芒果", 50, 2), ("沃柑", 40, 0)]
    mango = by_product[0]
    assert mango.claim_rate.enough and round(mango.claim_rate.value, 4) == round(8 / 150, 4)
    assert mango.refund_share == 3_000 / 75_000


async def test_top_reasons_pareto(runtime):
    rt = runtime
    now = rt.clock.now()
    async with rt.tx() as s:
        await batch(rt, s, "芒果", orders=10, claimed=6, reason="rotten")
        await batch(rt, s, "芒果", orders=10, claimed=3, reason="crushed")
        await batch(rt, s, "芒果", orders=10, claimed=1, reason="missing", units_per_claim=5)
    period = last_days(7, rt.settings.tz, now)
    async with rt.tx() as s:
        reasons = await rates.top_reasons(s, rt.community_id, period)
    assert [(r.reason, r.claims, r.units) for r in reasons] == [
        ("rotten", 6, 12), ("crushed", 3, 6), ("missing", 1, 5)]
    assert [round(r.cumulative_share, 2) for r in reasons] == [0.6, 0.9, 1.0]


async def test_nothing_delivered_gives_no_rows(runtime):
    rt = runtime
    period = last_days(7, rt.settings.tz, rt.clock.now())
    async with rt.tx() as s:
        assert await rates.figures(s, rt.community_id, period, rates.TOTAL, 30) == []
        assert await rates.figures(s, rt.community_id, period, "product", 30) == []
        assert await rates.top_reasons(s, rt.community_id, period) == []
