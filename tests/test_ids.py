"""Numbers people are shown, or that an old button carries, are never handed out twice:
not after a row is deleted, not on SQLite either, and not when the schema is upgraded."""

import pytest
from sqlalchemy import Integer, select, text

from groupbot.db import downgrade, upgrade
from groupbot.models import Base, Refund
from tests.conftest import engine_for
from tests.reviews.helpers import REVIEW_SETTINGS, cast, fresh, submitted_claim, t


def _tables_with_ids() -> list[str]:
    """Tables numbered by the database (a process's "host:pid:random" id is not a number)."""
    return sorted(name for name, table in Base.metadata.tables.items()
                  if [c.name for c in table.primary_key.columns] == ["id"]
                  and table.c.id.type.python_type is int)


@pytest.mark.settings(**REVIEW_SETTINGS, auto_approve_enabled=True)
async def test_a_withdrawn_refund_number_is_not_given_to_the_next_refund(bot):
    c = cast(bot)
    claim_id = await submitted_claim(bot, c.ming)
    _sheet, card = bot.replies(c.room)
    async with bot.rt.tx() as s:
        withdrawn = await s.scalar(select(Refund.id))
    await bot.say(c.zhao, "/payouts")
    [listing] = bot.replies(c.zhao)
    assert [data for _label, data in bot.sb.buttons(listing)] == [f"rv:p:{withdrawn}"]
    await bot.tap(c.li, card, f"rv:x:{claim_id}")  # the auto-approval undone: refund deleted
    await bot.tap(c.li, fresh(bot, card), f"rv:a:{claim_id}")  # approved again by a person
    bot.replies(c.ming)
    async with bot.rt.tx() as s:
        [current] = list(await s.scalars(select(Refund.id)))
    assert current != withdrawn
    # Zhao's old listing still shows the withdrawn refund's button: it must not pay the new one.
    query = await bot.sb.tap(c.zhao, listing, f"rv:p:{withdrawn}")
    await bot.settle()
    assert bot.sb.answer_of(query)["text"] == t("reviews.refuse.refund_not_found",
                                                refund=withdrawn)
    assert bot.replies(c.zhao) == []


async def test_the_highest_row_deleted_its_id_is_not_reused(runtime):
    async with runtime.tx() as s:
        await s.execute(text("INSERT INTO communities (title, created_at) "
                             "VALUES ('一', CURRENT_TIMESTAMP), ('二', CURRENT_TIMESTAMP)"))
        highest = await s.scalar(text("SELECT max(id) FROM communities"))
        await s.execute(text("DELETE FROM communities WHERE id = :id"), {"id": highest})
    async with runtime.tx() as s:
        await s.execute(text("INSERT INTO communities (title, created_at) "
                             "VALUES ('三', CURRENT_TIMESTAMP)"))
        assert await s.scalar(text("SELECT max(id) FROM communities")) == highest + 1


async def test_every_table_with_an_id_never_reuses_it(runtime):
    names = _tables_with_ids()
    assert {"claims", "orders", "deals", "refunds", "coupons", "broadcasts"} <= set(names)
    for name in names:
        table = Base.metadata.tables[name]
        assert table.dialect_options["sqlite"]["autoincrement"], f"{name}: IDS_NEVER_REUSED"
        assert isinstance(table.c.id.type.dialect_impl(runtime.engine.dialect), Integer)
    async with runtime.tx() as s:
        if runtime.engine.dialect.name == "sqlite":
            rows = dict((await s.execute(text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'table'"))).all())
            assert [n for n in names if "AUTOINCREMENT" not in rows[n]] == []
        else:  # a sequence behind every id: it never goes back
            rows = dict((await s.execute(text(
                "SELECT table_name, column_default FROM information_schema.columns "
                "WHERE column_name = 'id' AND table_schema = current_schema()"))).all())
            assert [n for n in names if not str(rows[n]).startswith("nextval(")] == []


async def test_the_upgrade_keeps_every_row_and_reference(database):
    _backend, url = database
    engine = engine_for(url)
    try:
        await upgrade(engine, "0005")
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO communities (id, title, created_at) "
                                    "VALUES (7, '芒果团', CURRENT_TIMESTAMP)"))
            await conn.execute(text(
                "INSERT INTO groups (id, community_id, chat_id, title, chat_type, active, "
                "registered_at) VALUES (3, 7, -100, '3号楼', 'supergroup', true, "
                "CURRENT_TIMESTAMP)"))
        await upgrade(engine)
        async with engine.begin() as conn:
            assert (await conn.execute(text("SELECT id, community_id FROM groups"))).all() == [
                (3, 7)]
            await conn.execute(text("DELETE FROM groups"))
            await conn.execute(text(
                "INSERT INTO groups (community_id, chat_id, title, chat_type, active, "
                "registered_at) VALUES (7, -101, '4号楼', 'supergroup', true, "
                "CURRENT_TIMESTAMP)"))
            assert await conn.scalar(text("SELECT id FROM groups")) != 3
            if engine.dialect.name == "sqlite":  # the pooled connection enforces them again
                assert await conn.scalar(text("PRAGMA foreign_keys")) == 1
        await downgrade(engine, "0005")
        async with engine.begin() as conn:
            assert await conn.scalar(text("SELECT count(*) FROM groups")) == 1
    finally:
        await engine.dispose()
