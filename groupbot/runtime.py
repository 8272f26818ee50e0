"""What every handler and job needs, built once per Application (settings, DB, clock)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from groupbot.clock import Clock
from groupbot.db import make_engine, make_sessionmaker, transaction
from groupbot.settings import Settings


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    clock: Clock
    community_id: int = 0
    bot_username: str = ""
    # Services that need a long-lived object (the evidence worker pool, ...) hang here.
    extras: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def create(
        cls,
        settings: Settings,
        *,
        clock: Clock | None = None,
        engine: AsyncEngine | None = None,
    ) -> Runtime:
        engine = engine or make_engine(settings.database_url)
        return cls(
            settings=settings,
            engine=engine,
            sessionmaker=make_sessionmaker(engine),
            clock=clock or Clock(),
        )

    @asynccontextmanager
    async def tx(self) -> AsyncIterator[AsyncSession]:
        """One session and one transaction, e.g. per update."""
        async with transaction(self.sessionmaker) as session:
            yield session

    def deep_link(self, payload: str) -> str:
        return f"https://t.me/{self.bot_username}?start={payload}"
