"""What is due next (the playground's "next" clock button): the earliest future thing any
periodic job will act on, read-only."""

from __future__ import annotations

from datetime import timedelta

from groupbot import notify, upcoming
from groupbot.models import Deal, Draft, Product

from .factories import group_row, member


async def test_nothing_scheduled(runtime):
    async with runtime.tx() as session:
        await group_row(runtime, session)
        assert await upcoming.next_due(session, runtime) is None


async def test_the_earliest_of_a_reminder_a_deal_closing_and_an_idle_claim(runtime):
    now = runtime.clock.now()
    async with runtime.tx() as session:
        group = await group_row(runtime, session)
        wang = await member(runtime, session, 11, "王团长")
        await notify.enqueue(session, runtime, notify.Outgoing(
            key="r1", kind="order_claim_reminder", chat_id=11, message="x",
            not_before=now + timedelta(hours=5)))
        await notify.enqueue(session, runtime, notify.Outgoing(  # already due: not "next"
            key="r0", kind="order_claim_reminder", chat_id=11, message="x", not_before=now))
        product = Product(community_id=runtime.community_id, name="橙子")
        session.add(product)
        await session.flush()
        session.add(Deal(community_id=runtime.community_id, group_id=group.id,
                         product_id=product.id, organizer_id=wang.id, currency="CNY",
                         unit_price_minor=500, closes_at=now + timedelta(hours=3)))
        await session.flush()
        assert await upcoming.next_due(session, runtime) == (
            now + timedelta(hours=3), upcoming.DEAL_CLOSE)
        session.add(Draft(member_id=wang.id, kind="claim", step="units", data={},
                          status="active", updated_at=now - timedelta(minutes=1)))
        await session.flush()
        idle = timedelta(minutes=runtime.settings.claim_idle_minutes)
        assert await upcoming.next_due(session, runtime) == (
            now - timedelta(minutes=1) + idle, upcoming.CLAIM_IDLE)
    runtime.clock.advance(hours=4)
    async with runtime.tx() as session:
        assert await upcoming.next_due(session, runtime) == (
            now + timedelta(hours=5), upcoming.REMINDER)
