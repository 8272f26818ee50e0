"""How updates are processed: concurrently across chats, in order within one chat.

A member's album arrives as several updates that all touch the same claim draft, so updates of
one chat run one after another; a slow photo check for one member must not hold up everybody
else, so different chats run side by side. The processor also knows when it is idle, which
the tests and the demo use to wait for the bot to finish.

With webhook replicas (``ledger`` set) the order holds across processes too, and an update
delivered twice is handled once (groupbot/scale/updates.py). In polling mode (``inbox`` set)
each update is marked done once handled, so a restart handles again only what a crash cut
short (handlers/polling.py).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager, nullcontext
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from groupbot.scale.handled import Handling, handling
from groupbot.scale.updates import PolledUpdates, UpdateLedger, close_quietly, current_chat

log = logging.getLogger(__name__)


# Updates worked on at once, across chats, served first come first served. An update queued
# behind its own chat's earlier one holds no slot, and one waiting for slow work that is not
# ours (a download, the evidence engine: ``slot_released``) gives its slot back meanwhile:
# with PTB's processor sixteen members' photo checks held every slot and the other members'
# /help waited behind them (10 s at p99 in the claim rush). Unbounded is worse: a hundred
# joins at once then share the database pool so evenly that all of them answer late.
SLOTS = 16
# Commands that only read (their unit is ``read_only``, e.g. /help): in a lane of slots of
# their own, so a hundred claimants' steps holding every slot (each waiting for the database
# or its turn on the event loop) do not keep a member's /help waiting for one.
READ_ONLY_SLOTS = 16
_read_only_commands: set[str] = set()


def read_only_commands(*names: str) -> None:
    """Declare private-chat commands whose handler only reads (registered with it)."""
    _read_only_commands.update(names)


def _read_only(update: object) -> bool:
    if not isinstance(update, Update) or update.message is None or not update.message.text:
        return False
    if update.effective_chat is None or update.effective_chat.type != "private":
        return False
    word = update.message.text.split(maxsplit=1)[0]
    return word.startswith("/") and word[1:].split("@", 1)[0] in _read_only_commands

_held: contextvars.ContextVar[asyncio.Semaphore | None] = contextvars.ContextVar(
    "update_slot", default=None)
# Set while a read-only command is handled: its answer goes ahead of the steps of other
# members' flows when the send budget is short (handlers/pacing.py).
quick_answer: contextvars.ContextVar[bool] = contextvars.ContextVar("quick_answer",
                                                                    default=False)


@asynccontextmanager
async def slot_released() -> AsyncIterator[None]:
    """Around slow work that needs neither the database nor the event loop (downloading a
    photo, waiting for the evidence engine): another chat's update may run meanwhile."""
    slots = _held.get()
    if slots is None:
        yield
        return
    slots.release()
    try:
        yield
    finally:
        await slots.acquire()


class PerChatUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int = SLOTS) -> None:
        super().__init__(max_concurrent_updates)
        self._slots = asyncio.BoundedSemaphore(max_concurrent_updates)
        self._read_only_slots = asyncio.BoundedSemaphore(READ_ONLY_SLOTS)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}
        self.in_flight = 0
        self.ledger: UpdateLedger | None = None
        self.inbox: PolledUpdates | None = None  # polling: marked done here (handlers/polling)
        self.duplicates = 0  # updates dropped as already handled

    async def process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Unlike PTB's, the slot is taken once the chat's turn has come: an update queued
        behind its own chat's slow photo holds no slot another chat could use."""
        await self.do_process_update(update, coroutine)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = chat_key(update)
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        self.in_flight += 1
        current_chat.set(key)  # this task's context: the update's own coroutine sees it
        try:
            read_only = _read_only(update)
            quick_answer.set(read_only)
            slots = self._read_only_slots if read_only else self._slots
            replicas = self.ledger is not None and isinstance(update, Update)
            # The chat's lock across replicas (a connection of a small pool) is taken before
            # the slot, never after: a handler gives its slot back while it speaks and takes it
            # again, and with the slot outside, every slot could go to updates waiting for a
            # lock connection held by those waiting for a slot (webhook mode stalled for good).
            async with lock, (self.ledger.chat(key) if replicas else nullcontext()), slots:
                held = _held.set(slots)
                try:
                    if not replicas:
                        now = self._handling(update, key, self.inbox)
                        await coroutine  # PTB's own error handling catches what a handler raises
                        self._done(update, key, now)
                    else:
                        await self._once(update, key, coroutine)
                finally:
                    _held.reset(held)
        finally:
            self.in_flight -= 1
            self._waiting[key] -= 1
            if not self._waiting[key]:  # forget idle chats so the dict stays small
                del self._waiting[key]
                self._locks.pop(key, None)

    async def _once(self, update: Update, key: int, coroutine: Awaitable[Any]) -> None:
        assert self.ledger is not None  # the caller holds the chat's lock
        if not await self.ledger.take(update.update_id, key):
            self.duplicates += 1
            log.info("update %s was handled already: dropped", update.update_id)
            close_quietly(coroutine)
            return
        now = self._handling(update, key, self.ledger)
        try:
            await coroutine
        except Exception:  # PTB's error handler saw it; a retry would fail the same way
            if not (now and now.done):
                await self.ledger.done(update.update_id, key)
            raise
        if not (now and now.done):
            await self.ledger.done(update.update_id, key)

    @staticmethod
    def _handling(update: object, key: int,
                  record: PolledUpdates | UpdateLedger | None) -> Handling | None:
        """This task's update, for its first write to mark done (groupbot/scale/handled.py)."""
        if record is None or not isinstance(update, Update):
            return None
        now = Handling(update.update_id, key, record.holder)
        handling.set(now)
        return now

    def _done(self, update: object, key: int, now: Handling | None) -> None:
        if self.inbox is None or not isinstance(update, Update):
            return
        self.inbox.handled(update.update_id)
        if not (now and now.done):
            self.inbox.done(update.update_id, key)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


def chat_key(update: object) -> int:
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return update.effective_chat.id
        if update.effective_user is not None:
            return update.effective_user.id
    return 0
