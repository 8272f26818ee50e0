"""Webhook replicas: an update delivered twice (to one replica or to two at once) is handled
once; one left half-done by a process that died is handled by the next delivery."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import messages
from groupbot.models.scale import UPDATE_DONE, UPDATE_TAKEN, TakenUpdate
from groupbot.scale.web import WEB_KEY
from tests.conftest import engine_for
from tests.harness import BotHarness
from tests.scale.helpers import post_update, private_command

SECRET = "replica-secret"


@asynccontextmanager
async def webhook_replicas(sandbox, database, clock, settings_for, count: int
                           ) -> AsyncIterator[list[tuple[BotHarness, str]]]:
    url = database[1]
    settings = settings_for(sandbox, url, webhook_url="https://bot.example/tg/hook",
                            webhook_secret=SECRET)
    started: list[tuple[BotHarness, str]] = []
    try:
        for _ in range(count):
            harness = BotHarness(sandbox, settings, engine_for(url), clock, polling=False)
            await harness.start()
            server = harness.app.bot_data[WEB_KEY]
            await server.start("127.0.0.1", 0)
            started.append((harness, server.url + "/tg/hook"))
        yield started
    finally:
        for harness, _ in started:
            await harness.app.bot_data[WEB_KEY].stop()
            await harness.stop()


async def test_an_update_delivered_twice_is_handled_once(sandbox, database, clock, settings_for):
    ming = sandbox.add_user("小明", started=True)
    update = private_command(900_001, ming, "/nosuchcommand")
    async with webhook_replicas(sandbox, database, clock, settings_for, 2) as [(a, url_a),
                                                                              (b, url_b)]:
        # The load balancer hands the same update to both replicas at once, then Telegram
        # retries it once more: all three are answered 200, one reply.
        statuses = await asyncio.gather(post_update(url_a, update, SECRET),
                                        post_update(url_b, update, SECRET))
        assert statuses == [200, 200]
        assert await post_update(url_a, update, SECRET) == 200
        await sandbox.settle()
        assert [m["text"] for m in sandbox.bot_messages(ming)] == [
            messages.t("zh-Hans", "fallback.unknown_command")]
        assert a.app.update_processor.duplicates + b.app.update_processor.duplicates == 2
        async with a.rt.tx() as s:
            row = await s.get(TakenUpdate, 900_001)
        assert row.status == UPDATE_DONE and row.chat_key == ming.id


async def test_an_update_a_dead_process_had_taken_is_handled_on_redelivery(
        sandbox, database, clock, settings_for):
    ming = sandbox.add_user("小明", started=True)
    update = private_command(900_002, ming, "/nosuchcommand")
    async with webhook_replicas(sandbox, database, clock, settings_for, 1) as [(a, url)]:
        async with a.rt.tx() as s:  # taken by a process that was killed mid-update
            s.add(TakenUpdate(update_id=900_002, chat_key=ming.id, status=UPDATE_TAKEN,
                              holder="gone:1:dead", taken_at=datetime.now(UTC)))
        assert await post_update(url, update, SECRET) == 200
        await sandbox.settle()
        assert [m["text"] for m in sandbox.bot_messages(ming)] == [
            messages.t("zh-Hans", "fallback.unknown_command")]
        async with a.rt.tx() as s:
            assert (await s.get(TakenUpdate, 900_002)).status == UPDATE_DONE


async def test_one_chats_updates_wait_for_each_other_across_replicas(
        sandbox, database, clock, settings_for):
    ming = sandbox.add_user("小明", started=True)
    async with webhook_replicas(sandbox, database, clock, settings_for, 2) as [(a, _),
                                                                              (_, url_b)]:
        # While replica A holds the chat, B's update for the same chat waits for it.
        ledger = a.app.update_processor.ledger
        async with ledger.chat(ming.id):
            waiting = asyncio.create_task(
                post_update(url_b, private_command(900_010, ming, "/nosuchcommand"), SECRET))
            await asyncio.sleep(0.5)
            assert not waiting.done() and sandbox.bot_messages(ming) == []
        assert await waiting == 200
        await sandbox.settle()
        assert len(sandbox.bot_messages(ming)) == 1


async def test_more_chats_at_once_than_lock_connections_and_slots_are_all_answered(
        sandbox, database, clock, settings_for, monkeypatch):
    """Each chat's cross-replica lock is a connection of a small pool, and a handler gives its
    slot back while it speaks. The lock was taken inside the slot: updates waiting for a lock
    connection took every slot back, those holding one waited for a slot, and the replica
    stopped answering for good (benchmarks/scale.py --only updates, 32 at a time)."""
    from groupbot.scale import locks
    from handlers import processor

    monkeypatch.setattr(locks, "LOCK_CONNECTIONS", 2)
    monkeypatch.setattr(processor, "READ_ONLY_SLOTS", 3)
    members = [sandbox.add_user(f"成员{n}", started=True) for n in range(12)]
    async with webhook_replicas(sandbox, database, clock, settings_for, 1) as [(_bot, url)]:
        updates = [private_command(910_000 + n, who, "/help") for n, who in enumerate(members)]
        statuses = await asyncio.wait_for(asyncio.gather(
            *(post_update(url, u, SECRET) for u in updates)), 60)
        assert statuses == [200] * len(members)
        await sandbox.settle()
        answers = [[m["text"] for m in sandbox.bot_messages(who)] for who in members]
        assert all(len(a) == 1 for a in answers)
        assert len({a[0] for a in answers}) == 1  # every member the same member's help
