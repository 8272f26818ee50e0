"""A read-only unit (/help) answers a person this process knows without a transaction; a role
granted or withdrawn shows in their very next /help all the same."""

from __future__ import annotations

from sqlalchemy import delete, select

import handlers.unit
import messages
from groupbot.models import ROLE_ORGANIZER, Member, Role
from groupbot.people import grant_role


def t(key, **values):
    return messages.t("zh-Hans", key, **values)


async def test_help_for_a_known_member_reads_nothing_and_follows_role_changes(bot, monkeypatch):
    wang, ming = bot.sb.add_user("王团长"), bot.sb.add_user("小明")
    group = bot.sb.add_group("芒果团", members=[wang, ming], admins=[wang])
    await bot.sb.add_bot_to_group(group, by=wang)
    await bot.settle()
    bot.texts(group)
    await bot.say(wang, "/help")
    [organizer_help] = bot.texts(wang)
    await bot.say(ming, "/help")
    [member_help] = bot.texts(ming)
    assert organizer_help.startswith(t("start.role.organizer")) and "/deal" in organizer_help
    assert member_help.startswith(t("start.role.member")) and "/deal" not in member_help

    loaded: list[int] = []  # who the unit loaded from the database (in its transaction)
    who = handlers.unit.who

    async def watched(session, rt, update):
        loaded.append(update.effective_user.id)
        return await who(session, rt, update)

    monkeypatch.setattr(handlers.unit, "who", watched)
    await bot.say(ming, "/help")
    assert bot.texts(ming) == [member_help]
    assert loaded == []  # known: answered with no transaction, not even for the member row

    async with bot.rt.tx() as s:  # a role granted by a statement (INSERT … ON CONFLICT)
        member = await s.scalar(select(Member).where(Member.telegram_id == ming.id))
        await grant_role(s, bot.rt.community_id, member, ROLE_ORGANIZER)
    await bot.say(ming, "/help")
    assert bot.texts(ming) == [organizer_help]
    assert loaded == [ming.id]

    async with bot.rt.tx() as s:  # and withdrawn through the ORM
        row = await s.scalar(select(Role).where(Role.member_id == member.id))
        await s.delete(row)
    await bot.say(ming, "/help")
    assert bot.texts(ming) == [member_help]

    async with bot.rt.tx() as s:  # a statement delete is seen too
        await grant_role(s, bot.rt.community_id, member, ROLE_ORGANIZER)
    await bot.say(ming, "/help")
    assert bot.texts(ming) == [organizer_help]
    async with bot.rt.tx() as s:
        await s.execute(delete(Role).where(Role.member_id == member.id))
    await bot.say(ming, "/help")
    assert bot.texts(ming) == [member_help]


async def test_a_new_name_or_language_is_not_answered_from_memory(bot):
    ming = bot.sb.add_user("小明", language_code="zh-hans")
    await bot.say(ming, "/help")
    [chinese] = bot.texts(ming)
    ming.language_code = "en"  # switched Telegram to English
    await bot.say(ming, "/help")
    [english] = bot.texts(ming)
    assert chinese.startswith(t("start.role.member"))
    assert english.startswith(messages.t("en", "start.role.member"))
