"""The idle close runs on the clock only while the agent waits for the member; when the agent
owes the answer, silence escalates (other agents, then organizers) and never closes."""

from __future__ import annotations

import pytest

from tests.desk.helpers import (
    DESK_ID,
    agent_says,
    desk_chat,
    in_conversation,
    said_in_topic,
    t,
    tick,
)
from tests.factories import started

pytestmark = pytest.mark.settings(service_chat_id=DESK_ID)


async def test_the_member_goes_silent_warning_then_close_then_rating_once(bot):
    desk = await desk_chat(bot)
    ming, thread = await in_conversation(bot, desk)

    bot.clock.advance(minutes=2, seconds=59)
    await tick(bot)
    assert bot.htmls(ming) == []
    bot.clock.advance(seconds=1)
    await tick(bot)
    assert bot.htmls(ming) == [t("desk.member.idle_warning", minutes=1)]
    bot.clock.advance(minutes=1)
    await tick(bot)
    closing = bot.replies(ming)
    assert [m["html"] for m in closing] == [
        t("desk.member.closed_idle", minutes=4) + "\n" + t("desk.member.rate_prompt")]
    assert bot.sb.buttons(closing[0]) == [(str(n), f"desk:rate:1:{n}") for n in range(1, 6)]
    assert said_in_topic(bot, desk, thread)[-1] == t("desk.agent.idle_note", number=1, minutes=4)
    assert bot.sb.topics(desk.chat)[0].name == "小明 · #1 · 已结束"

    await bot.tap(ming, closing[0], "desk:rate:1:4")
    assert bot.htmls(ming) == [t("desk.member.rate_thanks", score=4)]
    assert bot.sb.buttons(bot.sb.message_snapshot(closing[0])) == []
    with pytest.raises(ValueError):  # the buttons are gone: no second rating
        await bot.tap(ming, closing[0], "desk:rate:1:1")


async def test_when_the_agent_owes_the_answer_silence_escalates_and_never_closes(bot):
    desk = await desk_chat(bot)
    wang = bot.sb.add_user("王团长")
    group = bot.sb.add_group("芒果团", admins=[wang])
    await bot.sb.add_bot_to_group(group, by=wang)
    await bot.settle()
    await started(bot, wang)
    ming, thread = await in_conversation(bot, desk)
    await bot.say(ming, "照片在这里，什么时候退款？")
    assert bot.htmls(desk.chat) == ["照片在这里，什么时候退款？"]

    bot.clock.advance(minutes=2, seconds=59)
    await tick(bot)
    assert bot.htmls(desk.chat) == []
    bot.clock.advance(seconds=1)
    await tick(bot)
    assert bot.htmls(desk.chat) == [t("desk.agent.escalated", number=1, member="小明",
                                      agent="李华", minutes=3)]
    assert bot.last(desk.chat).get("message_thread_id") is None  # General: every agent sees it
    bot.clock.advance(minutes=3)
    await tick(bot)
    assert bot.htmls(wang) == [t("desk.agent.escalated_organizer", number=1, member="小明",
                                 agent="李华", minutes=6)]
    bot.clock.advance(minutes=30)
    await tick(bot)
    assert bot.htmls(ming) == []  # nobody closed it on the member
    assert bot.sb.topics(desk.chat)[0].name == "小明 · #1 · 处理中"

    await agent_says(bot, desk.lee, desk, thread, "抱歉久等了")
    assert bot.htmls(ming) == ["<b>李华</b>：抱歉久等了"]


async def test_a_closed_conversation_reopens_with_another_agent_and_the_history(bot):
    desk = await desk_chat(bot)
    ming, thread = await in_conversation(bot, desk)
    bot.clock.advance(minutes=4)
    await tick(bot)
    bot.replies(ming)

    bot.clock.advance(hours=5)
    await bot.say(ming, "我又来了，退款还没到")
    assert bot.htmls(ming) == [t("desk.member.reopened")]
    topics = bot.sb.topics(desk.chat)
    assert len(topics) == 1 and topics[0].name == "小明 · #2 · 等待"
    history = said_in_topic(bot, desk, thread)
    assert "芒果坏了两个" in history and history[-1] == "我又来了，退款还没到"
    card = bot.sb.message_snapshot((desk.chat.id, bot.sb.pinned(desk.chat)[0]))["html"]
    assert t("desk.card.conversation", number=1, day="11-20", agent="李华", rating="—",
             closed_by=t("desk.closed_by.idle")) in card

    await agent_says(bot, desk.fang, desk, thread, "您好，我是王芳，我来跟进")
    assert bot.htmls(ming) == [t("desk.member.served", agent="王芳"),
                               "<b>王芳</b>：您好，我是王芳，我来跟进"]
