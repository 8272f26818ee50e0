"""Engine, sessions and schema upgrades.

SQLite (the default, one file under ./var/) runs with WAL and a busy timeout so the bot,
the scheduler and a CLI command can share it; PostgreSQL is used when the URL says so.

SQLite lets one connection write at a time. A writer that finds the file busy does not queue:
SQLite's busy handler sleeps and tries again (1, 2, 5, … up to 100 ms a sleep), so under a
burst of writes (a hundred claimants' steps) the writers spent most of their time asleep while
the lock was free (py-spy: 55 % of the database threads' time in usleep). Within one process
the writers therefore queue on an asyncio lock instead, taken at a transaction's first write
and given back at its commit or rollback (``_one_writer_at_a_time``), the record of a message
Telegram already accepted ahead of the others (``WriterQueue``); SQLite's own lock still
decides between processes (a CLI command beside the bot).
"""

from __future__ import annotations

import asyncio
import weakref
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.util import await_only
from sqlalchemy.util.concurrency import in_greenlet

import migrations

MIGRATIONS_DIR = Path(migrations.__file__).resolve().parent


# SQLite connections are cheap (a file handle and an idle thread each): enough for every update
# the processor runs at once (16 + 16 read-only) and the periodic passes, so that writers
# queued for the file's one write lock, each holding its connection, never leave a /help
# waiting for one (SQLAlchemy's default, 5 + 10, ran out in the claim rush).
SQLITE_POOL = (20, 30)


