"""The scale tests need PostgreSQL (several processes share one database only there); they run
in CI, where a missing server fails the run instead of skipping it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.conftest import empty_database


@pytest.fixture(params=["postgres"])
async def database(request: pytest.FixtureRequest, tmp_path) -> AsyncIterator[tuple[str, str]]:
    async for found in empty_database(request.param, tmp_path):
        yield found
