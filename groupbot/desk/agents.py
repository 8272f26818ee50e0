"""The agents' side: answering in a topic (or by reply when topics are off), taking (接待), and
confirming a second agent's text. Commands (/close, /transfer, /note, /r) are in commands.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from groupbot.aftercare import cases as aftercare_cases
from groupbot.desk.hours import Hours
from groupbot.desk.records import (
    Incoming,
    Outcome,
    add_message,
    conversation_of_topic,
    desk_name,
    hours_of,
    mark_dirty,
    notify_desk,
    notify_member,
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
    OWES_MEMBER,
    Conversation,
    DeskMessage,
    DeskTopic,
)
from groupbot.runtime import Runtime

Reply = Outcome  # what the agent is told, in the topic


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
    await aftercare_cases.contacted(session, conv.member_id, agent, now)  # a case is answered
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
    await aftercare_cases.contacted(session, conv.member_id, agent, now)
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
