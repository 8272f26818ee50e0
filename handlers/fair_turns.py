"""Fair queuing for the rate limiter: each waiter's turn, and the gate onto the wire.

A waiter's turn is start-time fair queuing by chat: a chat's n-th waiting request goes after
every other chat's first, and what a chat was sent in the last seconds (halving every
``USAGE_HALF_LIFE``) puts it that many turns further back, so a member who just sent /help goes
before a hundred claimants who each got an answer a moment ago. The pacer (handlers/pacing.py)
orders message slots by it; ``WireGate`` orders the requests waiting for a free connection by
it too, since first come, first served there undid the pacer's order: in the claim rush every
claimant's tap answer and edit was queued for a connection ahead of the member's /help reply.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

USAGE_HALF_LIFE = 10.0  # seconds: how long a chat's recent messages count against its turn
FORGET_ABOVE = 10_000  # chats remembered before those whose turns are all served are dropped


class Turns:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.served_up_to = 0.0  # the turn of the last one served
        self._last: dict[tuple[int, object], float] = {}  # each chat's latest turn taken
        self._used: dict[tuple[int, object], tuple[float, float]] = {}  # (sent lately, when)

    def next(self, priority: int, chat: object) -> float:
        if chat is None:
            return self.served_up_to + 1
        key = (priority, chat)
        now = self.clock()
        if len(self._last) > FORGET_ABOVE:
            self._last = {k: v for k, v in self._last.items() if v > self.served_up_to}
            self._used = {k: u for k, u in self._used.items() if k in self._last}
        used, at = self._used.get(key, (0.0, now))
        used *= 0.5 ** ((now - at) / USAGE_HALF_LIFE)
        self._used[key] = (used + 1, now)
        turn = max(self.served_up_to + used, self._last.get(key, 0)) + 1
        self._last[key] = turn
        return turn

    def served(self, turn: float) -> None:
        self.served_up_to = max(self.served_up_to, turn)


class WireGate:
    """At most ``size`` requests on the wire; the others wait here, the most urgent priority
    first and, within it, by their chat's turn."""

    def __init__(self, size: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.free = size
        self.turns = Turns(clock)
        self._waiting: list[tuple[int, float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    @asynccontextmanager
    async def slot(self, priority: int, chat: object) -> AsyncIterator[None]:
        turn = self.turns.next(priority, chat)
        if self.free > 0 and not self._waiting:
            self.free -= 1
            self.turns.served(turn)
        else:
            future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            heapq.heappush(self._waiting, (priority, turn, next(self._seq), future))
            try:
                await future
            except asyncio.CancelledError:
                if future.done() and not future.cancelled():  # handed a slot, then cancelled
                    self._release()
                raise
        try:
            yield
        finally:
            self._release()

    def waiting(self) -> int:
        return sum(1 for *_, f in self._waiting if not f.done())

    def _release(self) -> None:
        while self._waiting:
            _, turn, _, future = heapq.heappop(self._waiting)
            if not future.done():  # a cancelled waiter is skipped
                self.turns.served(turn)
                future.set_result(None)
                return
        self.free += 1
