"""The agents' side: answering in a topic, taking (接待), confirming a second agent's text,
closing, transferring with a note, internal notes, canned replies and the desk list."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

import messages
from groupbot.desk.hours import Hours
from groupbot.desk.records import (
    OPEN_STATES,
    Incoming,
    add_message,
    conversation_of_topic,
    desk_name,
    hours_of,
    mark_dirty,
    notify_desk,
    notify_member,
    rating_buttons,
)
from groupbot.models import Member
from groupbot.models.desk import (
    CONV_ACTIVE,
    CONV_CLOSED,
    CONV_WAITING,
    FROM_AGENT,
    MSG_DROPPED,
    MSG_HELD,
    MSG_PENDING,
    MSG_SENT,
    NOTE,
    OWES_MEMBER,
    Conversation,
    DeskAgent,
    DeskMessage,
    DeskTopic,
)
from groupbot.runtime import Runtime

CANNED = ("greet", "wait", "sorry", "check", "refund", "bye")


@dataclass(frozen=True)
class Reply:
    """What to tell the agent in the topic: ``code`` under ``desk.agent.*``; "" means nothing."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)
    conv_id: int | None = None


@dataclass(frozen=True)
class Place:
    """Where an agent wrote: a topic of a desk chat, or (no topics) a reply to a relay."""

    chat_id: int
    thread_id: int | None
    reply_to: int | None


async def find_conversation(session: AsyncSession, place: Place) -> Conversation | None:
    if place.thread_id is not None:
        topic = await session.scalar(select(DeskTopic).where(
            DeskTopic.desk_chat_id == place.chat_id, DeskTopic.thread_id == place.thread_id))
        return await conversation_of_topic(session, topic.id) if topic else None
    if place.reply_to is None:
        return None
    relayed = await session.scalar(select(DeskMessage).where(
        DeskMessage.relay_chat_id == place.chat_id,
        DeskMessage.relay_message_id == place.reply_to).limit(1))
    if relayed is None:
        return None
    conv = await session.get(Conversation, relayed.conversation_id)
    return await conversation_of_topic(session, conv.topic_id) if conv else None


def _first_response(conv: Conversation, hours: Hours, now: datetime) -> None:
    if conv.first_response_at is None:
        conv.first_response_at = now
        conv.first_response_seconds = hours.open_seconds(conv.opened_at, now)


