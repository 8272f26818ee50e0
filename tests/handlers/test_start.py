"""/start, /help, the bot joining a group, and what the bot says to input it doesn't know."""

import pytest

import messages


def t(key, locale="zh-Hans", **values):
    return messages.t(locale, key, **values)


async def test_member_start_answers_in_chinese_with_member_help(bot):
    ming = bot.sb.add_user("小明", language_code="zh-hans")
    await bot.say(ming, "/start")
    [reply] = bot.texts(ming)
    assert reply.startswith("你好，小明！")
    assert t("start.role.member") in reply
    assert "/myorders" in reply and "/deal" not in reply


async def test_start_in_english_for_an_english_user(bot):
    alice = bot.sb.add_user("Alice", language_code="en")
    await bot.say(alice, "/start")
    [reply] = bot.texts(alice)
    assert reply.startswith("Hello, Alice!")


@pytest.mark.settings(reviewer_ids=frozenset({777}))
async def test_reviewer_gets_the_reviewer_help(bot):
    li = bot.sb.add_user("李审核", user_id=777)
    await bot.say(li, "/help")
    [reply] = bot.texts(li)
    assert reply.startswith(t("start.role.reviewer"))


async def test_adding_the_bot_registers_the_group_and_its_admins_become_organizers(bot):
    wang = bot.sb.add_user("王团长")
    ming = bot.sb.add_user("小明")
    group = bot.sb.add_group("芒果团", members=[wang, ming], admins=[wang])
    await bot.sb.add_bot_to_group(group, by=wang)
    await bot.settle()
    assert bot.texts(group) == [t("group.registered", title="芒果团")]
    await bot.say(wang, "/start")
    [reply] = bot.texts(wang)
    assert t("start.role.organizer") in reply and "/deal" in reply
    await bot.say(ming, "/start")
    assert t("start.role.member") in bot.texts(ming)[0]


@pytest.mark.settings(reviewers_chat_id=-100777)
async def test_the_reviewers_chat_is_a_staff_chat_not_a_community_group(bot):
    from groupbot.people import active_groups

    li = bot.sb.add_user("李审核")
    room = bot.sb.add_group("售后审核群", members=[li], admins=[li], chat_id=-100777)
    await bot.sb.add_bot_to_group(room, by=li)
    await bot.settle()
    assert bot.texts(room) == [t("group.staff")]
    await bot.say(li, "/start")
    assert t("start.role.organizer") not in bot.texts(li)[0]  # its admins are not organizers
    async with bot.rt.tx() as session:
        assert await active_groups(session, bot.rt) == []  # no deals or broadcasts go there


async def test_unknown_command_and_stray_text_get_a_clear_answer(bot):
    ming = bot.sb.add_user("小明")
    await bot.say(ming, "/refundme")
    assert bot.texts(ming) == [t("fallback.unknown_command")]
    await bot.say(ming, "在吗")
    assert bot.texts(ming) == [t("fallback.unexpected")]


async def test_start_in_a_group_points_to_the_private_chat(bot):
    wang = bot.sb.add_user("王团长")
    group = bot.sb.add_group("芒果团", members=[wang], admins=[wang])
    await bot.sb.add_bot_to_group(group, by=wang)
    await bot.settle()
    bot.texts(group)
    await bot.say(wang, "/start", chat=group)
    [reply] = bot.texts(group)
    assert reply.startswith("请私聊我使用更多功能")


async def test_a_name_with_html_is_shown_literally(bot):
    evil = bot.sb.add_user("<b>Bob</b>", language_code="en")
    await bot.say(evil, "/start")
    [message] = bot.replies(evil)
    assert message["text"].startswith("Hello, <b>Bob</b>!")
    assert not any(e["type"] == "bold" and e["offset"] < 12 for e in message.get("entities", []))
