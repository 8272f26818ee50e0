"""Recording a message Telegram accepted as "sent", the shortest way to a commit.

The Bot API has no idempotent send: a SIGKILL between Telegram storing a message and the
commit of its "sent" record makes whoever takes the row over send it again. That gap grows
with every round trip and every wait in between, so the record skips all of them it can:

- PostgreSQL: one autocommitted UPDATE on a connection of its own, taken from the pool once
  and detached (closed, not returned): no wait behind the loop's or the tick's transactions for
  a pooled connection, no pre-ping, no BEGIN / COMMIT. The connection is idle between writes
  and holds no transaction.
- SQLite (one process): first a line in the sent journal (groupbot/sent_journal.py: a file
  of its own, written synchronously the moment Telegram's answer is handed over, so it waits
  for no writer), then a short transaction from the pool that jumps the queue of writers
  (``db.urgent_write``), so it does not wait behind every other update's write; the journal's
  line is forgotten once that commits, and a process starting applies what is left
  (:func:`replay_journal`).

Answers that arrive while a write is on its way go together in the next one (executemany).
Used by the broadcast delivery (one a delivery run), the outbox's dispatcher and the posts
(one each a process, :func:`shared`: a connection a pass cost ~9 ms and ~2.5 ms of CPU to
open), each with its own UPDATE.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from groupbot import sent_journal
from groupbot.db import urgent_write
from groupbot.runtime import Runtime

log = logging.getLogger(__name__)

RECORD_TRIES = 3  # a sent message's record: a short database hiccup must not become a resend
# The message id of a send whose request has left but whose answer has not come (``left``).
UNANSWERED = 0


class NotRecorded(Exception):
    """The write that carried this send failed or was cancelled."""


# Recorder name → its UPDATE, for applying the journal at a start before any recorder opens.
STATEMENTS: dict[str, Any] = {}


def statement(name: str, update_: Any) -> Any:
    """Declare recorder ``name``'s UPDATE (a module constant): bind parameters ``b_row``,
    ``b_message``, ``b_at``, on a table with ``id`` and ``message_id``."""
    STATEMENTS[name] = update_
    return update_


class Recorder:
    """Records sends with recorder ``name``'s statement (see :func:`statement`)."""

    def __init__(self, rt: Runtime, name: str, conn: AsyncConnection | None) -> None:
        self.rt, self.name, self.statement, self.conn = rt, name, STATEMENTS[name], conn
        self.journal = sent_journal.of(rt)
        self._lock = asyncio.Lock()
        self._queued: list[tuple[int, int, asyncio.Future[None]]] = []
        self.broken = False  # its own connection failed: it records through the pool now

    @classmethod
    async def open(cls, rt: Runtime, name: str) -> Recorder:
        if rt.engine.dialect.name != "postgresql":
            return cls(rt, name, None)
        try:
            conn = await rt.engine.connect()
            conn.sync_connection.detach()  # type: ignore[union-attr]  # closed, not pooled
            # Autocommit on the driver's connection itself: nothing to reset on a return to
            # the pool, as there is none.
            raw = await conn.get_raw_connection()
            rt.engine.dialect.set_isolation_level(raw.dbapi_connection, "AUTOCOMMIT")
            recorder = cls(rt, name, conn)
            # Its UPDATE once on no row: compiled and prepared now, not inside the first
            # send's window (a process's first notice came ~ms later than the next ones).
            await recorder._write([(-1, UNANSWERED)])
            return recorder
        except Exception:  # noqa: BLE001 - record through the pool instead
            log.warning("sent records: no connection of their own", exc_info=True)
            return cls(rt, name, None)

    @contextmanager
    def expecting(self, row_id: int) -> Iterator[None]:
        """Around the send of ``row_id``: on SQLite its journal line is written as soon as the
        transport has read Telegram's answer (``sent_journal.answer_read``); :meth:`sent`
        then writes the same line again (a no-op) and records it."""
        if self.journal is None:
            yield
            return
        journal, name, clock = self.journal, self.name, self.rt.clock

        def read(message_id: int) -> None:
            journal.write(name, row_id, message_id, clock.now())

        token = sent_journal.answer_read.set(read)
        try:
            yield
        finally:
            sent_journal.answer_read.reset(token)

    async def sent(self, row_id: int, message_id: int) -> None:
        if self.journal is not None:  # before anything else: this is the end of the window
            self.journal.write(self.name, row_id, message_id, self.rt.clock.now())
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
                if self.journal is not None:
                    self.journal.forget(self.name, [row for row, _, _ in batch])
                for *_, waiting in batch:
                    if not waiting.done():
                        waiting.set_result(None)
        await done

    async def left(self, row_id: int) -> None:
        """``row_id``'s request has been written whole: recorded as sent with message id
        :data:`UNANSWERED` until the answer brings the real one. On SQLite only the journal's
        line (synchronous, microseconds: no wait for the database's writer before reading the
        answer), which a start applies if the process died; on PostgreSQL the record itself,
        on the recorder's own connection."""
        if self.journal is not None:
            self.journal.write(self.name, row_id, UNANSWERED, self.rt.clock.now())
        else:
            await self.sent(row_id, UNANSWERED)

    def forget_left(self, row_id: int) -> bool:
        """Undo :meth:`left` where it was only the journal's line (True); False: the caller
        undoes the record in the database."""
        if self.journal is None:
            return False
        self.journal.forget(self.name, [row_id])
        return True

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


async def shared(rt: Runtime, name: str) -> Recorder:
    """The process's recorder called ``name``, opened on first use and kept; closed by
    :func:`close_shared` when the process stops (groupbot/app.py)."""
    recorders: dict[str, Recorder] = rt.extras.setdefault(_SHARED, {})
    recorder = recorders.get(name)
    if recorder is None or recorder.broken:  # a lost connection: a new one (the server is back)
        recorder = recorders[name] = await Recorder.open(rt, name)
    return recorder


async def close_shared(rt: Runtime) -> None:
    for recorder in rt.extras.pop(_SHARED, {}).values():
        await recorder.close()
    sent_journal.close(rt)


async def replay_journal(rt: Runtime) -> int:
    """Apply the sends the journal still holds (a process killed before their record
    committed) to the rows still waiting for a message id; forget them. Called when a process
    starts, before it sends anything. Returns how many rows it recorded."""
    journal = sent_journal.of(rt)
    if journal is None:
        return 0
    recorded = 0
    for name, lines in journal.held().items():
        update_ = STATEMENTS.get(name)
        if update_ is None:  # a recorder this code no longer has: nothing to apply it to
            log.warning("sent journal: %d lines of unknown recorder %r dropped", len(lines), name)
        else:
            # Only rows with no message id yet: a line whose record did commit (killed before
            # it was forgotten) changes nothing.
            waiting = update_.where(update_.table.c.message_id.is_(None))
            async with rt.tx() as session:  # Core executemany, as in Recorder._write
                conn = await session.connection()
                result = await conn.execute(waiting, [
                    {"b_row": row, "b_message": message, "b_at": at}
                    for row, message, at in lines])
                recorded += max(result.rowcount, 0)
        journal.forget(name, [row for row, _, _ in lines])
    if recorded:
        log.warning("sent journal: %d sends recorded after a crash (not sent again)", recorded)
    return recorded


async def _close_quietly(conn: AsyncConnection) -> None:
    try:
        await conn.close()
    except Exception:  # noqa: BLE001 - a broken connection: nothing left to close
        log.debug("sent records connection not closed cleanly", exc_info=True)