async def _take(
    session: AsyncSession, rt: Runtime, conv: Conversation, agent: Member, now: datetime
) -> bool:
    """Give an unowned conversation to ``agent`` (a conditional update: the first one wins)."""
    done = await session.execute(
        update(Conversation)
        .where(Conversation.id == conv.id, Conversation.state == CONV_WAITING)
        .values(state=CONV_ACTIVE, agent_id=agent.id, taken_at=now)
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:  # type: ignore[attr-defined]
        await session.refresh(conv)
        return False
    await session.refresh(conv)
    name = await desk_name(session, agent.id)
    notify_member(session, conv, "desk.member.served", now, agent=name)
    notify_desk(session, rt, conv, "desk.agent.taken_note", now, agent=name, number=conv.id)
    await mark_dirty(session, conv)
    return True


def _member_owes(conv: Conversation, now: datetime) -> None:
    conv.owes, conv.owed_since, conv.warned, conv.escalated = OWES_MEMBER, now, False, 0


async def agent_wrote(
    session: AsyncSession, rt: Runtime, agent: Member, place: Place, message: Incoming,
    now: datetime,
) -> Reply:
    conv = await find_conversation(session, place)
    if conv is None:
        return Reply("")  # talk in General, not about a member
    if message.kind == "edit":
        return await _agent_edit(session, conv, agent, message, now)
    if await session.scalar(select(DeskMessage.id).where(
            DeskMessage.source_chat_id == message.chat_id,
            DeskMessage.source_message_id == message.message_id)):
        return Reply("")  # the same update again
    if conv.state == CONV_CLOSED:
        return Reply("closed", {"number": conv.id}, conv.id)
    if conv.state == CONV_WAITING:
        await _take(session, rt, conv, agent, now)
    if conv.agent_id != agent.id:
        row = add_message(session, conv, FROM_AGENT, message, author_id=agent.id, now=now,
                          status=MSG_HELD)
        await session.flush()
        owner = await desk_name(session, conv.agent_id)
        return Reply("held", {"owner": owner, "message": row.id}, conv.id)
    add_message(session, conv, FROM_AGENT, message, author_id=agent.id, now=now)
    _first_response(conv, await hours_of(session, rt), now)
    _member_owes(conv, now)
    return Reply("", conv_id=conv.id)


async def _agent_edit(
    session: AsyncSession, conv: Conversation, agent: Member, edit: Incoming, now: datetime
) -> Reply:
    original = await session.scalar(select(DeskMessage).where(
        DeskMessage.source_chat_id == edit.chat_id,
        DeskMessage.source_message_id == edit.message_id, DeskMessage.source_version == 0))
    if original is None or original.direction != FROM_AGENT or original.status != MSG_SENT:
        return Reply("")
    if conv.state != CONV_CLOSED and not await session.scalar(select(DeskMessage.id).where(
            DeskMessage.source_chat_id == edit.chat_id,
            DeskMessage.source_message_id == edit.message_id,
            DeskMessage.source_version == edit.version)):
        add_message(session, conv, FROM_AGENT, edit, author_id=agent.id, now=now, kind="edit")
    return Reply("")


async def confirm_held(
    session: AsyncSession, rt: Runtime, agent: Member, message_id: int, send: bool,
    now: datetime,
) -> Reply:
    done = await session.execute(
        update(DeskMessage)
        .where(DeskMessage.id == message_id, DeskMessage.author_id == agent.id,
               DeskMessage.status == MSG_HELD)
        .values(status=MSG_PENDING if send else MSG_DROPPED, not_before=now)
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:  # type: ignore[attr-defined]
        return Reply("held_gone")
    row = await session.get(DeskMessage, message_id)
    conv = await session.get(Conversation, row.conversation_id) if row else None
    if not send or conv is None:
        return Reply("held_dropped")
    if conv.state == CONV_CLOSED:
        row.status = MSG_DROPPED  # type: ignore[union-attr]
        return Reply("closed", {"number": conv.id}, conv.id)
    _first_response(conv, await hours_of(session, rt), now)
    _member_owes(conv, now)
    return Reply("held_sent", conv_id=conv.id)


async def take(
    session: AsyncSession, rt: Runtime, agent: Member, conv_id: int, now: datetime
) -> Reply:
    """The 接待 button."""
    conv = await session.get(Conversation, conv_id)
    if conv is None or conv.state == CONV_CLOSED:
        return Reply("closed", {"number": conv_id}, conv_id)
    if conv.state == CONV_WAITING and await _take(session, rt, conv, agent, now):
        return Reply("taken", {"number": conv.id}, conv.id)
    if conv.agent_id == agent.id:
        return Reply("already_yours", {"number": conv.id}, conv.id)
    return Reply("taken_by", {"owner": await desk_name(session, conv.agent_id),
                              "number": conv.id}, conv.id)


async def close(
    session: AsyncSession, rt: Runtime, conv: Conversation, now: datetime, *, by: str,
    agent: Member | None = None,
) -> bool:
    """Close a conversation (by the agent, the member or the idle clock). False if it was."""
    done = await session.execute(
        update(Conversation)
        .where(Conversation.id == conv.id, Conversation.state.in_(OPEN_STATES))
        .values(state=CONV_CLOSED, closed_at=now, closed_by=by)
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:  # type: ignore[attr-defined]
        return False
    await session.refresh(conv)
    person = conv.agent_id is not None  # a rating only after a conversation with a person
    key = "desk.member.closed_idle" if by == "idle" else "desk.member.closed"
    notice = notify_member(session, conv, key, now, minutes=rt.settings.desk_idle_minutes,
                           buttons=rating_buttons(conv.locale, conv.id) if person else None)
    if person:
        notice.text = f"{notice.text}\n{messages.t(conv.locale, 'desk.member.rate_prompt')}"
    if by == "agent":
        notify_desk(session, rt, conv, "desk.agent.closed_note", now, number=conv.id,
                    agent=await desk_name(session, agent.id if agent else None))
    elif by == "idle":
        notify_desk(session, rt, conv, "desk.agent.idle_note", now, number=conv.id,
                    minutes=rt.settings.desk_idle_minutes)
    await mark_dirty(session, conv)
    return True


async def close_command(
    session: AsyncSession, rt: Runtime, agent: Member, place: Place, now: datetime
) -> Reply:
    conv = await find_conversation(session, place)
    if conv is None:
        return Reply("not_in_topic")
    if not await close(session, rt, conv, now, by="agent", agent=agent):
        return Reply("closed", {"number": conv.id}, conv.id)
    return Reply("", conv_id=conv.id)


async def _agent_named(session: AsyncSession, rt: Runtime, token: str) -> Member | None:
    token = token.removeprefix("@")
    named = await session.scalar(select(Member).join(DeskAgent, DeskAgent.member_id == Member.id)
                                 .where(DeskAgent.desk_name == token))
    if named is not None:
        return named
    by_username = await session.scalar(select(Member).where(Member.username == token))
    if by_username is not None:
        return by_username
    return await session.scalar(select(Member).where(Member.first_name == token))


async def transfer(
    session: AsyncSession, rt: Runtime, agent: Member, place: Place, target: str, note: str,
    message: Incoming, now: datetime,
) -> Reply:
    conv = await find_conversation(session, place)
    if conv is None:
        return Reply("not_in_topic")
    if conv.state == CONV_CLOSED:
        return Reply("closed", {"number": conv.id}, conv.id)
    other = await _agent_named(session, rt, target)
    if other is None or other.id == agent.id:
        return Reply("transfer_unknown", {"given": target}, conv.id)
    conv.state, conv.agent_id, conv.taken_at = CONV_ACTIVE, other.id, now
    conv.transfer_note = note or None
    add_message(session, conv, NOTE, message, author_id=agent.id, now=now, status=MSG_SENT,
                text=note)
    to_name = await desk_name(session, other.id)
    notify_desk(session, rt, conv, "desk.agent.transferred_note", now,
                agent=await desk_name(session, agent.id), to=messages.mention(
                    other.telegram_id, to_name), note=note or "—")
    notify_member(session, conv, "desk.member.served", now, agent=to_name)
    await mark_dirty(session, conv)
    return Reply("", conv_id=conv.id)


async def note(
    session: AsyncSession, agent: Member, place: Place, text: str, message: Incoming,
    now: datetime,
) -> Reply:
    conv = await find_conversation(session, place)
    if conv is None:
        return Reply("not_in_topic")
    if not text:
        return Reply("note_empty")
    add_message(session, conv, NOTE, message, author_id=agent.id, now=now, status=MSG_SENT,
                text=text)
    return Reply("noted", conv_id=conv.id)


async def canned(
    session: AsyncSession, rt: Runtime, agent: Member, place: Place, key: str,
    message: Incoming, now: datetime,
) -> Reply:
    """/r greet: a reply from the catalog, in the member's language, sent like a typed one."""
    conv = await find_conversation(session, place)
    if conv is None:
        return Reply("not_in_topic")
    if key not in CANNED:
        return Reply("canned_unknown", {"keys": " ".join(CANNED)}, conv.id)
    text = messages.t(conv.locale, f"desk.canned.{key}")
    typed = Incoming(message.chat_id, message.message_id, "text", html.unescape(text))
    answer = await agent_wrote(session, rt, agent, place, typed, now)
    if answer.code:
        return answer
    return Reply("canned_sent", {"text": text}, conv.id)
