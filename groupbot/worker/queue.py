"""The bot's side: an evidence engine whose photo analysis is done by workers.

It stands where the in-process engine stood (``rt.extras["evidence"]``), so the claim flow
is the same in both modes: ``analyse_photo`` stores the photo, defers the job under the chat's
procrastinate lock, and waits for the findings the worker records. Drawing the evidence sheet
stays local (cheap, and it needs the photos the bot has anyway).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert

from groupbot.evidence.findings import PhotoFindings
from groupbot.models.scale import CHECK_DONE, CHECK_QUEUED, PhotoCheckJob
from groupbot.scale.status import Queue
from groupbot.scale.updates import current_chat, wall_now
from groupbot.worker.findings import findings_from_dict
from groupbot.worker.tasks import CHECK_PHOTO, build_app, ensure_schema, schema_of

log = logging.getLogger(__name__)
POLL_SECONDS = 0.05
WAIT_SECONDS = 300.0  # no worker for this long: say so to the member instead of hanging


def check_key(data: bytes, expected: Sequence[str], ocr_mode: str) -> str:
    digest = hashlib.sha256(data)
    digest.update(json.dumps([sorted(expected), ocr_mode]).encode())
    return digest.hexdigest()


class QueuedEvidenceEngine:
    def __init__(self, rt: Any, local: Any) -> None:
        self.rt = rt
        self.local = local  # for the sheet, the verdict and analyse_claim's helpers
        self.app: Any = None

    async def open(self) -> None:
        self.app = build_app(self.rt.engine, await schema_of(self.rt.engine))
        await self.app.open_async()
        await ensure_schema(self.rt, self.app)

    async def close_async(self) -> None:
        if self.app is not None:
            await self.app.close_async()
            self.app = None

    async def analyse_photo(self, data: bytes, expected: Sequence[str] = (), *,
                            timeout: float | None = None,  # noqa: ASYNC109 - as the engine's
                            ocr_mode: str = "label") -> PhotoFindings:
        check_id = await self._store(data, list(expected), ocr_mode)
        found = await self._findings(check_id)
        if found is None:
            # One chat's photos in order; work outside any chat (0) takes no lock: one shared
            # lock would run all of it one job at a time, however many workers there are.
            chat = current_chat.get()
            job = self.app.configure_task(CHECK_PHOTO, lock=f"chat:{chat}" if chat else None)
            await job.defer_async(check_id=check_id)
            found = await self._wait(check_id, timeout or WAIT_SECONDS)
        return found

    async def _store(self, data: bytes, expected: list[str], ocr_mode: str) -> int:
        key = check_key(data, expected, ocr_mode)
        async with self.rt.tx() as session:
            await session.execute(insert(PhotoCheckJob).values(
                key=key, expected=expected, ocr_mode=ocr_mode, data=data, status=CHECK_QUEUED,
                runs=0, created_at=wall_now()).on_conflict_do_nothing(index_elements=["key"]))
            return int(await session.scalar(
                select(PhotoCheckJob.id).where(PhotoCheckJob.key == key)))

    async def _findings(self, check_id: int) -> PhotoFindings | None:
        async with self.rt.tx() as session:
            row = (await session.execute(select(PhotoCheckJob.status, PhotoCheckJob.findings)
                                         .where(PhotoCheckJob.id == check_id))).one()
        return findings_from_dict(row.findings) if row.status == CHECK_DONE else None

    async def _wait(self, check_id: int, limit: float) -> PhotoFindings:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
        while loop.time() < deadline:
            await asyncio.sleep(POLL_SECONDS)
            found = await self._findings(check_id)
            if found is not None:
                return found
        log.warning("photo check %s: no worker finished it in %.0f s", check_id, limit)
        return PhotoFindings(error="timeout")

    async def analyse_claim(self, *args: Any, **kwargs: Any) -> Any:
        # The local engine's claim logic, with every photo analysed through the queue.
        return await type(self.local).analyse_claim(self, *args, **kwargs)  # type: ignore[arg-type]

    def verdict(self, *args: Any, **kwargs: Any) -> Any:
        return self.local.verdict(*args, **kwargs)

    def render_sheet(self, *args: Any, **kwargs: Any) -> bytes:
        return self.local.render_sheet(*args, **kwargs)

    def close(self) -> None:
        self.local.close()


async def evidence_queues(rt: Any) -> list[Queue]:
    """Waiting and running photo checks, for `groupbot status` (none on SQLite)."""
    if rt.engine.dialect.name != "postgresql":
        return []
    async with rt.engine.connect() as conn:
        if (await conn.execute(text("SELECT to_regclass('procrastinate_jobs')"))).scalar() is None:
            return []
        rows = (await conn.execute(text(
            "SELECT status, count(*), min(scheduled_at) FROM procrastinate_jobs "
            "WHERE task_name = :task AND status IN ('todo', 'doing') GROUP BY status"),
            {"task": CHECK_PHOTO})).all()
    found = {r[0]: (int(r[1]), r[2]) for r in rows}
    todo, doing = found.get("todo", (0, None)), found.get("doing", (0, None))
    return [Queue("evidence", todo[0], todo[1]), Queue("evidence_doing", doing[0])]

