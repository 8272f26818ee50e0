"""Shared fixtures: a database per test (SQLite file and PostgreSQL schema), the sandbox,
and the real bot running against it over HTTP.

PostgreSQL: ``GROUPBOT_TEST_POSTGRES_URL`` or the local server on 127.0.0.1:5432 (trust auth,
database ``test``). Where none answers, the PostgreSQL runs are skipped with a one-line notice,
except in CI (``CI=true``), where that is an error.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator

import pytest

from groupbot import sent_records
from groupbot.clock import FrozenClock
from groupbot.db import make_engine, upgrade
from groupbot.runtime import Runtime
from groupbot.settings import Settings
from tests.harness import BotHarness

PG_URL = os.environ.get(
    "GROUPBOT_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _asyncpg_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def _pg_reachable() -> str | None:
    import asyncpg

    try:
        conn = await asyncio.wait_for(asyncpg.connect(_asyncpg_dsn(PG_URL)), timeout=5)
    except Exception as exc:  # any failure to connect means "no server here"
        return f"{type(exc).__name__}: {exc}"
    await conn.close()
    return None


_PG_PROBLEM: str | None = None


def pytest_configure(config: pytest.Config) -> None:
    global _PG_PROBLEM
    _PG_PROBLEM = asyncio.run(_pg_reachable())


def pytest_report_header(config: pytest.Config) -> str:
    if _PG_PROBLEM is None:
        return f"postgresql: {PG_URL}"
    if IN_CI:
        return f"postgresql: NOT reachable at {PG_URL} ({_PG_PROBLEM}) — CI=true, so its runs fail"
    return f"postgresql: not reachable at {PG_URL}: PostgreSQL runs are skipped"


@pytest.fixture(params=["sqlite", "postgres"])
async def database(request: pytest.FixtureRequest, tmp_path) -> AsyncIterator[tuple[str, str]]:
    """(backend, url) of an empty database; PostgreSQL gets a fresh schema per test."""
    async for found in empty_database(request.param, tmp_path):
        yield found


async def empty_database(backend: str, tmp_path) -> AsyncIterator[tuple[str, str]]:
    if backend == "sqlite":
        yield "sqlite", f"sqlite+aiosqlite:///{tmp_path / 'groupbot.db'}"
        return
    if _PG_PROBLEM is not None:
        if IN_CI:
            pytest.fail(f"CI=true but PostgreSQL is not reachable at {PG_URL}: {_PG_PROBLEM}")
        pytest.skip("PostgreSQL not reachable")
    import asyncpg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(_asyncpg_dsn(PG_URL))
    await conn.execute(f'CREATE SCHEMA "{schema}"')
    await conn.close()
    try:
        yield "postgres", f"{PG_URL}#schema={schema}"
    finally:
        conn = await asyncpg.connect(_asyncpg_dsn(PG_URL))
        await conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await conn.close()


def engine_for(url: str):
    base, _, fragment = url.partition("#schema=")
    return make_engine(base, schema=fragment or None)


@pytest.fixture
def clock() -> FrozenClock:
    from datetime import UTC, datetime

    return FrozenClock(datetime(2026, 11, 20, 2, 0, tzinfo=UTC))  # 10:00 in Asia/Shanghai


@pytest.fixture
async def runtime(database, clock) -> AsyncIterator[Runtime]:
    """A migrated database and the runtime around it, without the bot."""
    _backend, url = database
    engine = engine_for(url)
    await upgrade(engine)
    settings = Settings(database_url=url.partition("#")[0])
    rt = Runtime.create(settings, clock=clock, engine=engine)
    yield rt
    await sent_records.close_shared(rt)
    await engine.dispose()


@pytest.fixture
async def sandbox() -> AsyncIterator:
    from groupbot.sandbox import Sandbox

    async with Sandbox() as sb:
        yield sb


@pytest.fixture
def settings_for():
    """Settings pointing at a sandbox; tests may override any field."""

    def make(sb, url: str, **overrides) -> Settings:
        base = dict(
            bot_token=sb.token,
            base_url=sb.base_url,
            base_file_url=sb.base_file_url,
            database_url=url.partition("#")[0],
            rate_group_per_minute=600,
            tick_seconds=0.2,
        )
        base.update(overrides)
        return Settings(**base)

    return make


@pytest.fixture
async def bot(sandbox, database, clock, settings_for, request) -> AsyncIterator[BotHarness]:
    """The real Application polling the sandbox. Mark a test with
    ``@pytest.mark.settings(field=value)`` to change settings."""
    marker = request.node.get_closest_marker("settings")
    overrides = dict(marker.kwargs) if marker else {}
    _backend, url = database
    harness = BotHarness(sandbox, settings_for(sandbox, url, **overrides), engine_for(url), clock)
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()
