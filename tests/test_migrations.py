"""Alembic creates every table; every revision goes up, down and up again."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from groupbot.db import alembic_config, current_revision, downgrade, upgrade
from groupbot.models import Base
from tests.conftest import engine_for


def _revisions() -> list[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return [r.revision for r in reversed(list(script.walk_revisions()))]


async def test_stairway_upgrade_downgrade_upgrade(database):
    _backend, url = database
    engine = engine_for(url)
    try:
        revisions = _revisions()
        assert revisions, "no migrations found"
        previous = "base"
        for revision in revisions:
            await upgrade(engine, revision)
            await downgrade(engine, previous)
            await upgrade(engine, revision)
            assert await current_revision(engine) == revision
            previous = revision
    finally:
        await engine.dispose()


async def test_migrations_match_the_models(database):
    _backend, url = database
    engine = engine_for(url)
    try:
        await upgrade(engine)

        def diff(connection):
            ctx = MigrationContext.configure(connection, opts={"compare_type": False})
            return compare_metadata(ctx, Base.metadata)

        async with engine.connect() as conn:
            changes = await conn.run_sync(diff)
        assert changes == []
    finally:
        await engine.dispose()
