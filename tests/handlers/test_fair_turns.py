"""The gate onto the wire: a member's one request does not wait behind a busy chat's queue,
and a waiter cancelled while queued (or just after being let through) leaks no connection."""

from __future__ import annotations

import asyncio

from handlers.fair_turns import WireGate
from handlers.pacing import BROADCAST, URGENT


async def test_a_quiet_chat_goes_on_the_wire_before_a_busy_chats_queue():
    gate = WireGate(1)
    order: list[str] = []
    release = asyncio.Event()

    async def request(name: str, chat: int, priority: int = URGENT) -> None:
        async with gate.slot(priority, chat):
            order.append(name)
            if name == "first":
                await release.wait()

    first = asyncio.create_task(request("first", 1))
    await asyncio.sleep(0)
    busy = [asyncio.create_task(request(f"claimant-{n}", 1)) for n in range(5)]
    broadcast = asyncio.create_task(request("broadcast", 3, BROADCAST))
    await asyncio.sleep(0)
    help_reply = asyncio.create_task(request("help", 2))  # asked last
    await asyncio.sleep(0)
    release.set()
    await asyncio.gather(first, *busy, broadcast, help_reply)
    assert order == ["first", "help", *(f"claimant-{n}" for n in range(5)), "broadcast"]
    assert gate.free == 1


async def test_a_cancelled_waiter_gives_its_connection_back():
    gate = WireGate(1)
    held = asyncio.Event()
    done = asyncio.Event()

    async def hold() -> None:
        async with gate.slot(URGENT, 1):
            held.set()
            await done.wait()

    holder = asyncio.create_task(hold())
    await held.wait()
    queued = asyncio.create_task(gate.slot(URGENT, 2).__aenter__())
    await asyncio.sleep(0)
    queued.cancel()  # cancelled while waiting: skipped
    handed = asyncio.create_task(gate.slot(URGENT, 3).__aenter__())
    await asyncio.sleep(0)
    done.set()
    await holder
    await asyncio.sleep(0)
    handed.cancel()  # let through, then cancelled before it ran: the slot comes back
    await asyncio.gather(queued, handed, return_exceptions=True)
    assert gate.free == 1 and gate.waiting() == 0
