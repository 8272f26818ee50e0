"""PostgreSQL advisory locks, on connections of their own.

A lock held while an update is handled (per chat) or while a process leads (the scheduler)
lives on an asyncpg connection outside the bot's SQLAlchemy pool and outside any transaction,
so it never holds a pooled connection or a transaction across a Telegram call. A process that
dies loses its connection and with it its locks: PostgreSQL hands them to the next waiter at
once (TCP keepalives make a vanished host count as dead within ~10 s).

Keys are 64-bit hashes of (database, schema, purpose, key): two communities, or two test
schemas on one server, never share a lock.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)

# The server closes a lock connection whose peer stopped answering after ~5 + 2×2 s.
_KEEPALIVE = {"tcp_keepalives_idle": "5", "tcp_keepalives_interval": "2",
              "tcp_keepalives_count": "2", "application_name": "groupbot-locks"}
LOCK_CONNECTIONS = 8  # per process: at most this many chats wait on or hold a lock at once


def lock_key(namespace: str, purpose: str, key: object = "") -> int:
    digest = hashlib.blake2b(f"{namespace}|{purpose}|{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def plain_dsn(engine: AsyncEngine) -> str:
    """The engine's URL for libpq-style clients (asyncpg, psycopg): no SQLAlchemy driver."""
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


class AdvisoryLocks:
    """Session-level advisory locks of one process on one database schema."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.namespace = ""
        self._pool: asyncpg.Pool | None = None
        self._ready = asyncio.Lock()

    async def _setup(self) -> asyncpg.Pool:
        async with self._ready:
            if self._pool is None:
                async with self.engine.connect() as conn:
                    row = (await conn.execute(
                        text("SELECT current_database(), current_schema()"))).one()
                self.namespace = f"{row[0]}/{row[1]}"
                self._pool = await asyncpg.create_pool(
                    plain_dsn(self.engine), min_size=0, max_size=LOCK_CONNECTIONS,
                    server_settings=_KEEPALIVE)
            return self._pool

    async def connect(self) -> asyncpg.Connection:
        """A connection of its own (the leader keeps one for as long as it leads)."""
        await self._setup()
        return await asyncpg.connect(plain_dsn(self.engine), server_settings=_KEEPALIVE)

    async def key(self, purpose: str, key: object = "") -> int:
        await self._setup()
        return lock_key(self.namespace, purpose, key)

    @asynccontextmanager
    async def hold(self, purpose: str, key: object) -> AsyncIterator[None]:
        """Wait for the lock (waiters are served in arrival order), hold it for the block."""
        pool = await self._setup()
        number = lock_key(self.namespace, purpose, key)
        async with pool.acquire() as conn:
            await conn.execute("SELECT pg_advisory_lock($1)", number)
            try:
                yield
            finally:
                # On cancellation the pool's reset (pg_advisory_unlock_all) releases it.
                await asyncio.shield(conn.execute("SELECT pg_advisory_unlock($1)", number))

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()


def locks_of(rt: Any) -> AdvisoryLocks | None:
    """The process's locks on PostgreSQL; None on SQLite (one process, nothing to share)."""
    if rt.engine.dialect.name != "postgresql":
        return None
    found = rt.extras.get("scale.locks")
    if found is None:
        found = rt.extras["scale.locks"] = AdvisoryLocks(rt.engine)
    return found
