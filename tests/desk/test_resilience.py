"""Nothing is lost and nothing comes twice: a restart mid-conversation, a send that fails and is
retried, edits relayed as notes, voice and stickers, a burst coalesced for the group limit (service level), and a
desk chat with topics off (reply-to relaying)."""

from __future__ import annotations

import pytest

from groupbot.desk.members import member_wrote, request_service
from groupbot.desk.records import Incoming
from groupbot.desk.relay import TO_DESKS, relay_due
from groupbot.notify import RetryLater
from tests.desk.helpers import DESK_ID, desk_chat, in_conversation, said_in_topic, t, tick
from tests.factories import group_row, member, started

pytestmark = pytest.mark.settings(service_chat_id=DESK_ID)


async def test_a_restart_mid_conversation_loses_nothing_and_sends_nothing_twice(bot):
    desk = await desk_chat(bot)
    ming, thread = await in_conversation(bot, desk)
    await bot.stop()
    await bot.sb.send_text(ming, ming, "机器人停了也要收到")  # while the bot is down
    await bot.sb.send_text_in_topic(desk.lee, desk.chat, thread, "我在")
    await bot.start()
    await bot.settle()
    await tick(bot)
    assert said_in_topic(bot, desk, thread)[-1] == "机器人停了也要收到"
    assert bot.htmls(ming) == ["<b>李华</b>：我在"]

    bot.sb.fail_next("copyMessage", status=500, description="Internal Server Error")
    await bot.sb.send_sticker(ming, ming, b"RIFF webp", emoji="😭")
    await bot.settle()
    await bot.restart()
    bot.clock.advance(seconds=31)
    await tick(bot)
    stickers = [m for m in bot.sb.topic_messages(desk.chat, thread) if m.get("sticker")]
    assert len(stickers) == 1 and stickers[0]["sticker"]["emoji"] == "😭"
    await tick(bot)
    assert len([m for m in bot.sb.topic_messages(desk.chat, thread) if m.get("sticker")]) == 1


async def test_edits_and_voice(bot):
    desk = await desk_chat(bot)
    ming, thread = await in_conversation(bot, desk)
    typed = await bot.say(ming, "我买了3箱")
    await bot.sb.edit_text(ming, typed, "我买了2箱")
    await bot.settle()
    relayed = bot.sb.topic_messages(desk.chat, thread)
    assert relayed[-1]["html"] == t("desk.relay.member_edit", text="我买了2箱")
    assert relayed[-1]["reply_to_message"]["text"] == "我买了3箱"

    await bot.sb.send_voice(ming, ming, b"OggS voice", duration=5)
    await bot.settle()
    assert bot.sb.topic_messages(desk.chat, thread)[-1]["voice"]["duration"] == 5



class RecordingDesk:
    """The relay's view of Telegram, recording each call (a 429 on demand)."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []
        self.busy = 0  # answer this many sends with 429

    async def send_text(self, chat_id, html, *, thread_id=None, reply_to=None, buttons=None):
        if self.busy:
            self.busy -= 1
            raise RetryLater(2)
        self.calls.append(("send", chat_id, thread_id, html))
        return len(self.calls)

    async def copy(self, chat_id, from_chat_id, message_id, *, thread_id=None, caption_html=None):
        self.calls.append(("copy", chat_id, thread_id, message_id))
        return len(self.calls)

    async def edit_text(self, chat_id, message_id, html, buttons=None):
        self.calls.append(("edit", chat_id, message_id, html))

    async def create_topic(self, chat_id, name):
        self.calls.append(("topic", chat_id, name))
        return 77

    async def rename_topic(self, chat_id, thread_id, name):
        self.calls.append(("rename", chat_id, thread_id, name))

    async def pin(self, chat_id, message_id):
        self.calls.append(("pin", chat_id, message_id))

    async def is_forum(self, chat_id):
        return True


async def test_a_burst_is_coalesced_into_one_message_and_waits_out_a_429(runtime, clock):
    rt = runtime
    rt.settings = rt.settings.replace(service_chat_id=DESK_ID)
    async with rt.tx() as session:
        await group_row(rt, session)
        ming = await member(rt, session, 42, "小明")
        await request_service(session, rt, ming, "zh-Hans", clock.now())
        for i, line in enumerate(("第一句", "第二句", "第三句"), start=1):
            await member_wrote(session, rt, ming, "zh-Hans", Incoming(42, i, "text", line),
                               clock.now())
    desk = RecordingDesk()
    desk.busy = 1  # the card goes out, then the burst meets a 429
    assert await relay_due(rt, desk, TO_DESKS) == 0
    assert [c[0] for c in desk.calls] == ["topic"]  # the card got the 429: nothing else went
    clock.advance(seconds=6)
    assert await relay_due(rt, desk, TO_DESKS) == 1
    assert [c[0] for c in desk.calls] == ["topic", "send", "pin", "send"]
    assert desk.calls[-1] == ("send", DESK_ID, 77, "第一句\n第二句\n第三句")
    assert await relay_due(rt, desk, TO_DESKS) == 0  # sent once


async def test_a_desk_chat_without_topics_says_so_and_relays_by_reply(bot):
    desk = await desk_chat(bot, topics=False)  # the check runs on the first tick it can
    await tick(bot)
    said = [m["html"] for m in bot.sb.bot_messages(desk.chat)]
    assert said == [t("desk.agent.connected"), t("desk.agent.no_topics")]
    bot.replies(desk.chat)
    ming = bot.sb.add_user("小明")
    await started(bot, ming)
    await bot.say(ming, "/service")
    await bot.say(ming, "芒果坏了")
    said = bot.replies(desk.chat)
    assert said[0]["html"].startswith("🧾 <b>会员</b>")
    assert said[1]["html"] == t("desk.relay.header", label="小明 #1") + "\n芒果坏了"
    assert bot.sb.topics(desk.chat) == [] and bot.sb.pinned(desk.chat) == []

    await bot.sb.send_text(desk.lee, desk.chat, "您好，马上处理", reply_to=said[1])
    await bot.settle()
    assert bot.htmls(ming)[-1] == "<b>李华</b>：您好，马上处理"
    assert bot.htmls(desk.chat) == [t("desk.agent.taken_note", agent="李华", number=1)]
    await bot.sb.send_text(desk.lee, desk.chat, "大家好")  # not a reply: nobody's conversation
    await bot.settle()
    assert bot.htmls(ming) == [] and bot.htmls(desk.chat) == []


async def test_one_person_writing_in_two_desk_chats_at_once_is_one_member(runtime):
    """Updates from different chats run side by side: an agent new to the bot who writes in
    two desk chats at once must not fail one of them (a unique violation on members)."""
    import asyncio

    from groupbot.people import Person, upsert_member

    async def one(name: str) -> int:
        async with runtime.tx() as session:
            found = await upsert_member(session, Person(telegram_id=8_800_001, first_name=name))
            await asyncio.sleep(0.05)  # hold the transaction open, as a handler does
            return found.id

    ids = await asyncio.gather(*(one(f"客服{i}") for i in range(3)))
    assert len(set(ids)) == 1
