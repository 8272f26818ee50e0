"""SQLite's sent journal: a message Telegram accepted is written down before anything else.

The Bot API has no idempotent send, so a SIGKILL between Telegram storing a message and the
commit of its "sent" record sends that message again after the restart. On SQLite that record
waits for the database's one writer: whichever unit holds the write lock when Telegram answers
(1.7 ms at p50 and 19 ms at p99 in ``benchmarks/crash.py``). So each recorder first writes
(recorder, row, message id) into a small SQLite file of its own beside the database
(``<database>.sent-journal``), synchronously, on the event loop, the moment the answer is
handed over: one autocommitted INSERT in WAL mode, tens of microseconds, no lock shared with
the database. Like the database (``synchronous=NORMAL``) it survives the process being killed,
not the machine losing power. The record then goes to the database as before, and the line
is forgotten. A process starting applies what the journal still holds to the rows still
waiting for a message id, before its outbox, posts or broadcasts send anything
(``groupbot.sent_records.replay_journal``, from groupbot/app.py), then empties it.

PostgreSQL needs none: its recorder writes on a connection of its own without waiting for any
other writer (groupbot/sent_records.py), and several processes share its rows.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from datetime import datetime

from groupbot.runtime import Runtime

_KEY = "groupbot.sent_journal"
SUFFIX = ".sent-journal"

# Set around a send whose record starts with a journal line (``Recorder.expecting``): the Bot
# API transport (handlers/wire.py) calls it with the message id the moment it has read
# Telegram's answer, before PTB parses it and hands it back (half the window that is left:
# ~1 ms of ~2 in benchmarks/crash.py --windows).
answer_read: ContextVar[Callable[[int], None] | None] = ContextVar("answer_read", default=None)


class SentJournal:
    def __init__(self, path: str) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)  # autocommit: one INSERT, done
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute(
            "CREATE TABLE IF NOT EXISTS sent (recorder TEXT NOT NULL, row_id INTEGER NOT NULL, "
            "message_id INTEGER NOT NULL, at TEXT NOT NULL, PRIMARY KEY (recorder, row_id)) "
            "WITHOUT ROWID")

    def write(self, recorder: str, row_id: int, message_id: int, at: datetime) -> None:
        self.conn.execute("INSERT OR REPLACE INTO sent VALUES (?, ?, ?, ?)",
                          (recorder, row_id, message_id, at.isoformat()))

    def forget(self, recorder: str, rows: Iterable[int]) -> None:
        self.conn.executemany("DELETE FROM sent WHERE recorder = ? AND row_id = ?",
                              [(recorder, row) for row in rows])

    def held(self) -> dict[str, list[tuple[int, int, datetime]]]:
        """recorder → (row, message id, when) of every line not forgotten."""
        out: dict[str, list[tuple[int, int, datetime]]] = {}
        for recorder, row, message, at in self.conn.execute(
                "SELECT recorder, row_id, message_id, at FROM sent ORDER BY recorder, row_id"):
            out.setdefault(recorder, []).append((row, message, datetime.fromisoformat(at)))
        return out

    def close(self) -> None:
        self.conn.close()


def path_for(rt: Runtime) -> str | None:
    """The journal's file: beside a SQLite database file; None for PostgreSQL or :memory:."""
    url = rt.engine.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return f"{url.database}{SUFFIX}"


def of(rt: Runtime) -> SentJournal | None:
    """The process's journal, opened on first use (None where there is none)."""
    if _KEY not in rt.extras:
        path = path_for(rt)
        rt.extras[_KEY] = SentJournal(path) if path else None
    return rt.extras[_KEY]


def close(rt: Runtime) -> None:
    journal = rt.extras.pop(_KEY, None)
    if journal is not None:
        journal.close()
