"""A member's topic in the desk chat: created on the first real message, titled
"name · number · state" (等待 / 处理中 / 已结束), opened by a pinned summary card that is kept
up to date.

The Telegram calls happen outside any transaction: the row is leased (``creating_since``)
and committed first, then the topic is created, then its id recorded.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import select

import messages
from groupbot.desk.records import conversation_of_topic, desk_locale
from groupbot.desk.summary import render_card
from groupbot.desk.transport import DeskTransport, NotAForum
from groupbot.models import Member
from groupbot.models.desk import Conversation, DeskTopic
from groupbot.notify import SendError
from groupbot.runtime import Runtime

log = logging.getLogger(__name__)
CREATE_LEASE = timedelta(minutes=2)
FORUMS_KEY = "desk.forums"  # rt.extras: desk chat id → has topics (checked at start)


def forums(rt: Runtime) -> dict[int, bool]:
    return rt.extras.setdefault(FORUMS_KEY, {})


def title(rt: Runtime, member: Member, conv: Conversation) -> str:
    state = messages.t(desk_locale(rt), f"desk.state.{conv.state}")
    return f"{member.full_name} · #{conv.id} · {state}"[:128]


async def _uses_topics(rt: Runtime, transport: DeskTransport, chat_id: int) -> bool:
    known = forums(rt)
    if chat_id not in known:
        known[chat_id] = await transport.is_forum(chat_id)
    return known[chat_id]


async def ensure_topic(
    rt: Runtime, transport: DeskTransport, topic_id: int
) -> tuple[bool, int | None]:
    """(ready, thread id): the topic exists with its card (thread None: the desk chat has no
    topics, messages go to the chat itself). Not ready: another pass is creating it."""
    now = rt.clock.now()
    async with rt.tx() as session:
        topic = await session.get(DeskTopic, topic_id)
        assert topic is not None
        if topic.card_message_id is not None:
            return True, topic.thread_id
        if topic.creating_since is not None and now - topic.creating_since < CREATE_LEASE:
            return False, None
        topic.creating_since = now
        member = await session.get(Member, topic.member_id)
        conv = await conversation_of_topic(session, topic.id)
        assert member is not None and conv is not None
        name, chat, thread = title(rt, member, conv), topic.desk_chat_id, topic.thread_id
    try:
        if thread is None and await _uses_topics(rt, transport, chat):
            try:
                thread = await transport.create_topic(chat, name)
            except NotAForum:
                forums(rt)[chat] = False
            else:
                async with rt.tx() as session:
                    row = await session.get(DeskTopic, topic_id)
                    assert row is not None
                    row.thread_id, row.title_shown = thread, name
        async with rt.tx() as session:
            card = await render_card(session, rt, topic_id)
        card_id = await transport.send_text(chat, card, thread_id=thread)
        if thread is not None:
            await transport.pin(chat, card_id)
    except SendError as exc:
        log.info("desk topic %s not ready: %s", topic_id, exc)
        async with rt.tx() as session:  # no longer creating: the next pass may try again
            row = await session.get(DeskTopic, topic_id)
            assert row is not None
            row.creating_since = None
        return False, None
    async with rt.tx() as session:
        row = await session.get(DeskTopic, topic_id)
        assert row is not None
        row.card_message_id, row.card_shown, row.creating_since = card_id, card, None
    return True, thread


async def refresh_topics(rt: Runtime, transport: DeskTransport, *, limit: int = 20) -> int:
    """Bring titles and cards of changed topics up to date; returns how many succeeded."""
    async with rt.tx() as session:
        rows = list(await session.scalars(
            select(DeskTopic).where(DeskTopic.dirty.is_(True),
                                    DeskTopic.card_message_id.is_not(None))
            .order_by(DeskTopic.id).limit(limit)))
        work: list[dict[str, Any]] = []
        for topic in rows:
            member = await session.get(Member, topic.member_id)
            conv = await conversation_of_topic(session, topic.id)
            assert member is not None and conv is not None
            work.append({
                "id": topic.id, "chat": topic.desk_chat_id, "thread": topic.thread_id,
                "title": title(rt, member, conv), "title_shown": topic.title_shown,
                "card": await render_card(session, rt, topic.id), "card_shown": topic.card_shown,
                "card_id": topic.card_message_id,
            })
            topic.dirty = False
    done = 0
    for item in work:
        try:
            await _refresh_one(transport, item)
        except SendError as exc:
            log.info("desk topic %s refresh later: %s", item["id"], exc)
            async with rt.tx() as session:
                row = await session.get(DeskTopic, item["id"])
                if row is not None:
                    row.dirty = True
            continue
        async with rt.tx() as session:
            row = await session.get(DeskTopic, item["id"])
            if row is not None:
                row.title_shown = item["title_shown"]
                row.card_shown = item["card_shown"]
        done += 1
    return done


async def _refresh_one(transport: DeskTransport, item: dict[str, Any]) -> None:
    """Edit what changed. The topic itself stays open in Telegram when a conversation ends (the
    title says so): agents may still add notes, and every call spends the group's budget."""
    chat, thread = item["chat"], item["thread"]
    if item["card"] != item["card_shown"]:
        await transport.edit_text(chat, item["card_id"], item["card"])
        item["card_shown"] = item["card"]
    if thread is not None and item["title"] != item["title_shown"]:
        await transport.rename_topic(chat, thread, item["title"])
        item["title_shown"] = item["title"]
