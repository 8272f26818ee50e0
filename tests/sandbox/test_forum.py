"""Forum topics, copy/forward, voice and stickers, pins: a real telegram.Bot on the sandbox."""

from __future__ import annotations

import pytest
from telegram import Bot, ForumTopic, Message, MessageId
from telegram.error import BadRequest, RetryAfter

from groupbot.sandbox import Sandbox
from groupbot.sandbox.limits import FloodLimiter

from .conftest import jpeg, leftovers

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


async def _desk(sb: Sandbox, *, topics: bool = True):
    lee = sb.add_user("小李")
    desk = sb.add_forum("客服台", members=[], admins=[lee], topics=topics)
    await sb.add_bot_to_group(desk, by=lee, as_admin=True)
    return lee, desk


async def test_topic_life_cycle_and_service_messages(sb: Sandbox, tg_bot: Bot) -> None:
    lee, desk = await _desk(sb)
    topic = await tg_bot.create_forum_topic(desk.id, "小明 · #1 · 等待")
    assert isinstance(topic, ForumTopic) and topic.name == "小明 · #1 · 等待"
    thread = topic.message_thread_id
    opening = sb.message_snapshot((desk.id, thread))
    assert opening["forum_topic_created"] == {"name": "小明 · #1 · 等待", "icon_color": 7322096}
    assert opening["message_thread_id"] == thread and opening["is_topic_message"] is True

    sent = await tg_bot.send_message(desk.id, "您好", message_thread_id=thread)
    assert sent.is_topic_message and sent.message_thread_id == thread and leftovers(sent) == []
    assert sent.reply_to_message.message_id == thread  # Telegram's quirk: replies to the opening
    general = await tg_bot.send_message(desk.id, "全体")
    assert general.message_thread_id is None and not general.is_topic_message

    assert await tg_bot.edit_forum_topic(desk.id, thread, name="小明 · #1 · 处理中")
    with pytest.raises(BadRequest, match="Topic_not_modified"):
        await tg_bot.edit_forum_topic(desk.id, thread, name="小明 · #1 · 处理中")
    assert await tg_bot.close_forum_topic(desk.id, thread)
    with pytest.raises(ValueError, match="TOPIC_CLOSED"):
        await sb.send_text_in_topic(sb.add_user("路人"), desk, thread, "hi")
    assert await tg_bot.reopen_forum_topic(desk.id, thread)
    kinds = [next(k for k in m if k.startswith("forum_topic")) for m in
             sb.topic_messages(desk, thread) if any(k.startswith("forum_topic") for k in m)]
    assert kinds == ["forum_topic_created", "forum_topic_edited", "forum_topic_closed",
                     "forum_topic_reopened"]
    assert [t.name for t in sb.topics(desk)] == ["小明 · #1 · 处理中"]
    with pytest.raises(BadRequest, match="Message thread not found"):
        await tg_bot.send_message(desk.id, "x", message_thread_id=thread + 100)


async def test_topics_need_a_forum_and_an_admin_bot(sb: Sandbox, tg_bot: Bot) -> None:
    lee, plain = await _desk(sb, topics=False)
    with pytest.raises(BadRequest, match="The chat is not a forum"):
        await tg_bot.create_forum_topic(plain.id, "x")
    chat = await tg_bot.get_chat(plain.id)
    assert not chat.is_forum
    sb.set_topics(plain, True)
    assert (await tg_bot.get_chat(plain.id)).is_forum is True
    other = sb.add_forum("普通成员群", admins=[lee])
    await sb.add_bot_to_group(other, by=lee)
    with pytest.raises(BadRequest, match="Not enough rights to manage topics"):
        await tg_bot.create_forum_topic(other.id, "x")
    with pytest.raises(BadRequest, match="Topic_title_empty"):
        await tg_bot.create_forum_topic(plain.id, " ")


async def test_a_member_writes_in_a_topic_and_the_bot_sees_it(sb: Sandbox, tg_bot: Bot) -> None:
    lee, desk = await _desk(sb)
    thread = (await tg_bot.create_forum_topic(desk.id, "t")).message_thread_id
    await sb.send_text_in_topic(lee, desk, thread, "我来接待")
    updates = await tg_bot.get_updates()
    message = updates[-1].message
    assert message.text == "我来接待" and message.is_topic_message
    assert message.message_thread_id == thread and leftovers(message) == []
    reply = await message.reply_text("收到")  # PTB keeps the topic on replies
    assert reply.message_thread_id == thread


async def test_copy_message_gives_fresh_file_ids_into_a_topic(sb: Sandbox, tg_bot: Bot) -> None:
    lee, desk = await _desk(sb)
    ming = sb.add_user("小明", started=True)
    thread = (await tg_bot.create_forum_topic(desk.id, "t")).message_thread_id
    photo = await sb.send_photo(ming, ming, jpeg(), caption="坏了两个")
    copied = await tg_bot.copy_message(desk.id, ming.id, photo["message_id"],
                                       message_thread_id=thread)
    assert isinstance(copied, MessageId)
    copy = sb.message_snapshot((desk.id, copied.message_id))
    assert copy["caption"] == "坏了两个" and copy["message_thread_id"] == thread
    assert copy["photo"][-1]["file_unique_id"] == photo["photo"][-1]["file_unique_id"]
    assert copy["photo"][-1]["file_id"] != photo["photo"][-1]["file_id"]
    assert "forward_origin" not in copy and copy["from"]["id"] == sb.bot["id"]
    again = await tg_bot.copy_message(ming.id, desk.id, copied.message_id, caption="小李：好的")
    assert sb.message_snapshot((ming.id, again.message_id))["caption"] == "小李：好的"
    with pytest.raises(BadRequest, match="Message to copy not found"):
        await tg_bot.copy_message(desk.id, ming.id, 999)
    with pytest.raises(BadRequest, match="Message can't be copied"):
        await tg_bot.copy_message(ming.id, desk.id, thread)  # a service message


