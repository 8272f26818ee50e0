"""Telegram updates across webhook replicas: handled once, and in order within a chat.

Any replica may receive any update; Telegram (or a load balancer) may deliver one twice. Each
update is handled under its chat's advisory lock (PostgreSQL serves waiters in arrival order,
so a chat's updates run one after another even on different replicas) and its ``update_id`` is
recorded first (unique): a second delivery of an update that is done, or being handled by a
live process, is dropped. One left "taken" by a process that died is taken over by the next
delivery — the dead holder's chat lock is gone with its connection, so whoever holds the lock
now is the only one working on that chat.

Polling (one process) keeps each fetched update here until it is done (``PolledUpdates``), so
a crash loses none of those Telegram was already told were received.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import os
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from groupbot.models.scale import UPDATE_DONE, UPDATE_RECEIVED, UPDATE_TAKEN, TakenUpdate
from groupbot.scale.handled import done_rows, done_statement
from groupbot.scale.locks import locks_of

log = logging.getLogger(__name__)

CHAT = "chat"
# The chat whose update is being handled (set by the update processor): per-chat order for
# work handed to other processes, e.g. a member's photo checks on the evidence workers.
current_chat: contextvars.ContextVar[int] = contextvars.ContextVar("current_chat", default=0)
KEEP = timedelta(days=2)  # Telegram gives up redelivering long before
# An update that was in the queue at this many crashes in a row is the likely cause of them
# (e.g. a photo that kills the process): the next restart logs it and leaves it.
REFEED_AT_MOST = 3
DONE_FLUSH_SECONDS = 0.5


def process_id() -> str:
    """host:pid:random, unique per process start."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def wall_now() -> datetime:
    # Leases and heartbeats are about real processes, not the domain clock tests freeze.
    return datetime.now(UTC)


class UpdateLedger:
    def __init__(self, rt: Any, holder: str) -> None:
        self.rt = rt
        self.holder = holder
        self.locks = locks_of(rt)

    @asynccontextmanager
    async def chat(self, chat_key: int) -> AsyncIterator[None]:
        """Hold the chat's lock across replicas (in one process the caller's own lock does)."""
        if self.locks is None:
            yield
            return
        async with self.locks.hold(CHAT, chat_key):
            yield

    async def take(self, update_id: int, chat_key: int) -> bool:
        """Record the update as ours; False if it was handled already (a redelivery)."""
        dialect = self.rt.engine.dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        now = wall_now()
        async with self.rt.tx() as session:
            inserted = await session.scalar(
                insert(TakenUpdate).values(
                    update_id=update_id, chat_key=chat_key, status=UPDATE_TAKEN,
                    holder=self.holder, taken_at=now)
                .on_conflict_do_nothing(index_elements=["update_id"])
                .returning(TakenUpdate.update_id))
            if inserted is not None:
                return True
            row = await session.get(TakenUpdate, update_id)
            if row is None or row.status == UPDATE_DONE:
                return False
            # Taken but not done, and we hold its chat: whoever took it is no longer working
            # on it (it died, or was stopped mid-update), so it is ours now.
            row.holder, row.taken_at = self.holder, now
            return True

    async def done(self, update_id: int, chat_key: int) -> None:
        async with self.rt.tx() as session:
            await session.execute(done_statement(self.rt.engine.dialect.name, update_id,
                                                 chat_key, self.holder))

    async def forget_old(self) -> int:
        """Drop records older than any redelivery (the leader calls it now and then)."""
        async with self.rt.tx() as session:
            result = await session.execute(
                delete(TakenUpdate).where(TakenUpdate.taken_at < wall_now() - KEEP))
        return int(getattr(result, "rowcount", 0) or 0)

    async def state(self, update_id: int) -> str | None:
        async with self.rt.tx() as session:
            return await session.scalar(
                select(TakenUpdate.status).where(TakenUpdate.update_id == update_id))


def _insert(rt: Any) -> Any:
    return pg_insert if rt.engine.dialect.name == "postgresql" else sqlite_insert


