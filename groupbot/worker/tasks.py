"""The procrastinate app and its tasks: ``check_photo`` and the stalled-job sweeper."""

from __future__ import annotations

import logging
from typing import Any

import procrastinate
from sqlalchemy import text, update

from groupbot.models.scale import CHECK_DONE, CHECK_QUEUED, PhotoCheckJob
from groupbot.scale.locks import locks_of, plain_dsn
from groupbot.scale.updates import wall_now

log = logging.getLogger(__name__)

QUEUE = "evidence"
CHECK_PHOTO = "groupbot.check_photo"
SWEEP_SECONDS = 5


async def schema_of(engine: Any) -> str:
    async with engine.connect() as conn:
        return str((await conn.execute(text("SELECT current_schema()"))).scalar_one())


def build_app(engine: Any, schema: str) -> procrastinate.App:
    """A procrastinate app on the bot's database and schema (its tables live beside ours)."""
    connector = procrastinate.PsycopgConnector(
        conninfo=plain_dsn(engine), kwargs={"options": f"-c search_path={schema}"},
        min_size=1, max_size=4)
    app = procrastinate.App(connector=connector)

    @app.task(name=CHECK_PHOTO, queue=QUEUE, pass_context=True)
    async def check_photo(context: procrastinate.JobContext, check_id: int) -> None:
        await analyse(context.additional_context["rt"], context.additional_context["engine"],
                      check_id)

    @app.periodic(cron=f"* * * * * */{SWEEP_SECONDS}", periodic_id="stalled")
    @app.task(name="groupbot.retry_stalled", queue=QUEUE, pass_context=True,
              queueing_lock="groupbot.retry_stalled")
    async def retry_stalled(context: procrastinate.JobContext, timestamp: int) -> None:
        lease = context.additional_context["lease"]
        for job in await context.app.job_manager.get_stalled_jobs(
                task_name=CHECK_PHOTO, seconds_since_heartbeat=lease):
            log.warning("photo check job %s: its worker died; queued again", job.id)
            await context.app.job_manager.retry_job(job)

    return app


async def analyse(rt: Any, engine: Any, check_id: int) -> bool:
    """Analyse one stored photo and record the findings once. False: nothing left to do."""
    async with rt.tx() as session:
        row = await session.get(PhotoCheckJob, check_id)
        if row is None or row.status != CHECK_QUEUED or row.data is None:
            return False  # done already (a retried job): completes once
        data, expected, mode = bytes(row.data), list(row.expected), row.ocr_mode
    found = await engine.analyse_photo(data, expected, ocr_mode=mode)
    async with rt.tx() as session:
        result = await session.execute(
            update(PhotoCheckJob)
            .where(PhotoCheckJob.id == check_id, PhotoCheckJob.status == CHECK_QUEUED)
            .values(status=CHECK_DONE, findings=found.to_dict(), data=None,
                    runs=PhotoCheckJob.runs + 1, done_at=wall_now()))
    return bool(result.rowcount)


async def ensure_schema(rt: Any, app: procrastinate.App) -> None:
    """procrastinate's own tables, created once per database schema by its schema manager
    (under an advisory lock: two processes starting together must not both create them)."""
    locks = locks_of(rt)
    assert locks is not None, "procrastinate needs PostgreSQL"
    async with locks.hold("procrastinate-schema", ""):
        async with rt.engine.connect() as conn:
            exists = (await conn.execute(
                text("SELECT to_regclass('procrastinate_jobs')"))).scalar()
        if exists is None:
            await app.schema_manager.apply_schema_async()