async def test_forward_voice_sticker(sb: Sandbox, tg_bot: Bot) -> None:
    lee, desk = await _desk(sb)
    ming = sb.add_user("小明", started=True)
    voice = await sb.send_voice(ming, ming, b"OggS fake opus", duration=4)
    sticker = await sb.send_sticker(ming, ming, b"RIFF webp", emoji="😊")
    got = [u.message for u in await tg_bot.get_updates() if u.message and u.message.chat.id > 0]
    assert got[0].voice.duration == 4 and got[1].sticker.emoji == "😊"
    assert all(leftovers(m) == [] for m in got)
    fwd = await tg_bot.forward_message(desk.id, ming.id, voice["message_id"])
    assert isinstance(fwd, Message) and fwd.forward_origin.sender_user.id == ming.id
    assert fwd.voice.file_unique_id == voice["voice"]["file_unique_id"]
    sent = await tg_bot.send_sticker(ming.id, got[1].sticker.file_id)
    assert sent.sticker.file_unique_id == sticker["sticker"]["file_unique_id"]
    back = await tg_bot.send_voice(ming.id, got[0].voice.file_id)
    assert back.voice.duration == 1 and leftovers(back) == []
    file = await tg_bot.get_file(back.voice.file_id)
    assert bytes(await file.download_as_bytearray()) == b"OggS fake opus"


async def test_pins_need_an_admin_and_post_a_service_message(sb: Sandbox, tg_bot: Bot) -> None:
    lee, desk = await _desk(sb)
    thread = (await tg_bot.create_forum_topic(desk.id, "t")).message_thread_id
    card = await tg_bot.send_message(desk.id, "会员卡片", message_thread_id=thread)
    assert await tg_bot.pin_chat_message(desk.id, card.message_id, disable_notification=True)
    assert sb.pinned(desk) == [card.message_id]
    service = sb.topic_messages(desk, thread)[-1]
    assert service["pinned_message"]["message_id"] == card.message_id
    assert await tg_bot.unpin_chat_message(desk.id, card.message_id)
    assert sb.pinned(desk) == []
    group = sb.add_group("团", admins=[lee])
    await sb.add_bot_to_group(group, by=lee)
    msg = await tg_bot.send_message(group.id, "x")
    with pytest.raises(BadRequest, match="Not enough rights to manage pinned messages"):
        await tg_bot.pin_chat_message(group.id, msg.message_id)


async def test_the_group_limit_counts_every_topic_of_a_forum() -> None:
    now = [0.0]
    limiter = FloodLimiter(group_per_minute=20, group_burst=3, jitter=0, clock=lambda: now[0])
    async with Sandbox(enforce_limits=True, limiter=limiter) as sb, Bot(
        sb.token, base_url=sb.base_url, base_file_url=sb.base_file_url
    ) as tg_bot:
        lee, desk = await _desk(sb)
        threads = [(await tg_bot.create_forum_topic(desk.id, f"t{i}")).message_thread_id
                   for i in range(3)]
        for thread in threads:
            await tg_bot.send_message(desk.id, "x", message_thread_id=thread)
        with pytest.raises(RetryAfter):
            await tg_bot.copy_message(desk.id, desk.id, threads[0] + 1,
                                      message_thread_id=threads[1])
        now[0] += 3.0  # 20/min: one message every 3 s, whichever topic it goes to
        await tg_bot.send_message(desk.id, "y", message_thread_id=threads[2])


async def test_forums_over_the_control_api(sb: Sandbox, tg_bot: Bot) -> None:
    import httpx

    async with httpx.AsyncClient(base_url=f"{sb.url}/control") as client:
        lee = (await client.post("/users", json={"first_name": "小李"})).json()["result"]
        desk = (await client.post("/forums", json={"title": "客服台", "admins": [lee["id"]]})
                ).json()["result"]
        assert desk["is_forum"] is True
        sb.promote_bot(sb.state.group(desk["id"]))
        thread = (await tg_bot.create_forum_topic(desk["id"], "t")).message_thread_id
        topics = (await client.get(f"/forums/{desk['id']}/topics")).json()["result"]
        assert topics == [{"thread_id": thread, "name": "t", "icon_color": 7322096,
                           "closed": False}]
        sent = (await client.post("/send_text_in_topic", json={
            "user_id": lee["id"], "chat_id": desk["id"], "thread_id": thread, "text": "hi"})
                ).json()["result"]
        assert sent["message_thread_id"] == thread and sent["is_topic_message"] is True
