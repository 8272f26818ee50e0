"""Periodic work. APScheduler (PTB's JobQueue) only *triggers* it; the state lives in the DB,
so every run is idempotent and a restart simply carries on with what is due.

With several processes on PostgreSQL one of them leads (groupbot/scale/leader.py) and runs
every job; the others run only the jobs marked ``anywhere``, which claim their rows with
``SELECT … FOR UPDATE SKIP LOCKED`` (the outbox), so a process that just committed a message
sends it itself without waiting for the leader's tick. On SQLite the one process leads.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

from groupbot.notify import Sender
from groupbot.runtime import Runtime
from groupbot.scale.leader import leads

log = logging.getLogger(__name__)

Periodic = Callable[[Runtime, Sender], Awaitable[object]]
_ANYWHERE: set[Periodic] = set()


def anywhere(job: Periodic) -> Periodic:
    """Mark a job safe to run in every process at once (it claims its rows)."""
    _ANYWHERE.add(job)
    return job


def _lock(rt: Runtime) -> asyncio.Lock:
    # One pass at a time per process: the tick and a "kick" after a commit never overlap.
    return rt.extras.setdefault("tick_lock", asyncio.Lock())


async def run_due(rt: Runtime, sender: Sender, jobs: Sequence[Periodic]) -> None:
    async with _lock(rt):
        leading = await leads(rt)
        for job in jobs:
            if not leading and job not in _ANYWHERE:
                continue
            try:
                await job(rt, sender)
            except Exception:  # one failing job must not starve the others
                log.exception("periodic job %s failed", getattr(job, "__name__", job))
