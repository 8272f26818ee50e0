"""Keeping a polled batch without making the next getUpdates wait (SQLite, one process).

Polling confirms a batch to Telegram with the next getUpdates, so what is not handled by then
must be kept first (``PolledUpdates``). Kept through the async pool, the write waits for a
connection, for aiosqlite's thread and for the queue of writers; waited for instead (25 ms for
the batch to be handled), the next getUpdates goes out late. Either way an update arriving
meanwhile waits in Telegram (benchmarks/overhead.py --split: the slowest /help answers waited
there, not in the handler).

Here the batch goes into the same table with one synchronous write on a connection of its
own, in the event loop's thread, that never waits: SQLite's busy timeout is 0, so when another
connection is writing the file the write fails at once and the caller keeps the batch the
usual way. Uncontended it costs a fraction of a millisecond. A committed WAL write is in the
operating system's hands, so a SIGKILL right after it loses nothing — the same durability as
every other commit of the bot (``synchronous=NORMAL``).
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import URL, make_url

from groupbot.models.scale import UPDATE_RECEIVED, TakenUpdate

log = logging.getLogger(__name__)

_COLUMNS = ("update_id", "chat_key", "status", "holder", "taken_at", "payload", "refed")
_DIALECT = sqlite.dialect()


def _statement() -> tuple[str, list[tuple[str, Any]]]:
    """The INSERT as SQLAlchemy writes it for SQLite, and each parameter's converter (dates
    and JSON stored exactly as the bot's own writes store them), built once: the driver alone
    takes ~0.04 ms a batch, going through SQLAlchemy's execution ~0.7 ms, in the loop."""
    compiled = (sqlite.insert(TakenUpdate).values({c: bindparam(c) for c in _COLUMNS})
                .on_conflict_do_nothing(index_elements=["update_id"])
                .compile(dialect=_DIALECT))
    table = TakenUpdate.__table__
    order = [(name, table.c[name].type.bind_processor(_DIALECT))
             for name in compiled.positiontup or ()]
    return compiled.string, order


class QuickKeep:
    def __init__(self, conn: sqlite3.Connection, holder: str) -> None:
        self.conn, self.holder = conn, holder
        self.sql, self.order = _statement()

    @classmethod
    def for_database(cls, url: str | URL, holder: str) -> QuickKeep | None:
        """None unless the database is an SQLite file (PostgreSQL keeps through the pool)."""
        parsed = make_url(url)
        if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
            return None
        # Only the event loop's thread uses it. Autocommit mode: BEGIN IMMEDIATE below takes
        # the file's write lock or fails at once (busy timeout 0), never waits for it.
        conn = sqlite3.connect(parsed.database, timeout=0, isolation_level=None,
                               check_same_thread=False)
        conn.execute("PRAGMA synchronous=NORMAL")
        # Checkpoints are left to the bot's other connections: one here would run in the loop.
        conn.execute("PRAGMA wal_autocheckpoint=0")
        return cls(conn, holder)

    def keep(self, updates: list[tuple[int, int, dict[str, Any]]], now: Any) -> bool:
        """``(update_id, chat_key, payload)`` kept and committed: True; the file was busy
        (another connection writing) or anything else went wrong: False, nothing kept."""
        rows = []
        for update_id, chat_key, payload in updates:
            values = {"update_id": update_id, "chat_key": chat_key, "status": UPDATE_RECEIVED,
                      "holder": self.holder, "taken_at": now, "payload": payload, "refed": 0}
            rows.append(tuple(convert(values[name]) if convert else values[name]
                              for name, convert in self.order))
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:  # "database is locked": someone is writing
            log.debug("quick keep not taken: %s", exc)
            return False
        try:
            self.conn.executemany(self.sql, rows)
            self.conn.execute("COMMIT")
            return True
        except Exception:  # noqa: BLE001 - the usual keep still has the batch
            log.warning("quick keep failed", exc_info=True)
            try:
                self.conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass
            return False

    def close(self) -> None:
        self.conn.close()
