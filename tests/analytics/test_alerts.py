"""Batch alerts at their edges: sample sizes, the interval rule, once per deal, the window."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

import messages
from groupbot import notify
from groupbot.analytics import alerts
from groupbot.analytics.intervals import Rate
from groupbot.demo.analytics import buyers
from groupbot.models import OutboxMessage
from groupbot.models.analytics import BatchAlert
from groupbot.models.community import ROLE_ORGANIZER
from groupbot.people import grant_role, mark_started
from tests.analytics.factories import batch

REVIEW_CHAT = -1_009_000_001


async def _history(rt, s, name="芒果", claimed_each=2):
    """Three earlier batches of 100 units, 2 claimed each: 6/300, upper bound 4.29%."""
    now = rt.clock.now()
    for days in (30, 20, 10):
        await batch(rt, s, name, orders=10, claimed=claimed_each, units_per_claim=1,
                    delivered_at=now - timedelta(days=days))


async def _organizer(rt, s):
    [wang] = await buyers(s, 1)
    mark_started(wang, rt.clock.now())
    await grant_role(s, rt.community_id, wang, ROLE_ORGANIZER)
    return wang


def test_the_rule_needs_enough_sample_on_both_sides_and_no_overlap():
    baseline = Rate(6, 300, 30)
    assert alerts.clearly_above(Rate(9, 100, 30), baseline)
    assert not alerts.clearly_above(Rate(8, 100, 30), baseline)  # intervals still overlap
    assert not alerts.clearly_above(Rate(29, 29, 30), baseline)  # batch under the minimum
    assert not alerts.clearly_above(Rate(50, 100, 30), Rate(0, 29, 30))  # no usual rate yet


@pytest.mark.parametrize(("claimed", "raised"), [(9, 1), (8, 0)])
async def test_a_batch_alerts_just_past_the_baseline_upper_bound(runtime, claimed, raised):
    rt = runtime
    async with rt.tx() as s:
        await _history(rt, s)
        bad = await batch(rt, s, "芒果", orders=10, claimed=claimed, units_per_claim=1,
                          delivered_at=rt.clock.now() - timedelta(hours=5))
        # Another product's bad batch does not count as mango history.
        await batch(rt, s, "沃柑", orders=10, claimed=10, units_per_claim=5,
                    delivered_at=rt.clock.now() - timedelta(days=15))
    assert await alerts.check_batches(rt, None) == raised
    async with rt.tx() as s:
        rows = list(await s.scalars(select(BatchAlert)))
    assert [(a.deal_id, a.units_claimed, a.units_delivered, a.baseline_claimed,
             a.baseline_units, a.baseline_batches) for a in rows] == (
        [(bad.deal.id, 9, 100, 6, 300, 3)] if raised else [])


async def test_small_batches_and_new_products_never_alert(runtime):
    rt = runtime
    rt.settings = rt.settings.replace(analytics_check_minutes=1)
    async with rt.tx() as s:
        await _history(rt, s)
        await batch(rt, s, "芒果", orders=2, quantity=10, claimed=2, units_per_claim=10,
                    delivered_at=rt.clock.now() - timedelta(hours=2))  # 20/20, but only 20
        await batch(rt, s, "榴莲", orders=10, claimed=10, units_per_claim=5,
                    delivered_at=rt.clock.now() - timedelta(hours=2))  # no history at all
    assert await alerts.check_batches(rt, None) == 0


async def test_alerts_once_to_organizers_with_actions_and_to_reviewers(runtime):
    rt = runtime
    rt.settings = rt.settings.replace(reviewers_chat_id=REVIEW_CHAT, analytics_check_minutes=10)
    async with rt.tx() as s:
        await _history(rt, s)
        wang = await _organizer(rt, s)
        bad = await batch(rt, s, "芒果", orders=10, claimed=6, units_per_claim=2,
                          delivered_at=rt.clock.now() - timedelta(hours=5))
    assert await alerts.check_batches(rt, None) == 1
    rt.clock.advance(minutes=5)
    assert await alerts.check_batches(rt, None) == 0  # not due: the check runs every 10 min
    rt.clock.advance(minutes=10)
    assert await alerts.check_batches(rt, None) == 0  # due, but this deal has alerted
    async with rt.tx() as s:
        alert = await s.scalar(select(BatchAlert))
        sent = {m.chat_id: await notify.render_row(s, rt, m) for m in await s.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "batch_alert"))}
    assert set(sent) == {wang.telegram_id, REVIEW_CHAT}
    check = alerts.BatchCheck(bad.deal.id, "芒果", bad.orders[0].delivered_at,
                              Rate(12, 100, 30), Rate(6, 300, 30), 3)
    text = alerts.alert_text("zh-Hans", rt, check, alert.id)
    assert sent[wang.telegram_id] == (text, [
        [(messages.t("zh-Hans", "reports.alert.button.pause"), f"an:pause:{alert.id}")],
        [(messages.t("zh-Hans", "reports.alert.button.note"), f"an:note:{alert.id}")],
        [(messages.t("zh-Hans", "reports.alert.button.improve"), f"an:imp:{alert.id}")]])
    assert sent[REVIEW_CHAT] == (
        text + "\n\n" + messages.t("zh-Hans", "reports.alert.for_reviewers"), None)


async def test_batches_delivered_long_ago_are_no_longer_watched(runtime):
    rt = runtime
    async with rt.tx() as s:
        await _history(rt, s)
        await batch(rt, s, "芒果", orders=10, claimed=9, units_per_claim=2,
                    delivered_at=rt.clock.now() - timedelta(hours=48 + 25))
    assert await alerts.check_batches(rt, None) == 0
