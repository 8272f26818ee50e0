"""The bot's rate limiter: Telegram's flood limits, with replies ahead of broadcasts.

PTB's AIORateLimiter serves requests first come, first served: while a broadcast runs at
29 messages a second, a member's reply would wait behind every broadcast send already queued.
Here every message-creating request takes a slot from one pacer that hands out
``overall_per_second`` slots a second to the most urgent waiter: replies and one-off notices
(priority 0) before broadcast sends (priority 1, marked with ``rate_limit_args=BROADCAST``), so
a reply waits at most one slot (~33 ms) however long the broadcast. Every request into a group
also takes a token from that group's own bucket (20 a minute), as AIORateLimiter did; broadcast
sends into a private chat keep to about one a second there.

A 429 answers "too fast": broadcast sends then pause for ``retry_after`` and the error goes back
to the delivery loop, which reschedules that recipient; an ordinary request waits it out and is
retried (up to ``max_retries``) — a broadcast's long wait never holds a reply.

Queued sends (the periodic passes: the outbox, posts, cards) are marked ``QUEUED``: when a
group's 20-a-minute bucket is used up they are not held here (one pass at a time per process,
so a wait of 3 s per group message would hold every other chat's notices behind it) but
refused at once with :class:`ChatBudgetSpent`; the queue keeps the message and comes back.

Fair replies: waiting chats are served round-robin (each request is tagged with its chat's
turn, start-time fair queuing, handlers/fair_turns.py), so one busy chat — or a hundred
claimants' acknowledgements — cannot push other people's replies behind all of theirs: a
chat's n-th waiting reply goes after every other chat's first. A chat's turn also counts what
it was sent in the last seconds (halving every ``fair_turns.USAGE_HALF_LIFE``): when a hundred claimants
each wait for their next step's reply, a member who just sent /help is not the
hundred-and-first in line but goes first. The same order holds for a free connection.

Shortest job first: the answer to a read-only command (/help: one question, one message) goes
ahead of the replies of multi-step flows (``QUICK``). When a hundred claimants' next steps
arrive together they fill the budget for seconds, and a member who is as active as they are
(a chatty group) would otherwise wait a whole round of them for one line of help.

Several processes: with ``shared`` (groupbot/scale/budget.py, Redis) every slot is also taken
from the token's one budget, so N processes together keep Telegram's limits; replies keep a
reserve there that broadcast sends may not touch, and a 429 pauses every process's broadcasts.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from groupbot.scale.budget import SharedBudget
from groupbot.scale.updates import current_chat
from handlers.fair_turns import Turns, WireGate
from handlers.processor import quick_answer

log = logging.getLogger(__name__)

QUICK = -1  # the answer to a read-only command (/help): one message, asked a moment ago
URGENT = 0
BROADCAST = 1  # pass as rate_limit_args to mark a broadcast send
QUEUED = 2  # urgent, but a used-up chat budget answers ChatBudgetSpent instead of waiting
# Methods that create messages: these are what Telegram's ~30/s overall limit counts.
_NOT_A_MESSAGE = {"sendchataction"}
_ALSO_MESSAGES = {"copymessage", "copymessages", "forwardmessage", "forwardmessages"}


class ChatBudgetSpent(RetryAfter):
    """A QUEUED request found its chat's budget used up: nothing went to Telegram; the caller's
    queue keeps the message and tries again after ``retry_after``."""


def is_message(endpoint: str) -> bool:
    name = endpoint.lower()
    return (name.startswith("send") and name not in _NOT_A_MESSAGE) or name in _ALSO_MESSAGES


def seconds(retry_after: float | timedelta) -> float:
    return retry_after.total_seconds() if isinstance(retry_after, timedelta) else float(
        retry_after)


def retry_seconds(exc: RetryAfter) -> float:
    # PTB 22 warns on .retry_after (its type is changing); _retry_after is a timedelta in both.
    value = getattr(exc, "_retry_after", None)
    return seconds(value if value is not None else exc.retry_after)


class Pacer:
    """Hands out ``rate`` slots a second (bursts up to ``burst``), the lowest priority first
    and, within a priority, the waiting chats in turn."""

    def __init__(
        self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate, self.capacity, self.clock = rate, burst, clock
        self.tokens, self.stamp = burst, clock()
        self._waiting: list[tuple[int, float, int, float, asyncio.Future[None]]] = []
        self._seq = itertools.count()
        self.turns = Turns(clock)
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.paused_until: dict[int, float] = {}

    async def take(self, priority: int, cost: float = 1.0, chat: object = None) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (priority, self.turns.next(priority, chat), next(self._seq), cost, future)
        heapq.heappush(self._waiting, entry)
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())
        self._wake.set()
        await future  # a cancelled waiter is skipped by the dispatcher

    def pause(self, priority: int, for_seconds: float) -> None:
        until = self.clock() + for_seconds
        self.paused_until[priority] = max(self.paused_until.get(priority, 0.0), until)
        self._wake.set()

    def waiting(self, priority: int) -> int:
        return sum(1 for p, _, _, _, f in self._waiting if p == priority and not f.done())

    async def _run(self) -> None:
        while True:
            while self._waiting and self._waiting[0][4].done():
                heapq.heappop(self._waiting)
            if not self._waiting:
                self._wake.clear()
                await self._wake.wait()
                continue
            now = self.clock()
            self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
            priority, turn, _, cost, future = self._waiting[0]
            # The most urgent waiter is at the top: if its kind is paused, so is everyone's
            # below it, until a more urgent request arrives (which wakes us).
            delay = self.paused_until.get(priority, 0.0) - now
            if delay <= 0:
                need = min(cost, self.capacity)
                if self.tokens >= need:
                    heapq.heappop(self._waiting)
                    self.turns.served(turn)
                    self.tokens -= cost  # a media group may leave a debt: the next ones wait
                    future.set_result(None)
                    continue
                delay = (need - self.tokens) / self.rate
            self._wake.clear()
            try:
                async with asyncio.timeout(delay):
                    await self._wake.wait()
            except TimeoutError:
                pass

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None


@dataclass
class _Bucket:
    tokens: float
    stamp: float
    lock: asyncio.Lock


class PriorityRateLimiter(BaseRateLimiter[int]):
    def __init__(
        self,
        overall_per_second: float = 30,
        group_per_minute: float = 20,
        *,
        max_retries: int = 3,
        burst: float | None = None,
        private_per_second: float = 1.0,
        private_burst: float = 4.0,
        shared: SharedBudget | None = None,
        connections: int | None = None,
    ) -> None:
        # At most ``connections`` requests on the wire, the rest wait here in order: httpcore
        # re-scans every queued request against every connection whenever one finishes, so a
        # hundred taps' answers queued in its pool cost the event loop seconds (py-spy).
        self._wire = WireGate(connections) if connections else None
        # A small burst: the slack of Telegram's own bucket absorbs network jitter instead.
        self.pacer = Pacer(overall_per_second, burst or max(1.0, overall_per_second / 10))
        self.shared = shared
        # Shared: what broadcasts leave for replies, on top of the burst everybody may use.
        self.reserve = max(1.0, self.pacer.capacity)
        self.overall = (float(overall_per_second), self.pacer.capacity + self.reserve)
        self.group = (float(group_per_minute), group_per_minute / 60)
        # ~1 message a second into one private chat, short bursts allowed (Telegram's advice).
        self.private = (private_burst, private_per_second)
        self.max_retries = max_retries
        self._chats: dict[int | str, _Bucket] = {}

    def _on_the_wire(
        self, priority: int, chat: object
    ) -> contextlib.AbstractAsyncContextManager[Any]:
        if self._wire is None:
            return contextlib.nullcontext()
        return self._wire.slot(priority, chat)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        await self.pacer.close()
        if self.shared is not None:
            await self.shared.close()

    async def _chat_slot(
        self, chat_id: int | str, spec: tuple[float, float], patient: bool = True
    ) -> None:
        capacity, rate = spec
        if self.shared is not None:
            bucket_key = f"chat:{chat_id}"
            if patient and await self.shared.take(bucket_key, rate, capacity):
                return
            if not patient and (wait := await self.shared.try_take(
                    bucket_key, rate, capacity)) is not None:
                if wait > 0:
                    raise ChatBudgetSpent(timedelta(seconds=wait))
                return
        now = time.monotonic()
        bucket = self._chats.get(chat_id)
        if bucket is None:
            if len(self._chats) > 50_000:  # forget chats whose bucket has refilled
                self._chats = {k: b for k, b in self._chats.items()
                               if b.tokens + (now - b.stamp) * rate < capacity}
            bucket = self._chats[chat_id] = _Bucket(capacity, now, asyncio.Lock())
        if not patient and bucket.lock.locked():  # others already wait for this chat
            raise ChatBudgetSpent(timedelta(seconds=1 / rate))
        async with bucket.lock:  # first come, first served within one chat
            while True:
                now = time.monotonic()
                bucket.tokens = min(capacity, bucket.tokens + (now - bucket.stamp) * rate)
                bucket.stamp = now
                if bucket.tokens >= 1:
                    bucket.tokens -= 1
                    return
                if not patient:
                    raise ChatBudgetSpent(timedelta(seconds=(1 - bucket.tokens) / rate))
                await asyncio.sleep((1 - bucket.tokens) / rate)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        priority = BROADCAST if rate_limit_args == BROADCAST else URGENT
        if priority == URGENT and quick_answer.get():
            # Shortest job first: someone who asked one question gets the one answer before
            # the next step of a flow another member is in the middle of. When a hundred
            # claimants' steps arrive at once they fill the 30-a-second budget for seconds,
            # and turn by turn the /help went after all of them.
            priority = QUICK
        patient = rate_limit_args != QUEUED
        chat_id = data.get("chat_id")
        try:
            chat_id = int(chat_id)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            pass
        # A tap's answer names no chat: it takes its turn as the chat whose update asked for
        # it, else a hundred claimants' answers all went first, as if from chats never served.
        turn_of = chat_id if chat_id is not None else (current_chat.get() or None)
        in_group = isinstance(chat_id, str) or (isinstance(chat_id, int) and chat_id < 0)
        message = is_message(endpoint)
        cost = float(len(data.get("media") or ()) or 1) if message else 0.0
        attempt = 0
        while True:
            if in_group:
                await self._chat_slot(chat_id, self.group, patient)  # type: ignore[arg-type]
            elif message and priority == BROADCAST and isinstance(chat_id, int):
                # Replies answer someone who just wrote: only broadcast sends are held to it.
                await self._chat_slot(chat_id, self.private)
            if message:
                await self.pacer.take(priority, cost, chat_id)
                if self.shared is not None:
                    rate, capacity = self.overall
                    await self.shared.take("all", rate, capacity, cost,
                                           self.reserve if priority == BROADCAST else 0.0)
            try:
                async with self._on_the_wire(priority, turn_of):
                    if priority != BROADCAST:
                        return await callback(*args, **kwargs)
                    return await _uncancellable(callback(*args, **kwargs))
            except RetryAfter as exc:
                wait = retry_seconds(exc)
                # Telegram says we are too fast: broadcast sends back off whoever hit it.
                self.pacer.pause(BROADCAST, wait)
                if self.shared is not None:
                    await self.shared.pause_broadcasts(wait)
                if priority == BROADCAST or attempt >= self.max_retries:
                    raise
                attempt += 1
                log.info("429 on %s: retrying in %.1f s", endpoint, wait)
                await asyncio.sleep(wait + 0.1)


async def _uncancellable(call: Coroutine[Any, Any, Any]) -> Any:
    """A broadcast send that has left for Telegram runs to its end even if its task is
    cancelled (the bot is stopping), so the delivery can record it; one still waiting for its
    slot above is cancelled and sent after the restart instead. Never sent twice, never lost."""
    inner = asyncio.ensure_future(call)
    try:
        return await asyncio.shield(inner)
    except asyncio.CancelledError:
        if inner.cancelled():
            raise
        return await inner
