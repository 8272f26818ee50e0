"""Periodic work. APScheduler (PTB's JobQueue) only *triggers* it; the state lives in the DB,
so every run is idempotent and a restart simply carries on with what is due."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

from groupbot.notify import Sender
from groupbot.runtime import Runtime

log = logging.getLogger(__name__)

Periodic = Callable[[Runtime, Sender], Awaitable[object]]


def _lock(rt: Runtime) -> asyncio.Lock:
    # One pass at a time per process: the tick and a "kick" after a commit never overlap.
    return rt.extras.setdefault("tick_lock", asyncio.Lock())


async def run_due(rt: Runtime, sender: Sender, jobs: Sequence[Periodic]) -> None:
    async with _lock(rt):
        for job in jobs:
            try:
                await job(rt, sender)
            except Exception:  # one failing job must not starve the others
                log.exception("periodic job %s failed", getattr(job, "__name__", job))
