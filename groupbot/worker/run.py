"""`groupbot worker`: one procrastinate worker analysing claim photos, with a heartbeat row
so `groupbot status` lists it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os

from groupbot import db
from groupbot.evidence import EvidenceEngine
from groupbot.models.scale import PROCESS_WORKER
from groupbot.runtime import Runtime
from groupbot.scale import beats
from groupbot.settings import Settings
from groupbot.worker.tasks import QUEUE, build_app, ensure_schema, schema_of

log = logging.getLogger(__name__)


async def _beating(rt: Runtime) -> None:
    while True:
        try:
            await beats.beat(rt, PROCESS_WORKER, "worker", False)
        except Exception:  # noqa: BLE001 - a missed beat is retried; the work goes on
            log.warning("worker heartbeat failed", exc_info=True)
        await asyncio.sleep(max(0.5, rt.settings.process_lease_seconds / 3))


async def run_worker(settings: Settings, *, rt: Runtime | None = None,
                     concurrency: int | None = None, install_signal_handlers: bool = True
                     ) -> int:
    rt = rt or Runtime.create(settings)
    await db.upgrade(rt.engine)
    lease = settings.process_lease_seconds
    # One analysis per core: the photo work is CPU-bound and runs off the loop.
    cores = concurrency or max(1, len(os.sched_getaffinity(0)))
    engine = EvidenceEngine(workers=cores, pool="thread", max_bytes=settings.max_photo_bytes)
    app = build_app(rt.engine, await schema_of(rt.engine))
    beating = asyncio.create_task(_beating(rt))
    try:
        async with app.open_async():
            await ensure_schema(rt, app)
            log.info("evidence worker %s ready (%d at a time)", beats.me(rt), cores)
            await app.run_worker_async(
                queues=[QUEUE], concurrency=cores, name=beats.me(rt),
                additional_context={"rt": rt, "engine": engine, "lease": lease},
                update_heartbeat_interval=max(0.5, lease / 3), stalled_worker_timeout=lease,
                install_signal_handlers=install_signal_handlers, delete_jobs="successful")
    finally:
        beating.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await beating
        await beats.leave(rt)
        engine.close()
        await rt.engine.dispose()
    return 0
