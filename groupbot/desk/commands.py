"""The agents' commands in a member's topic: /close (and the close itself, also used by the idle
clock), /transfer to another agent with a note, /note (internal), /r canned replies."""

from __future__ import annotations

import html
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

import messages
from groupbot.desk.agents import Place, Reply, agent_wrote, find_conversation
from groupbot.desk.records import (
    OPEN_STATES,
    Incoming,
    add_message,
    desk_name,
    mark_dirty,
    notify_desk,
    notify_member,
    rating_buttons,
)
from groupbot.models import Member
from groupbot.models.desk import (
    CONV_ACTIVE,
    CONV_CLOSED,
    MSG_SENT,
    NOTE,
    Conversation,
    DeskAgent,
)
from groupbot.runtime import Runtime

CANNED = ("greet", "wait", "sorry", "check", "refund", "bye")


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
