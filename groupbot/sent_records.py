"""Recording a message Telegram accepted as "sent", the shortest way to a commit.

The Bot API has no idempotent send: a SIGKILL between Telegram storing a message and the
commit of its "sent" record makes whoever takes the row over send it again. That gap grows
with every round trip and every wait in between, so the record skips all of them it can:

- PostgreSQL: one autocommitted UPDATE on a connection of its own, taken from the pool once
  and detached (closed, not returned): no wait behind the loop's or the tick's transactions for
  a pooled connection, no pre-ping, no BEGIN / COMMIT. The connection is idle between writes
  and holds no transaction.
- SQLite (one process): a short transaction from the pool that jumps the queue of writers
  (``db.urgent_write``), so it does not wait behind every other update's write.

Answers that arrive while a write is on its way go together in the next one (executemany).
Used by the broadcast delivery (one a delivery run), the outbox's dispatcher and the posts
(one each a process, :func:`shared`: a connection a pass cost ~9 ms and ~2.5 ms of CPU to
open), each with its own UPDATE.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from groupbot.db import urgent_write
from groupbot.runtime import Runtime

log = logging.getLogger(__name__)

RECORD_TRIES = 3  # a sent message's record: a short database hiccup must not become a resend


class NotRecorded(Exception):
    """The write that carried this send failed or was cancelled."""


class Recorder:
    """``statement`` is an UPDATE with the bind parameters ``b_row``, ``b_message``, ``b_at``."""

    def __init__(self, rt: Runtime, statement: Any, conn: AsyncConnection | None) -> None:
        self.rt, self.statement, self.conn = rt, statement, conn
        self._lock = asyncio.Lock()
        self._queued: list[tuple[int, int, asyncio.Future[None]]] = []
        self.broken = False  # its own connection failed: it records through the pool now

    @classmethod
    async def open(cls, rt: Runtime, statement: Any) -> Recorder:
        if rt.engine.dialect.name != "postgresql":
            return cls(rt, statement, None)
        try:
            conn = await rt.engine.connect()
            conn.sync_connection.detach()  # type: ignore[union-attr]  # closed, not pooled
            # Autocommit on the driver's connection itself: nothing to reset on a return to
            # the pool, as there is none.
            raw = await conn.get_raw_connection()
            rt.engine.dialect.set_isolation_level(raw.dbapi_connection, "AUTOCOMMIT")
            return cls(rt, statement, conn)
        except Exception:  # noqa: BLE001 - record through the pool instead
            log.warning("sent records: no connection of their own", exc_info=True)
            return cls(rt, statement, None)

    async def sent(self, row_id: int, message_id: int) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queued.append((row_id, message_id, done))
        async with self._lock:  # free: this write starts now; else it joins the next one
            if not done.done():
                batch, self._queued = self._queued, []
                try:
                    await self._write([(row, message) for row, message, _ in batch])
                except BaseException:
                    for *_, waiting in batch:
                        if waiting is not done and not waiting.done():
                            waiting.set_exception(NotRecorded())
                    raise
                for *_, waiting in batch:
                    if not waiting.done():
                        waiting.set_result(None)
        await done

    async def sent_surely(self, row_id: int, message_id: int) -> None:
        """Telegram has the message: a failed record is tried again (through the pool after a
        failure of the recorder's own connection), never turned into a resend."""
        for attempt in range(RECORD_TRIES):
            try:
                await self.sent(row_id, message_id)
                return
            except Exception:
                if attempt == RECORD_TRIES - 1:
                    raise
                log.warning("row %s: sent, record failed; trying again", row_id, exc_info=True)
                await asyncio.sleep(0.5 * (attempt + 1))

    async def _write(self, sends: list[tuple[int, int]]) -> None:
        params = [{"b_row": row, "b_message": message, "b_at": self.rt.clock.now()}
                  for row, message in sends]
        if self.conn is None:
            async with self.rt.tx() as session:  # Core executemany, not the ORM's bulk update
                conn = await session.connection()
                urgent_write(conn)
                await conn.execute(self.statement, params)
            return
        try:
            await self.conn.execute(self.statement, params)
        except Exception:
            conn, self.conn = self.conn, None  # the pool's sessions from now on
            self.broken = True
            await _close_quietly(conn)
            raise

    async def close(self) -> None:
        conn, self.conn = self.conn, None
        if conn is not None:
            await _close_quietly(conn)


_SHARED = "groupbot.sent_records"


async def shared(rt: Runtime, name: str, statement: Any) -> Recorder:
    """The process's recorder called ``name``, opened on first use and kept; closed by
    :func:`close_shared` when the process stops (groupbot/app.py)."""
    recorders: dict[str, Recorder] = rt.extras.setdefault(_SHARED, {})
    recorder = recorders.get(name)
    if recorder is None or recorder.broken:  # a lost connection: a new one (the server is back)
        recorder = recorders[name] = await Recorder.open(rt, statement)
    return recorder


async def close_shared(rt: Runtime) -> None:
    for recorder in rt.extras.pop(_SHARED, {}).values():
        await recorder.close()


async def _close_quietly(conn: AsyncConnection) -> None:
    try:
        await conn.close()
    except Exception:  # noqa: BLE001 - a broken connection: nothing left to close
        log.debug("sent records connection not closed cleanly", exc_info=True)