def normalise_url(url: str) -> str:
    """Accept the URLs people paste (postgres://, postgresql://, sqlite:///) and pick async drivers."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend in ("postgres", "postgresql") and parsed.drivername != "postgresql+asyncpg":
        parsed = parsed.set(drivername="postgresql+asyncpg")
    elif backend == "sqlite" and parsed.drivername != "sqlite+aiosqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str, *, schema: str | None = None, echo: bool = False) -> AsyncEngine:
    """Create the async engine; ``schema`` (PostgreSQL only) isolates test runs."""
    url = normalise_url(url)
    parsed = make_url(url)
    kwargs: dict[str, Any] = {"echo": echo}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": 30}
        kwargs["pool_size"], kwargs["max_overflow"] = SQLITE_POOL
        # The most recently used connection first: each SQLite connection has its own page
        # cache, dropped whenever another connection wrote, and its own thread. Taken in turn
        # (SQLAlchemy's default) a quiet bot's /help went through a cold one every time.
        kwargs["pool_use_lifo"] = True
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        # In this order: a dropped connection gives back SQLite's lock before the next writer
        # in the queue is let in (the pool runs its `invalidate` listeners as registered).
        _lost_connections_roll_back(engine)
        _one_writer_at_a_time(engine)
        return engine
    if schema:
        kwargs["connect_args"] = {"server_settings": {"search_path": schema}}
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")
_HOLDS = "groupbot.writer_lock"
_URGENT = "groupbot.urgent_write"


class WriterQueue:
    """One writer at a time, first come first served, except that an urgent writer goes
    ahead of every waiting ordinary one: the record of a message Telegram already accepted
    (groupbot/sent_records.py) must not wait behind a hundred claim steps, as a process killed
    in that wait sends the message again."""

    def __init__(self) -> None:
        self._held = False
        self._urgent: deque[asyncio.Future[None]] = deque()
        self._ordinary: deque[asyncio.Future[None]] = deque()

    async def acquire(self, urgent: bool = False) -> None:
        if not self._held and not self._urgent and not self._ordinary:
            self._held = True
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue = self._urgent if urgent else self._ordinary
        queue.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # handed over just as the waiter was cancelled: pass it on
            else:
                queue.remove(waiter)
            raise

    def release(self) -> None:
        for queue in (self._urgent, self._ordinary):
            while queue:
                waiter = queue.popleft()
                if not waiter.done():
                    waiter.set_result(None)  # the lock passes to it: still held
                    return
        self._held = False


def urgent_write(conn: Any) -> None:
    """Mark the connection's transaction (an AsyncConnection) as one that goes ahead in the
    queue of SQLite writers; a no-op on PostgreSQL."""
    conn.sync_connection.info[_URGENT] = True


def _one_writer_at_a_time(engine: AsyncEngine) -> None:
    queues: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, WriterQueue] = (
        weakref.WeakKeyDictionary())

    def writing(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if _HOLDS in conn.info or not statement.lstrip()[:7].upper().startswith(_WRITES):
            return
        queue = queues.setdefault(asyncio.get_running_loop(), WriterQueue())
        # we run inside SQLAlchemy's greenlet: the loop goes on
        await_only(queue.acquire(urgent=conn.info.pop(_URGENT, False)))
        conn.info[_HOLDS] = queue

    def release(info: dict[Any, Any]) -> None:
        info.pop(_URGENT, None)
        if (queue := info.pop(_HOLDS, None)) is not None:
            queue.release()

    def done(conn: Any, *_args: Any) -> None:
        if not conn.invalidated:  # else its info is gone with it: `dropped` let the next one in
            release(conn.info)

    def dropped(_dbapi_conn: Any, record: Any, *_args: Any) -> None:
        # Also on check-in, in case neither event came, and on invalidation (a unit cancelled
        # inside a statement, as at Ctrl+C), which closes the connection before the rollback.
        release(record.info)

    sync = engine.sync_engine
    event.listen(sync, "before_cursor_execute", writing)
    event.listen(sync, "commit", done)
    event.listen(sync, "rollback", done)
    event.listen(sync.pool, "checkin", dropped)
    event.listen(sync.pool, "invalidate", dropped)


def _lost_connections_roll_back(engine: AsyncEngine) -> None:
    """A unit cancelled inside a statement (Ctrl+C, a shutdown) makes SQLAlchemy drop its
    connection without a rollback. SQLite closes such a connection only once every statement
    it prepared is gone, and the cancelled one lives on in the traceback: its transaction, and
    the file's write lock, stayed, and every later write waited out the busy timeout (a
    sandbox stopped under load hung for minutes). Roll it back first, on its own thread."""

    def lost(_dbapi_conn: Any, record: Any, *_args: Any) -> None:
        if not in_greenlet():  # garbage collection: nothing to wait on here
            return
        try:
            await_only(asyncio.shield(record.driver_connection.rollback()))
        except Exception:  # noqa: BLE001 — already closed: nothing is held
            pass

    event.listen(engine.sync_engine.pool, "invalidate", lost)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def transaction(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """One session, one transaction: committed on success, rolled back on error."""
    async with sessionmaker() as session, session.begin():
        yield session


def is_postgres(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "postgresql"


# --- Alembic ---------------------------------------------------------------------------------


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg


def _run(connection: Connection, action: str, revision: str) -> None:
    cfg = alembic_config()
    cfg.attributes["connection"] = connection
    if action == "upgrade":
        command.upgrade(cfg, revision)
    else:
        command.downgrade(cfg, revision)


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (the bot calls this at start)."""
    await _change_schema(engine, "upgrade", revision)


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    await _change_schema(engine, "downgrade", revision)


async def _change_schema(engine: AsyncEngine, action: str, revision: str) -> None:
    """Run the revisions in one transaction.

    SQLite alters a table by rebuilding it (copy, drop, rename). Its documented procedure
    turns foreign keys off first (else dropping the old table cascade-deletes the rows that
    point at it), checks them before committing, and turns them back on; the pragma only
    takes effect outside a transaction, hence before the first statement and after commit.
    """
    sqlite = engine.dialect.name == "sqlite"
    async with engine.connect() as conn:
        if sqlite:
            await conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        try:
            await conn.run_sync(_run, action, revision)
            if sqlite and (broken := (await conn.exec_driver_sql(
                    "PRAGMA foreign_key_check")).all()):
                raise RuntimeError(f"schema {action} left broken references: {broken[:5]}")
            await conn.commit()
        except BaseException:
            await conn.rollback()
            raise
        finally:
            if sqlite:
                await conn.exec_driver_sql("PRAGMA foreign_keys=ON")


async def current_revision(engine: AsyncEngine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    def _current(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as conn:
        return await conn.run_sync(_current)
