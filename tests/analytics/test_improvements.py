"""Improvement records: checked fields, due dates, and the before/after check at closing."""

from __future__ import annotations

from datetime import date, timedelta

from groupbot.analytics import improvements
from groupbot.models.analytics import IMPROVEMENT_CLOSED
from groupbot.refusal import Refusal
from tests.analytics.factories import batch, organizer

TODAY = date(2026, 11, 20)


def test_due_dates_as_typed():
    assert improvements.parse_due("2026-12-15", TODAY) == date(2026, 12, 15)
    assert improvements.parse_due("12-15", TODAY) == date(2026, 12, 15)
    assert improvements.parse_due("12月15日", TODAY) == date(2026, 12, 15)
    assert improvements.parse_due("1-05", TODAY) == date(2027, 1, 5)  # past this year: next
    assert improvements.parse_due("7天", TODAY) == date(2026, 11, 27)
    assert improvements.parse_due("3d", TODAY) == date(2026, 11, 23)
    assert improvements.parse_due("下周", TODAY) == Refusal.of("due_unreadable", text="下周")
    assert improvements.parse_due("2-30", TODAY) == Refusal.of("due_unreadable", text="2-30")


async def _record(rt, s, **changes):
    values = dict(product_name="芒果", cause="装箱没有泡沫网", action="每个果套泡沫网",
                  owner="王团长", due_on=date(2026, 11, 27))
    values.update(changes)
    return await improvements.open_record(s, rt, await organizer(rt, s), **values)


async def test_a_record_needs_every_field_and_a_due_date_not_past(runtime):
    rt = runtime
    async with rt.tx() as s:
        await batch(rt, s, "芒果", orders=1)  # the community and its group
        assert await _record(rt, s, cause=" ") == Refusal.of("cause_empty")
        assert await _record(rt, s, owner="x" * 121) == Refusal.of(
            "owner_too_long", max=120, length=121)
        assert await _record(rt, s, due_on=date(2026, 11, 19)) == Refusal.of(
            "due_in_past", due="2026-11-19")
        record = await _record(rt, s, owner="  王  团长 ")
        assert (record.owner, record.status) == ("王 团长", "open")


async def test_closing_compares_up_to_n_batches_before_and_since(runtime):
    rt = runtime
    rt.settings = rt.settings.replace(analytics_compare_batches=2)
    now = rt.clock.now()
    async with rt.tx() as s:
        # Before: an old good batch (outside the 2 compared), then two bad ones.
        await batch(rt, s, "芒果", orders=10, claimed=0, delivered_at=now - timedelta(days=30))
        await batch(rt, s, "芒果", orders=10, claimed=5, units_per_claim=2,
                    delivered_at=now - timedelta(days=20))
        await batch(rt, s, "芒果", orders=10, claimed=7, units_per_claim=2,
                    delivered_at=now - timedelta(days=10))
        await batch(rt, s, "沃柑", orders=10, claimed=9, delivered_at=now - timedelta(days=5))
        record = await _record(rt, s)
    rt.clock.advance(days=10)
    async with rt.tx() as s:
        for days in (8, 5, 2):  # three since; only the first two count
            await batch(rt, s, "芒果", orders=10, claimed=1 if days > 2 else 9,
                        units_per_claim=1, delivered_at=rt.clock.now() - timedelta(days=days))
        closer = await organizer(rt, s)
        closed, check = await improvements.close_record(s, rt, record.id, closer)
    assert (check.before.part, check.before.whole, check.before_batches) == (24, 200, 2)
    assert (check.after.part, check.after.whole, check.after_batches) == (2, 200, 2)
    assert (closed.status, closed.before_claimed, closed.after_claimed) == (
        IMPROVEMENT_CLOSED, 24, 2)
    async with rt.tx() as s:
        assert await improvements.close_record(s, rt, record.id, closer) == Refusal.of(
            "improvement_closed", record=record.id)


async def test_closing_with_no_batch_since(runtime):
    rt = runtime
    async with rt.tx() as s:
        await batch(rt, s, "芒果", orders=10, claimed=3, delivered_at=rt.clock.now()
                    - timedelta(days=3))
        record = await _record(rt, s)
        _closed, check = await improvements.close_record(s, rt, record.id,
                                                         await organizer(rt, s))
    assert (check.before.part, check.before.whole, check.after_batches, check.after.whole) == (
        6, 100, 0, 0)