class PolledUpdates:
    """Polling mode's record of the updates fetched from Telegram and not handled yet.

    The next getUpdates call confirms a batch to Telegram, which then never sends it again;
    an update still in this process's queue at a crash would be lost. So each batch is kept
    here before it is confirmed, and marked done once handled; a restart handles again what
    was kept and not done, in order, before polling for more."""

    def __init__(self, rt: Any, holder: str) -> None:
        self.rt = rt
        self.holder = holder
        self._done: list[tuple[int, int]] = []  # handled, not recorded yet
        self._flushing: asyncio.Task[None] | None = None
        self._unhandled: set[int] = set()  # fetched, not kept, not handled yet
        self._progress = asyncio.Event()

    def fetched(self, update_ids: list[int]) -> None:
        self._unhandled.update(update_ids)

    def handled(self, update_id: int) -> None:
        """Handled (answered, and what it changed committed): it needs no keeping."""
        if update_id in self._unhandled:
            self._unhandled.discard(update_id)
            self._progress.set()

    async def still_unhandled(self, update_ids: list[int], seconds: float) -> set[int]:
        """Those of ``update_ids`` not handled within ``seconds``; forgotten here after, since
        the caller keeps them."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while (left := self._unhandled.intersection(update_ids)) and (
                wait := deadline - loop.time()) > 0:
            self._progress.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._progress.wait(), wait)
        self._unhandled.difference_update(update_ids)
        return left

    async def keep(self, updates: list[tuple[int, int, dict[str, Any]]]) -> None:
        """``(update_id, chat_key, payload)`` of one fetched batch, kept in one transaction
        (with the done marks waiting to be written)."""
        now = wall_now()
        done, self._done = self._done, []
        try:
            async with self.rt.tx() as session:
                await session.execute(
                    _insert(self.rt)(TakenUpdate).values([
                        {"update_id": update_id, "chat_key": chat_key,
                         "status": UPDATE_RECEIVED, "holder": self.holder, "taken_at": now,
                         "payload": payload, "refed": 0}
                        for update_id, chat_key, payload in updates])
                    .on_conflict_do_nothing(index_elements=["update_id"]))
                if done:
                    await session.execute(done_rows(self.rt.engine.dialect.name, done,
                                                    self.holder))
        except BaseException:
            self._done[:0] = done
            raise

    def done(self, update_id: int, chat_key: int) -> None:
        """Handled without a write of its own (a write marks it itself: scale/handled.py), or
        failed in a way a retry would repeat. Such updates changed nothing, so their marks go
        in batches, with the next keep or within ``DONE_FLUSH_SECONDS``: a crash before that
        only means one of them is answered again."""
        self._done.append((update_id, chat_key))
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.get_running_loop().create_task(self._flush_soon())

    async def _flush_soon(self) -> None:
        await asyncio.sleep(DONE_FLUSH_SECONDS)
        try:
            await self.flush()
        except Exception:  # kept for the next keep or flush
            log.warning("could not record %d handled updates", len(self._done), exc_info=True)

    async def flush(self) -> None:
        done, self._done = self._done, []
        if not done:
            return
        try:
            async with self.rt.tx() as session:
                await session.execute(done_rows(self.rt.engine.dialect.name, done,
                                                self.holder))
        except BaseException:
            self._done[:0] = done
            raise

    async def known(self, update_ids: list[int]) -> set[int]:
        async with self.rt.tx() as session:
            return set(await session.scalars(
                select(TakenUpdate.update_id).where(TakenUpdate.update_id.in_(update_ids))))

    async def newest(self) -> int:
        """The highest update id kept or done: Telegram may send any update up to it again."""
        async with self.rt.tx() as session:
            newest = await session.scalar(select(func.max(TakenUpdate.update_id)))
        return int(newest or 0)

    async def unfinished(self) -> list[dict[str, Any]]:
        """The payloads of kept updates not done, oldest first, counting this re-feed. One
        re-fed ``REFEED_AT_MOST`` times already is left (logged), not handled again."""
        async with self.rt.tx() as session:
            rows = list(await session.scalars(
                select(TakenUpdate).where(TakenUpdate.status == UPDATE_RECEIVED)
                .order_by(TakenUpdate.update_id)))
            again: list[dict[str, Any]] = []
            for row in rows:
                if row.refed >= REFEED_AT_MOST or row.payload is None:
                    log.warning("update %s was in the queue at %s crashes: left unhandled",
                                row.update_id, row.refed)
                    row.status, row.done_at, row.payload = UPDATE_DONE, wall_now(), None
                    continue
                row.refed += 1
                row.holder = self.holder
                again.append(row.payload)
        return again


def close_quietly(coroutine: object) -> None:
    """An update we don't handle: its coroutine is dropped without a 'never awaited'."""
    with contextlib.suppress(AttributeError):
        coroutine.close()  # type: ignore[attr-defined]
