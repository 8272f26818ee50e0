"""One leader among the bot processes for the work that must run once per tick (closing
deals, the review clocks, posting cards, starting broadcasts, ...).

The leader holds a PostgreSQL advisory lock on a connection of its own. Every tick each
process asks ``leads()``: the leader checks its connection is alive, the others try the lock.
When the leader dies its connection closes, PostgreSQL releases the lock, and the first
process whose next tick comes takes over: failover within one tick interval. On SQLite there
is one process and it always leads.
"""

from __future__ import annotations

import logging
from typing import Any

import asyncpg

from groupbot.scale.locks import AdvisoryLocks, locks_of

log = logging.getLogger(__name__)
LEADER = "leader"


class Leadership:
    def __init__(self, locks: AdvisoryLocks) -> None:
        self.locks = locks
        self.leading = False
        self._conn: asyncpg.Connection | None = None

    async def check(self) -> bool:
        try:
            if self._conn is None or self._conn.is_closed():
                self.leading = False
                self._conn = await self.locks.connect()
            if self.leading:
                await self._conn.fetchval("SELECT 1")  # still connected: still the leader
            else:
                key = await self.locks.key(LEADER)
                self.leading = bool(await self._conn.fetchval(
                    "SELECT pg_try_advisory_lock($1)", key))
                if self.leading:
                    log.info("this process now leads the periodic work")
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.warning("leader lock connection lost: %s", exc)
            await self.close()
        return self.leading

    def holding(self) -> bool:
        """Leading, as far as we know without a round trip: asyncpg sees a lost connection
        (and with it the lock) as soon as the socket closes."""
        return self.leading and self._conn is not None and not self._conn.is_closed()

    async def close(self) -> None:
        conn, self._conn, self.leading = self._conn, None, False
        if conn is not None and not conn.is_closed():
            try:
                await conn.close(timeout=2)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError):
                conn.terminate()


def leadership_of(rt: Any) -> Leadership | None:
    locks = locks_of(rt)
    if locks is None:
        return None
    found = rt.extras.get("scale.leader")
    if found is None:
        found = rt.extras["scale.leader"] = Leadership(locks)
    return found


async def leads(rt: Any) -> bool:
    """Whether this process runs the once-per-tick work now (always, on SQLite)."""
    leadership = leadership_of(rt)
    return True if leadership is None else await leadership.check()


def is_leading(rt: Any) -> bool:
    """The last answer of ``leads`` without asking the database (for long-running work)."""
    leadership = rt.extras.get("scale.leader")
    return True if leadership is None else leadership.holding()
