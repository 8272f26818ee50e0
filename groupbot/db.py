"""Engine, sessions and schema upgrades.

SQLite (the default, one file under ./var/) runs with WAL and a busy timeout so the bot,
the scheduler and a CLI command can share it; PostgreSQL is used when the URL says so.
"""

from __future__ import annotations

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

import migrations

MIGRATIONS_DIR = Path(migrations.__file__).resolve().parent


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
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
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
