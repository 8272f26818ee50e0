"""How a broadcast send is recorded and when a crashed sender's rows are sent again: the two
ends of the duplicate window a SIGKILL leaves (benchmarks/scale.py --only chaos)."""

from __future__ import annotations

import asyncio

from sqlalchemy import select, update

from groupbot.broadcasts import delivery
from groupbot.models import Broadcast, BroadcastDelivery, Member
from groupbot.models.broadcasts import (
    BROADCAST_CANCELLED,
    BROADCAST_SENDING,
    DELIVERY_CANCELLED,
    DELIVERY_PENDING,
    DELIVERY_SENDING,
    DELIVERY_SENT,
)
from groupbot.people import ensure_community


async def broadcast_with(rt, count: int, status: str = DELIVERY_PENDING) -> list[int]:
    """A sending broadcast to ``count`` members; its delivery rows' ids."""
    now = rt.clock.now()
    async with rt.tx() as s:
        rt.community_id = (await ensure_community(s, rt.settings)).id
        organizer = Member(telegram_id=1, first_name="王", started_at=now, created_at=now)
        s.add(organizer)
        await s.flush()
        b = Broadcast(community_id=rt.community_id, organizer_id=organizer.id, locale="zh-Hans",
                      text_html="明早 7 点到货", target={"kind": "members"},
                      status=BROADCAST_SENDING, scheduled_at=now, started_at=now)
        s.add(b)
        await s.flush()
        rows = [BroadcastDelivery(broadcast_id=b.id, recipient=f"m:{100 + n}", chat_id=100 + n,
                                  status=status, not_before=now, attempts=0)
                for n in range(count)]
        s.add_all(rows)
        await s.flush()
        return [r.id for r in rows]


async def states(rt) -> list[tuple[str, int | None]]:
    async with rt.tx() as s:
        return [tuple(r) for r in await s.execute(
            select(BroadcastDelivery.status, BroadcastDelivery.message_id)
            .order_by(BroadcastDelivery.id))]


async def test_answers_are_recorded_at_once_and_together_outside_the_pool(runtime):
    rt = runtime
    ids = await broadcast_with(rt, 12, DELIVERY_SENDING)
    async with rt.tx() as s:  # no longer "sending" (e.g. cancelled): not overwritten
        await s.execute(update(BroadcastDelivery).where(BroadcastDelivery.id == ids[-1])
                        .values(status=DELIVERY_CANCELLED))
    recorder = await delivery.Recorder.open(rt, "broadcast")
    try:
        if rt.engine.dialect.name == "postgresql":
            assert recorder.conn is not None
            assert rt.engine.pool.checkedout() == 0  # its connection is not the pool's
        # Answers arriving together: the first write starts at once, the rest join the next.
        await asyncio.gather(*(recorder.sent(row, 500 + n) for n, row in enumerate(ids)))
    finally:
        await recorder.close()
    assert await states(rt) == [(DELIVERY_SENT, 500 + n) for n in range(11)] + [
        (DELIVERY_CANCELLED, None)]


async def test_a_broken_recorder_connection_hands_over_to_the_pool(runtime):
    rt = runtime
    ids = await broadcast_with(rt, 2, DELIVERY_SENDING)
    recorder = await delivery.Recorder.open(rt, "broadcast")
    try:
        if recorder.conn is not None:
            await recorder.conn.close()  # the server went away
            try:
                await recorder.sent(ids[0], 700)
                raise AssertionError("the write on a closed connection should fail")
            except Exception:  # noqa: BLE001 - the caller leaves it to the batch
                pass
            assert recorder.conn is None
        await recorder.sent(ids[1], 701)
    finally:
        await recorder.close()
    assert (await states(rt))[1] == (DELIVERY_SENT, 701)


async def test_rows_a_dead_sender_left_go_back_only_after_the_lease(runtime):
    rt = runtime
    ids = await broadcast_with(rt, 6)
    taken = await delivery._claim(rt, await _broadcast_id(rt), 4, set())
    assert [j.row_id for j in taken] == ids[:4]
    # The sender dies here. Another process resumes the broadcast within the lease: the rows
    # the dead one held may still be on the wire (or held by a live ex-leader): not yet.
    rt.clock.advance(seconds=rt.settings.process_lease_seconds - 1)
    bid = await _broadcast_id(rt)
    assert await delivery._prepare(rt, bid) is not None
    again = await delivery._claim(rt, bid, 10, set())
    assert [j.row_id for j in again] == ids[4:]
    # Past the lease: the first four go back, except what this loop holds itself.
    rt.clock.advance(seconds=2)
    mine = {ids[0]}
    later = await delivery._claim(rt, bid, 10, mine | {j.row_id for j in again})
    assert [j.row_id for j in later] == ids[1:4]
    assert [j.attempts for j in later] == [2, 2, 2]


async def test_a_cancelled_broadcasts_orphans_are_cancelled_after_the_lease(runtime):
    rt = runtime
    await broadcast_with(rt, 3)
    bid = await _broadcast_id(rt)
    await delivery._claim(rt, bid, 2, set())
    async with rt.tx() as s:
        await s.execute(update(Broadcast).values(status=BROADCAST_CANCELLED))
    assert await delivery._claim(rt, bid, 10, set()) == []
    assert [st for st, _ in await states(rt)] == [DELIVERY_SENDING] * 2 + [DELIVERY_PENDING]
    rt.clock.advance(seconds=rt.settings.process_lease_seconds + 1)
    assert await delivery._claim(rt, bid, 10, set()) == []
    assert [st for st, _ in await states(rt)][:2] == [DELIVERY_CANCELLED] * 2


async def _broadcast_id(rt) -> int:
    async with rt.tx() as s:
        return int(await s.scalar(select(Broadcast.id)))
