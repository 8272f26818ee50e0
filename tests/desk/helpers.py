"""The desk's cast: a staff forum with two agents, and helpers to read a member's topic."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import messages

DESK_ID = -1009000000001
ZH = "zh-Hans"


def t(key: str, locale: str = ZH, **values: object) -> str:
    return messages.t(locale, key, **values)


@dataclass
class Desk:
    chat: Any
    lee: Any  # agent 李华 (admin of the desk chat)
    fang: Any  # agent 王芳


async def desk_chat(bot, *, topics: bool = True) -> Desk:
    lee = bot.sb.add_user("李华", username="lihua")
    fang = bot.sb.add_user("王芳", username="wangfang")
    chat = bot.sb.add_group("客服台", members=[fang], admins=[lee], chat_id=DESK_ID)
    bot.sb.set_topics(chat, topics)
    await bot.sb.add_bot_to_group(chat, by=lee, as_admin=True)
    await bot.settle()
    bot.replies(chat)
    return Desk(chat, lee, fang)


def topic_of(bot, desk: Desk, index: int = 0) -> int:
    topics = bot.sb.topics(desk.chat)
    assert len(topics) > index, f"topics: {topics}"
    return topics[index].thread_id


def said_in_topic(bot, desk: Desk, thread: int) -> list[str]:
    """The bot's texts/captions in a topic, service messages left out, in order."""
    return [m.get("html") or m.get("text") or m.get("caption") or ""
            for m in bot.sb.topic_messages(desk.chat, thread)
            if m["from"]["id"] == bot.sb.bot["id"] and not any(
                k.startswith("forum_topic") or k == "pinned_message" for k in m)]


async def agent_says(bot, agent, desk: Desk, thread: int, text: str) -> dict:
    message = await bot.sb.send_text_in_topic(agent, desk.chat, thread, text)
    await bot.settle()
    return message


async def tick(bot) -> None:
    """Run the periodic jobs once (after moving the clock), then wait for the bot."""
    from handlers.ticks import tick_now

    await tick_now(bot.app)
    await bot.settle()


async def in_conversation(bot, desk: Desk, name: str = "小明"):
    """A member who asked for a person, wrote, and whom 李华 answered: (member, thread)."""
    from tests.factories import started

    member = bot.sb.add_user(name)
    await started(bot, member)
    await bot.say(member, "/service")
    await bot.say(member, "芒果坏了两个")
    thread = bot.sb.topics(desk.chat)[-1].thread_id
    await agent_says(bot, desk.lee, desk, thread, "您好，请发一张照片")
    bot.replies(member)
    bot.replies(desk.chat)
    return member, thread
