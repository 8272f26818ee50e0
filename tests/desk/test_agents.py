"""The agents: the first to answer (or to press 接待) owns the conversation, a second agent is
told and asked to confirm; /transfer with a note, /note, /r canned replies, /desk, /deskname."""

from __future__ import annotations

import pytest

import messages
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


async def test_two_agents_one_conversation(bot):
    desk = await desk_chat(bot)
    ming, thread = await in_conversation(bot, desk)

    asked = await agent_says(bot, desk.fang, desk, thread, "我来回答吧")
    held = bot.replies(desk.chat)
    assert [m["html"] for m in held] == [t("desk.agent.held", owner="李华", message=3)]
    assert held[0]["reply_to_message"]["message_id"] == asked["message_id"]
    assert bot.htmls(ming) == []  # not sent unless confirmed

    assert [label for label, _data in bot.sb.buttons(held[0])] == [
        t("desk.agent.send_button"), t("desk.agent.drop_button")]
    with pytest.raises(ValueError):  # another agent's confirmation is not theirs to give
        await bot.sb.tap(desk.lee, held[0], "desk:held:x:1")
    await bot.tap_label(desk.fang, held[0], t("desk.agent.send_button"))
    assert bot.htmls(ming) == ["<b>王芳</b>：我来回答吧"]
    assert bot.sb.buttons(bot.sb.message_snapshot(held[0])) == []  # decided once
    assert bot.sb.topics(desk.chat)[0].name == "小明 · #1 · 处理中"  # still 李华's


async def test_the_take_button_goes_to_one_agent_only(bot):
    desk = await desk_chat(bot)
    ming = bot.sb.add_user("小明")
    await started(bot, ming)
    await bot.say(ming, "/service")
    await bot.say(ming, "在吗")
    assert bot.htmls(ming) == [t("desk.member.queued", ahead=0)]
    bot.clock.advance(minutes=3)
    await tick(bot)
    alert = bot.last(desk.chat)
    assert bot.sb.buttons(alert) == [(t("desk.agent.take_button"), "desk:take:1")]
    first = await bot.tap(desk.fang, alert, "desk:take:1")
    second = await bot.tap(desk.lee, alert, "desk:take:1")
    assert bot.sb.answer_of(first)["text"] == t("desk.agent.taken", number=1)
    assert bot.sb.answer_of(second)["text"] == t("desk.agent.taken_by", owner="王芳", number=1)
    assert bot.htmls(ming) == [t("desk.member.served", agent="王芳")]


async def test_transfer_note_canned_reply_desk_list_and_desk_name(bot):
    desk = await desk_chat(bot)
    await bot.say(desk.fang, "/deskname 小芳", chat=desk.chat)
    assert bot.htmls(desk.chat) == [t("desk.agent.deskname_set", name="小芳")]
    ming, thread = await in_conversation(bot, desk)

    await agent_says(bot, desk.lee, desk, thread, "/note 会员说坏了两个，等照片")
    assert bot.htmls(desk.chat) == [t("desk.agent.noted")]
    assert bot.htmls(ming) == []  # internal

    await agent_says(bot, desk.lee, desk, thread, "/r sorry")
    canned = t("desk.canned.sorry")
    assert bot.htmls(desk.chat) == [t("desk.agent.canned_sent", text=canned)]
    assert bot.htmls(ming) == [f"<b>李华</b>：{canned}"]
    await agent_says(bot, desk.lee, desk, thread, "/r argue")
    assert bot.htmls(desk.chat) == [t("desk.agent.canned_unknown",
                                      keys="greet wait sorry check refund bye")]

    await agent_says(bot, desk.lee, desk, thread, "/transfer 小芳 退款的事请跟进")
    assert said_in_topic(bot, desk, thread)[-1] == t(
        "desk.agent.transferred_note", agent="李华",
        to=messages.mention(desk.fang.id, "小芳"), note="退款的事请跟进")
    assert bot.htmls(ming) == [t("desk.member.served", agent="小芳")]
    card = bot.sb.message_snapshot((desk.chat.id, bot.sb.pinned(desk.chat)[0]))["html"]
    assert t("desk.card.transfer_note", note="退款的事请跟进") in card

    await bot.say(desk.lee, "/desk", chat=desk.chat)
    assert bot.htmls(desk.chat)[-1] == "\n".join([
        t("desk.agent.desk_title"),
        t("desk.agent.desk_line", number=1, member="小明", state="处理中",
          waited=t("desk.agent.desk_member_turn"), agent="小芳")])

    await agent_says(bot, desk.fang, desk, thread, "/close")
    assert bot.htmls(ming)[0] == t("desk.member.closed") + "\n" + t("desk.member.rate_prompt")
    await agent_says(bot, desk.fang, desk, thread, "还有吗？")
    assert bot.htmls(desk.chat)[-1] == t("desk.agent.closed", number=1)
