"""Courier vs supplier: the damage claims' answers to 外包装是否完好？ (issue 15's packaging
question, read by the report)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from sqlalchemy import select, update

from groupbot.analytics import report as report_
from groupbot.analytics.csvfile import PACKAGING_COLUMNS, render_csv
from groupbot.analytics.packaging import Side, packaging
from groupbot.analytics.period import last_days
from groupbot.analytics.summary import summary
from groupbot.models import Claim, Order
from tests.analytics.factories import batch, t


async def _answer(s, deal_id: int, answers: list[str]) -> None:
    ids = list(await s.scalars(select(Claim.id).join(Order, Order.id == Claim.order_id)
                               .where(Order.deal_id == deal_id).order_by(Claim.id)))
    for claim_id, answer in zip(ids, answers, strict=True):
        await s.execute(update(Claim).where(Claim.id == claim_id).values(packaging=answer))


async def test_damaged_packaging_by_courier_intact_by_supplier(runtime):
    rt = runtime
    now = rt.clock.now()
    async with rt.tx() as s:
        sf = await batch(rt, s, "芒果", orders=10, claimed=4, reason="crushed",
                         supplier="海南果园", courier="顺丰", delivered_at=now - timedelta(days=1))
        await _answer(s, sf.deal.id, ["damaged", "damaged", "damaged", "intact"])
        zt = await batch(rt, s, "芒果", orders=10, claimed=3, reason="crushed",
                         supplier="广西果园", courier="中通", delivered_at=now - timedelta(days=2))
        await _answer(s, zt.deal.id, ["intact", "intact", "photo"])
        # Not asked (rotten), and delivered before the period: neither counts.
        await batch(rt, s, "芒果", orders=5, claimed=2, reason="rotten",
                    delivered_at=now - timedelta(days=1))
        old = await batch(rt, s, "芒果", orders=5, claimed=2, reason="crushed",
                          delivered_at=now - timedelta(days=30))
        await _answer(s, old.deal.id, ["damaged", "damaged"])
    period = last_days(7, rt.settings.tz, now)
    async with rt.tx() as s:
        found = await packaging(s, rt.community_id, period)
        built = await report_.build(s, rt.community_id, period, now=now,
                                    currency=rt.settings.currency, min_sample=30,
                                    tz=rt.settings.tz)
    assert found.by_courier == [Side("顺丰", 3, 1, 0), Side("中通", 0, 2, 1)]
    assert found.by_supplier == [Side("广西果园", 0, 2, 1), Side("海南果园", 3, 1, 0)]
    assert found.answered == 7
    text = summary("zh-Hans", built, payout_days=3, review_days=2).split("\n")
    assert t("reports.packaging", answered=7, damaged=3, couriers="顺丰 3", intact=3,
             suppliers="广西果园 2；海南果园 1", photo=1) in text
    rows = list(csv.reader(io.StringIO(render_csv("zh-Hans", built).decode("utf-8-sig"))))
    header = rows.index([t(f"reports.csv.packaging.{c}") for c in PACKAGING_COLUMNS])
    courier, supplier = t("reports.csv.packaging.courier"), t("reports.csv.packaging.supplier")
    assert rows[header + 1:] == [[courier, "顺丰", "3", "1", "0"],
                                 [courier, "中通", "0", "2", "1"],
                                 [supplier, "广西果园", "0", "2", "1"],
                                 [supplier, "海南果园", "3", "1", "0"]]


async def test_no_packaging_answers_no_line(runtime):
    rt = runtime
    now = rt.clock.now()
    async with rt.tx() as s:
        await batch(rt, s, "芒果", orders=10, claimed=2, reason="rotten")
    period = last_days(7, rt.settings.tz, now)
    async with rt.tx() as s:
        built = await report_.build(s, rt.community_id, period, now=now,
                                    currency=rt.settings.currency, min_sample=30,
                                    tz=rt.settings.tz)
    assert built.packaging.answered == 0
    text = str(summary("zh-Hans", built, payout_days=3, review_days=2))
    assert "外包装" not in text
