"""`groupbot status`: the processes (a dead one marked), who leads, the queues."""

from __future__ import annotations

import asyncio
import io
from datetime import timedelta

from sqlalchemy import select

from groupbot.intake.fields import plain
from groupbot.models.scale import ProcessBeat
from groupbot.scale import beats
from groupbot.scale.cli import status_command
from groupbot.scale.leader import is_leading
from groupbot.scale.updates import wall_now
from handlers.ticks import tick_now
from tests.scale.helpers import replica


def t(key: str, **values: object) -> str:
    return plain("zh-Hans", key, **values)


async def test_status_lists_processes_the_leader_and_the_queues(bot, database):
    other = await replica(bot, database[1])
    try:
        await tick_now(bot.app)
        await tick_now(other.app)
        leader = bot if is_leading(bot.rt) else other
        async with bot.rt.tx() as s:  # a process killed a minute ago
            s.add(ProcessBeat(id="gone:1:dead", kind="bot", host="gone", pid=1, mode="webhook",
                              leading=True, started_at=wall_now() - timedelta(hours=1),
                              seen_at=wall_now() - timedelta(minutes=1)))

        async def beating() -> list[bool]:  # the live processes' rows, leading flags
            async with bot.rt.tx() as s:
                return sorted(await s.scalars(select(ProcessBeat.leading).where(
                    ProcessBeat.seen_at > wall_now() - timedelta(seconds=5))))

        for _ in range(200):
            if await beating() == [False, True]:
                break
            await asyncio.sleep(0.05)
        out = io.StringIO()
        assert await status_command(bot.rt, out) == 0
    finally:
        await other.stop()
    lines = out.getvalue().splitlines()
    assert lines[0] == t("scale.status.processes", alive=2)
    ids = {beats.me(bot.rt), beats.me(other.rt), "gone:1:dead"}
    assert {line.split()[0] for line in lines[1:4]} == ids
    [dead] = [line for line in lines[1:4] if line.split()[0] == "gone:1:dead"]
    assert t("scale.status.dead") in dead and t("scale.status.leading") not in dead
    assert lines[4] == t("scale.status.leader", id=beats.me(leader.rt))
    assert lines[5] == t("scale.status.queues")
    assert lines[6] == t("scale.status.queue", name=t("scale.queue.outbox"), depth=0)
    assert [line.split("：")[0].strip() for line in lines[6:]] == [
        t(f"scale.queue.{name}") for name in ("outbox", "outbox_held", "broadcast", "cards",
                                              "updates")]
