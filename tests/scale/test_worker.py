"""Evidence work on procrastinate: a worker in its own process analyses the photo the bot
stored; a worker killed in the middle of a job → another completes it, once."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import select, text

from groupbot.evidence import EvidenceEngine
from groupbot.evidence.synth import make_claim_photo
from groupbot.models.scale import CHECK_DONE, PhotoCheckJob
from groupbot.worker.queue import QueuedEvidenceEngine, evidence_queues

TRACKING = "SF7751671905686"
LEASE = 2.0


@asynccontextmanager
async def worker(database):
    base, _, schema = database[1].partition("#schema=")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.scale.worker_child", base, schema, str(LEASE),
        env={**os.environ, "GROUPBOT_CONFIG": os.devnull},
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
    try:
        yield proc
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
            await asyncio.wait_for(proc.wait(), 30)


async def job_statuses(rt) -> list[str]:
    async with rt.engine.connect() as conn:
        return list((await conn.execute(text(
            "SELECT status FROM procrastinate_jobs WHERE task_name = 'groupbot.check_photo' "
            "ORDER BY id"))).scalars())


async def test_a_worker_analyses_the_photo_and_a_killed_workers_job_completes_once(
        runtime, database):
    queue = QueuedEvidenceEngine(runtime, EvidenceEngine(workers=0))
    await queue.open()
    photo = make_claim_photo(TRACKING, damaged=True, seed=1)
    try:
        async with worker(database) as first:
            asking = asyncio.create_task(queue.analyse_photo(photo, [TRACKING]))
            statuses: list[str] = []

            async def doing() -> bool:
                statuses[:] = await job_statuses(runtime)
                return statuses == ["doing"]

            loop = asyncio.get_running_loop()
            deadline = loop.time() + 60
            while not await doing():  # the first worker has the job in hand (models loading)
                assert loop.time() < deadline and not asking.done(), statuses
                await asyncio.sleep(0.02)
            first.kill()  # SIGKILL in the middle of the job
            await first.wait()
        assert not asking.done()
        [waiting] = [q for q in await evidence_queues(runtime) if q.name == "evidence_doing"]
        assert waiting.depth == 1  # still "doing", held by a dead worker
        async with worker(database):
            found = await asyncio.wait_for(asking, 90)
        assert found.error is None and found.tracking_match is True
        assert TRACKING in found.number_texts
        async with runtime.tx() as s:
            [row] = list(await s.scalars(select(PhotoCheckJob)))
        assert row.status == CHECK_DONE and row.runs == 1 and row.data is None
        # The same photo asked again (a redelivered update) is answered from the record.
        again = await asyncio.wait_for(queue.analyse_photo(photo, [TRACKING]), 5)
        assert again == found and await job_statuses(runtime) == []
    finally:
        await queue.close_async()
        queue.close()


@pytest.mark.settings(evidence_queue="procrastinate")
async def test_a_claim_photo_is_checked_by_a_worker_and_the_member_told_after(bot, database):
    from tests.handlers.test_claims import delivered_order, open_claim, t

    c, ming = await delivered_order(bot)
    units = await open_claim(bot, ming)
    await bot.tap(ming, units, "cl:u:1:2")
    [reason] = bot.replies(ming)
    await bot.tap(ming, reason, "cl:r:rotten")
    bot.replies(ming)
    await bot.say(ming, "打开箱子两个烂了")
    bot.replies(ming)
    async with worker(database):
        await bot.sb.send_photo(ming, ming, make_claim_photo("SF1234567890", damaged=True, seed=1))
        await bot.sb.wait_for_bot_messages(ming, len(bot.sb.bot_messages(ming)) + 1, timeout=90)
        await bot.settle()
    assert bot.texts(ming) == [t("claims.photo.received", count=1, max=6) + "\n"
                               + t("claims.photo.all_good")]
    async with bot.rt.tx() as s:
        [row] = list(await s.scalars(select(PhotoCheckJob)))
    assert row.status == CHECK_DONE and row.runs == 1


async def _deferred_locks(runtime) -> list[str | None]:
    async with runtime.engine.connect() as conn:
        return list((await conn.execute(text(
            "SELECT lock FROM procrastinate_jobs WHERE task_name = 'groupbot.check_photo' "
            "ORDER BY id"))).scalars())


async def test_a_chats_photos_share_its_lock_and_work_of_no_chat_takes_none(runtime):
    """Per-chat order on the workers; a photo checked outside any chat must not share one
    lock with every other such photo (that ran them one at a time on any number of workers)."""
    from groupbot.scale.updates import current_chat

    queue = QueuedEvidenceEngine(runtime, EvidenceEngine(workers=0))
    await queue.open()
    try:
        async def ask(chat: int, seed: int) -> None:
            current_chat.set(chat)
            await queue.analyse_photo(make_claim_photo(TRACKING, seed=seed), [TRACKING],
                                      timeout=0.2)  # no worker runs: only the job is looked at

        await asyncio.gather(ask(4242, 1), ask(0, 2))
        assert sorted(map(str, await _deferred_locks(runtime))) == ["None", "chat:4242"]
    finally:
        await queue.close_async()
        queue.close()
