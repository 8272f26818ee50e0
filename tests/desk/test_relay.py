"""Member ↔ agent through one topic per member: created on the first real message, the agent's
replies under the desk name, photos both ways, edits as notes."""

from __future__ import annotations

import pytest

from tests.desk.helpers import DESK_ID, agent_says, desk_chat, said_in_topic, t, topic_of
from tests.factories import started
from tests.sandbox.conftest import jpeg

pytestmark = pytest.mark.settings(service_chat_id=DESK_ID)


async def test_a_member_talks_with_an_agent_through_one_topic(bot):
    desk = await desk_chat(bot)
    ming = bot.sb.add_user("小明")
    await started(bot, ming)

    await bot.say(ming, "/service")
    assert bot.htmls(ming) == [t("desk.member.queued", ahead=0)]
    assert bot.sb.topics(desk.chat) == []  # no empty topics: a tap or a command is not a message

    await bot.say(ming, "芒果坏了两个")
    assert bot.htmls(ming) == []
    thread = topic_of(bot, desk)
    assert bot.sb.topics(desk.chat)[0].name == "小明 · #1 · 等待"
    said = said_in_topic(bot, desk, thread)
    assert said[0].startswith("🧾 <b>会员</b>") and said[1:] == ["芒果坏了两个"]
    assert bot.sb.pinned(desk.chat) == [bot.sb.topic_messages(desk.chat, thread)[1]["message_id"]]

    await agent_says(bot, desk.lee, desk, thread, "您好，我看一下")
    assert bot.htmls(ming) == [t("desk.member.served", agent="李华"),
                               "<b>李华</b>：您好，我看一下"]
    assert bot.sb.topics(desk.chat)[0].name == "小明 · #1 · 处理中"
    assert said_in_topic(bot, desk, thread)[-1] == t("desk.agent.taken_note", agent="李华",
                                                     number=1)

    photo = await bot.sb.send_photo(ming, ming, jpeg(color="red"), caption="照片")
    await bot.settle()
    copy = bot.sb.topic_messages(desk.chat, thread)[-1]
    assert copy["caption"] == "照片"
    assert copy["photo"][-1]["file_unique_id"] == photo["photo"][-1]["file_unique_id"]

    await bot.sb.send_photo_in_topic(desk.lee, desk.chat, thread, jpeg(color="blue"), "单号")
    await bot.settle()
    back = bot.replies(ming)
    assert [m["caption"] for m in back] == ["李华：单号"] and back[0]["photo"]
    assert back[0]["from"]["id"] == bot.sb.bot["id"]  # never the agent's own account

    await bot.say(ming, "还有一个问题")
    assert said_in_topic(bot, desk, thread)[-1] == "还有一个问题"
    assert len(bot.sb.topics(desk.chat)) == 1
