"""Alembic environment: runs on a connection handed in by groupbot.db, or on the configured URL."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

import groupbot.models  # noqa: F401  (registers every table)
from groupbot.models.base import Base

config = context.config
target_metadata = Base.metadata


def _configure_and_run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode recreates tables instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_with_url() -> None:
    from groupbot.db import make_engine

    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    async with engine.connect() as conn:
        if conn.dialect.name == "sqlite":  # tables are rebuilt: see groupbot.db._change_schema
            await conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        await conn.run_sync(_configure_and_run)
        await conn.commit()
    await engine.dispose()


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
elif (connection := config.attributes.get("connection")) is not None:
    _configure_and_run(connection)
else:
    asyncio.run(_run_with_url())
