"""The member's side: asking for a person, writing (and editing) in the conversation, rating.

Each function decides inside the caller's transaction and returns a code with parameters for
the handler to render; what must reach the agents is stored for the relay.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from groupbot.desk.records import (
    Incoming,
    Outcome,
    add_message,
    desk_name,
    hours_of,
    last_conversation,
    mark_dirty,
    open_conversation,
    queue_position,
    rules,
    stored,
    topic_for,
)
from groupbot.models import Member
from groupbot.models.desk import (
    CONV_ACTIVE,
    CONV_CLOSED,
    FROM_MEMBER,
    OWES_AGENT,
    OWES_MEMBER,
    Conversation,
    DeskMessage,
)
from groupbot.runtime import Runtime

Answer = Outcome  # what the member is told now


async def _open(
    session: AsyncSession, rt: Runtime, member: Member, locale: str, now: datetime
) -> tuple[Conversation, Answer]:
    topic = await topic_for(session, rt, member)
    conv = Conversation(
        community_id=rt.community_id, member_id=member.id, topic_id=topic.id, locale=locale,
        opened_at=now, owes=OWES_MEMBER, owed_since=now,
    )
    session.add(conv)
    await session.flush()
    topic.dirty = True
    return conv, await _greeting(session, rt, conv, now)


async def _greeting(
    session: AsyncSession, rt: Runtime, conv: Conversation, now: datetime
) -> Answer:
    hours = await hours_of(session, rt)
    if hours.is_open(now):
        return Answer("queued", {"ahead": await queue_position(session, conv)})
    conv.away_sent = True
    opening = hours.next_opening(now)
    if opening is None:
        return Answer("away_unknown")
    return Answer("away", {"when": opening})


async def request_service(
    session: AsyncSession, rt: Runtime, member: Member, locale: str, now: datetime
) -> Answer:
    """/service or the "talk to a person" button. No topic yet: that waits for a message."""
    if not rt.settings.desk_chat_ids:
        return Answer("no_desk")
    conv = await open_conversation(session, member.id)
    if conv is not None and conv.state == CONV_ACTIVE:
        return Answer("already_served", {"agent": await desk_name(session, conv.agent_id)})
    if conv is not None:
        return Answer("already_waiting", {"ahead": await queue_position(session, conv)})
    _conv, answer = await _open(session, rt, member, locale, now)
    return answer


async def member_wrote(
    session: AsyncSession, rt: Runtime, member: Member, locale: str, message: Incoming,
    now: datetime,
) -> Answer | None:
    """A private message from the member. None: not for the desk (the bot's other handlers
    take it). A closed conversation reopens on the member's next message within the window."""
    if not rt.settings.desk_chat_ids:
        return None
    if await stored(session, message) is not None:
        return Answer("")  # the same update again: it is already on its way
    conv = await open_conversation(session, member.id)
    answer = Answer("")
    if conv is None:
        last = await last_conversation(session, member.id)
        window = timedelta(hours=rules(rt).reopen_hours)
        if last is None or last.closed_at is None or now - last.closed_at > window:
            return None
        conv, answer = await _open(session, rt, member, locale, now)
        if answer.code == "queued":
            answer = Answer("reopened")
    elif not conv.away_sent and not (await hours_of(session, rt)).is_open(now):
        answer = await _greeting(session, rt, conv, now)
    add_message(session, conv, FROM_MEMBER, message, author_id=member.id, now=now)
    if conv.owes != OWES_AGENT:
        conv.owes, conv.owed_since, conv.escalated = OWES_AGENT, now, 0
    conv.warned = False
    await session.flush()
    return answer


async def member_edited(
    session: AsyncSession, rt: Runtime, member: Member, edit: Incoming, now: datetime
) -> bool:
    """An edit of a message the desk has: relayed as an edit note. False: not ours."""
    from sqlalchemy import select

    original = await session.scalar(select(DeskMessage).where(
        DeskMessage.source_chat_id == edit.chat_id,
        DeskMessage.source_message_id == edit.message_id,
        DeskMessage.source_version == 0))
    if original is None:
        return False
    conv = await session.get(Conversation, original.conversation_id)
    if conv is None or conv.state == CONV_CLOSED or await stored(session, edit) is not None:
        return True  # a closed conversation's history stays as it was
    add_message(session, conv, FROM_MEMBER, edit, author_id=member.id, now=now, kind="edit")
    return True


async def rate(
    session: AsyncSession, member: Member, conv_id: int, score: int, now: datetime,
    rt: Runtime | None = None,
) -> Answer:
    """Once per conversation with a person, 1–5 (a conditional update: two taps, one rating).
    With ``rt`` the rating is also kept by aftercare, where a low one opens a complaint case
    (the answer is then ``rate_sorry`` with the case number)."""
    if not 1 <= score <= 5:
        return Answer("rate_invalid")
    done = await session.execute(
        update(Conversation)
        .where(Conversation.id == conv_id, Conversation.member_id == member.id,
               Conversation.state == CONV_CLOSED, Conversation.agent_id.is_not(None),
               Conversation.rating.is_(None))
        .values(rating=score, rated_at=now))
    if done.rowcount != 1:  # type: ignore[attr-defined]
        return Answer("rate_already")
    conv = await session.get(Conversation, conv_id)
    if conv is not None:
        await mark_dirty(session, conv)
    if rt is not None:
        from groupbot.aftercare.ratings import desk_rated

        kept = await desk_rated(session, rt, member, conv_id, score, now)
        if kept.code == "rate_sorry":
            return Answer("rate_sorry", dict(kept.params))
    return Answer("rate_thanks", {"score": score})
