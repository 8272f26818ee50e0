"""Reading and writing the desk's rows: topics, conversations, messages, agents' desk names.

Everything a person must not miss is a ``DeskMessage`` row written in the deciding transaction;
the relay job (relay.py) sends it after the commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

import messages
from groupbot.desk.hours import Hours, load_hours
from groupbot.models import Member
from groupbot.models.desk import (
    CONV_ACTIVE,
    CONV_CLOSED,
    CONV_WAITING,
    MSG_PENDING,
    TO_DESK,
    TO_MEMBER,
    Conversation,
    DeskAgent,
    DeskMessage,
    DeskTopic,
)
from groupbot.policy import DeskRules
from groupbot.runtime import Runtime

OPEN_STATES = (CONV_WAITING, CONV_ACTIVE)
Buttons = Sequence[Sequence[tuple[str, str]]]


@dataclass(frozen=True)
class Outcome:
    """What to tell the person now: ``code`` under ``desk.member.*`` (members) or
    ``desk.agent.*`` (agents), with its parameters; "" means nothing."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)
    conv_id: int | None = None


@dataclass(frozen=True)
class Incoming:
    """A message someone wrote, as plain values."""

    chat_id: int
    message_id: int
    kind: str  # text | photo | document | voice | sticker | edit
    text: str | None = None  # the text, or the caption
    version: int = 0  # an edit: its edit_date, so each edit is stored once


def rules(rt: Runtime) -> DeskRules:
    return DeskRules.from_settings(rt.settings)


async def hours_of(session: AsyncSession, rt: Runtime) -> Hours:
    return await load_hours(session, rt.community_id, rules(rt))


def desk_locale(rt: Runtime) -> str:
    return rt.settings.default_locale


async def desk_name(session: AsyncSession, member_id: int | None) -> str:
    """The name members see for an agent: their desk name, else their first name."""
    if member_id is None:
        return ""
    agent = await session.scalar(select(DeskAgent).where(DeskAgent.member_id == member_id))
    if agent is not None:
        return agent.desk_name
    member = await session.get(Member, member_id)
    return member.first_name if member else ""


async def set_desk_name(session: AsyncSession, member: Member, name: str) -> None:
    agent = await session.scalar(select(DeskAgent).where(DeskAgent.member_id == member.id))
    if agent is None:
        session.add(DeskAgent(member_id=member.id, desk_name=name))
    else:
        agent.desk_name = name
    await session.flush()


async def topic_for(session: AsyncSession, rt: Runtime, member: Member) -> DeskTopic:
    """The member's topic (one per member): in the desk chat they already have one in, else in
    the desk chat with the fewest open conversations (several desk chats share the load)."""
    chats = rt.settings.desk_chat_ids
    topics = list(await session.scalars(select(DeskTopic).where(
        DeskTopic.member_id == member.id, DeskTopic.desk_chat_id.in_(chats))))
    if topics:
        return topics[0]
    load = dict((await session.execute(
        select(DeskTopic.desk_chat_id, func.count(Conversation.id))
        .join(Conversation, Conversation.topic_id == DeskTopic.id)
        .where(Conversation.state.in_(OPEN_STATES))
        .group_by(DeskTopic.desk_chat_id))).all())
    chat = min(chats, key=lambda c: (load.get(c, 0), chats.index(c)))
    topic = DeskTopic(member_id=member.id, desk_chat_id=chat)
    session.add(topic)
    await session.flush()
    return topic


async def open_conversation(session: AsyncSession, member_id: int) -> Conversation | None:
    return await session.scalar(
        select(Conversation)
        .where(Conversation.member_id == member_id, Conversation.state.in_(OPEN_STATES))
        .order_by(Conversation.id.desc()).limit(1))


async def last_conversation(session: AsyncSession, member_id: int) -> Conversation | None:
    return await session.scalar(
        select(Conversation).where(Conversation.member_id == member_id)
        .order_by(Conversation.id.desc()).limit(1))


async def conversation_of_topic(session: AsyncSession, topic_id: int) -> Conversation | None:
    return await session.scalar(
        select(Conversation).where(Conversation.topic_id == topic_id)
        .order_by(Conversation.id.desc()).limit(1))


async def queue_position(session: AsyncSession, conv: Conversation) -> int:
    """How many conversations are waiting ahead of this one."""
    ahead = await session.scalar(
        select(func.count(Conversation.id)).where(
            Conversation.community_id == conv.community_id,
            Conversation.state == CONV_WAITING,
            Conversation.id < conv.id))
    return int(ahead or 0)


async def stored(session: AsyncSession, message: Incoming) -> DeskMessage | None:
    """The row already stored for this message (a re-delivered update), if any."""
    return await session.scalar(select(DeskMessage).where(
        DeskMessage.source_chat_id == message.chat_id,
        DeskMessage.source_message_id == message.message_id,
        DeskMessage.source_version == message.version))


def add_message(
    session: AsyncSession, conv: Conversation, direction: str, message: Incoming | None, *,
    author_id: int | None, now: datetime, status: str = MSG_PENDING, kind: str | None = None,
    text: str | None = None, buttons: Buttons | None = None,
) -> DeskMessage:
    row = DeskMessage(
        conversation_id=conv.id, direction=direction, author_id=author_id,
        kind=kind or (message.kind if message else "notice"),
        text=text if text is not None else (message.text if message else None),
        buttons=[list(map(list, r)) for r in buttons] if buttons else None,
        source_chat_id=message.chat_id if message else None,
        source_message_id=message.message_id if message else None,
        source_version=message.version if message else 0,
        status=status, not_before=now, created_at=now,
    )
    session.add(row)
    return row


def notify_member(
    session: AsyncSession, conv: Conversation, key: str, now: datetime, *,
    buttons: Buttons | None = None, **values: object,
) -> DeskMessage:
    """A notice owed to the member, in their language, sent by the relay after the commit."""
    text = messages.t(conv.locale, key, **values)
    return add_message(session, conv, TO_MEMBER, None, author_id=None, now=now, text=text,
                       buttons=buttons)


def notify_desk(
    session: AsyncSession, rt: Runtime, conv: Conversation, key: str, now: datetime, *,
    buttons: Buttons | None = None, general: bool = False, **values: object,
) -> DeskMessage:
    """A notice owed to the agents, in the member's topic (``general``: in the General topic,
    where every agent sees it)."""
    text = messages.t(desk_locale(rt), key, **values)
    return add_message(session, conv, TO_DESK, None, author_id=None, now=now, text=text,
                       buttons=buttons, kind="general" if general else "notice")


async def mark_dirty(session: AsyncSession, conv: Conversation) -> None:
    topic = await session.get(DeskTopic, conv.topic_id)
    if topic is not None:
        topic.dirty = True


def rating_buttons(locale: str, conv_id: int) -> Buttons:
    return [[(messages.t(locale, "desk.rate_button", score=n), f"desk:rate:{conv_id}:{n}")
             for n in range(1, 6)]]


def is_closed(conv: Conversation) -> bool:
    return conv.state == CONV_CLOSED
