"""Two bot processes on one PostgreSQL schema: their periodic work runs at the same time, and
each message, reviewer card and broadcast send goes out exactly once; one leader, failover."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest
from sqlalchemy import select

from groupbot.models import OutboxMessage
from groupbot.models.messaging import OUTBOX_SENT
from groupbot.scale.leader import is_leading, leadership_of
from handlers.broadcasts_delivery import running
from handlers.ticks import tick_now
from tests.broadcasts.helpers import compose_text, organizer_with_groups, send_now, started_members
from tests.reviews.helpers import REVIEW_SETTINGS, cast, submitted_claim
from tests.scale.helpers import replica, shipped_orders, wait_until

BROADCAST = "今晚 8 点取货"


@pytest.mark.settings(**REVIEW_SETTINGS)
async def test_two_processes_ticking_together_send_everything_exactly_once(bot, database):
    c, [group] = await organizer_with_groups(bot)
    people = await started_members(bot, 40)
    reviewers = cast(bot)
    claim_ids = [await submitted_claim(bot, reviewers.ming, post=False) for _ in range(4)]
    await shipped_orders(bot, people)
    screen = await compose_text(bot, c.organizer, BROADCAST)
    other = await replica(bot, database[1])
    try:
        # Both tick on their timers (every 0.2 s) and are kicked on top, at the same moments.
        await send_now(bot, c.organizer, screen, "全部群和全部成员", wait=False)
        for _ in range(5):
            await asyncio.gather(tick_now(bot.app), tick_now(other.app),
                                 tick_now(bot.app), tick_now(other.app))
        await wait_until(lambda: all(
            BROADCAST in [m["html"] for m in bot.sb.bot_messages(p)] for p in people))
        await wait_until(lambda: not running(bot.app) and not running(other.app))
        await asyncio.gather(tick_now(bot.app), tick_now(other.app))
        await bot.settle()
        async with bot.rt.tx() as s:
            unsent = list(await s.execute(select(OutboxMessage.kind, OutboxMessage.status)
                                          .where(OutboxMessage.status != OUTBOX_SENT,
                                                 OutboxMessage.not_before <= bot.clock.now())))
        assert unsent == []  # everything due went out
        async with bot.rt.tx() as s:
            owed = Counter(await s.scalars(select(OutboxMessage.chat_id)
                                           .where(OutboxMessage.status == OUTBOX_SENT)))
    finally:
        await other.stop()

    for person in [*people, group]:
        texts = [m["html"] for m in bot.sb.bot_messages(person)]
        assert texts.count(BROADCAST) == 1
        assert max(Counter(texts).values()) == 1  # nothing twice: one notice, one broadcast
    for person in people:  # its outbox messages (order confirmation, shipping), the broadcast
        assert len(bot.sb.bot_messages(person)) == owed[person.id] + 1 == 3
    room = [m.get("html") or "" for m in bot.sb.bot_messages(reviewers.room)]
    for claim_id in claim_ids:
        assert sum(f"售后申请 #{claim_id}</b>" in html for html in room) == 1
    assert [m["html"] for m in bot.sb.bot_messages(c.organizer)].count(BROADCAST) == 2  # preview


async def test_one_leader_and_the_other_takes_over_when_it_dies(bot, database):
    other = await replica(bot, database[1])
    try:
        await tick_now(bot.app)
        await tick_now(other.app)
        assert [is_leading(bot.rt), is_leading(other.rt)] in ([True, False], [False, True])
        leader, follower = (bot, other) if is_leading(bot.rt) else (other, bot)
        # The leader's process dies: its ticks stop and its lock connection goes with it.
        leader.app.job_queue.scheduler.pause()
        leadership_of(leader.rt)._conn.terminate()
        assert not is_leading(leader.rt)
        loop = asyncio.get_running_loop()
        died = loop.time()
        await wait_until(lambda: is_leading(follower.rt), limit=10)
        failover = loop.time() - died
        assert failover <= 2 * follower.settings.tick_seconds + 1
        leader.app.job_queue.scheduler.resume()
        await tick_now(leader.app)  # back, it finds the lock taken and follows
        assert not is_leading(leader.rt) and is_leading(follower.rt)
    finally:
        await other.stop()
