"""The relay: sends every stored desk message exactly once, in order per conversation.

A pass claims due rows in one short transaction (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so
several bot processes never take the same row; status ``sending`` with a lease), commits,
then talks to Telegram, and records each outcome (the relayed message id) in its own short
transaction. A row left in ``sending`` by a crash is retried once its lease ran out: the only
window where a message could arrive twice. Consecutive texts of one side are coalesced into
one message — a forum is one chat for Telegram's 20-per-minute group limit.
"""

from __future__ import annotations

import asyncio
import html
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

import messages
from groupbot.desk.records import desk_locale, desk_name, notify_desk
from groupbot.desk.topics import ensure_topic
from groupbot.desk.transport import Buttons, DeskTransport
from groupbot.models import Member
from groupbot.models.desk import (
    FROM_AGENT,
    FROM_MEMBER,
    MSG_FAILED,
    MSG_PENDING,
    MSG_SENDING,
    MSG_SENT,
    TO_DESK,
    TO_MEMBER,
    Conversation,
    DeskMessage,
    DeskTopic,
)
from groupbot.notify import Blocked, ChatGone, RetryLater, SendError
from groupbot.runtime import Runtime

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 8
COALESCE_CHARS = 3500  # well under Telegram's 4096 per message


@dataclass
class Job:
    """One Telegram send: one row, or several coalesced texts of the same side."""

    row_ids: list[int]
    direction: str
    kind: str
    conv_id: int
    topic_id: int
    member_chat: int
    desk_chat: int
    locale: str
    text: str | None
    source_chat: int | None
    source_message: int | None
    buttons: Buttons | None = None
    reply_to: int | None = None  # an edit note answers the relayed original
    agent: str = ""
    label: str = ""  # "小明 #12": the header when the desk chat has no topics
    texts: list[str] = field(default_factory=list)


def _due(row: DeskMessage, now: datetime) -> bool:
    if row.status == MSG_PENDING:
        return row.not_before <= now
    return row.not_before <= now - LEASE  # a "sending" row whose sender died


TO_MEMBERS = (FROM_AGENT, TO_MEMBER)  # what goes into members' private chats
TO_DESKS = (FROM_MEMBER, TO_DESK)  # what goes into the desk chats (20 a minute each)


async def _claim(
    session: AsyncSession, rt: Runtime, now: datetime, limit: int, side: tuple[str, ...]
) -> list[Job]:
    query = (
        select(DeskMessage, Conversation, DeskTopic, Member)
        .join(Conversation, Conversation.id == DeskMessage.conversation_id)
        .join(DeskTopic, DeskTopic.id == Conversation.topic_id)
        .join(Member, Member.id == Conversation.member_id)
        .where(Conversation.community_id == rt.community_id, DeskMessage.direction.in_(side),
               or_(DeskMessage.status == MSG_PENDING, DeskMessage.status == MSG_SENDING))
        .order_by(DeskMessage.id).limit(limit * 4)
    )
    if session.bind.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=DeskMessage)
    blocked: set[int] = set()  # conversations with an earlier row not due: keep the order
    jobs: list[Job] = []
    for row, conv, topic, member in await session.execute(query):
        if conv.id in blocked or len(jobs) >= limit:
            continue
        if not _due(row, now):
            blocked.add(conv.id)
            continue
        row.status, row.not_before, row.attempts = MSG_SENDING, now, row.attempts + 1
        last = jobs[-1] if jobs else None
        if (last is not None and last.conv_id == conv.id and last.direction == row.direction
                and row.direction in (FROM_MEMBER, FROM_AGENT) and row.kind == "text"
                and last.kind == "text" and len("\n".join(last.texts)) < COALESCE_CHARS):
            last.row_ids.append(row.id)
            last.texts.append(row.text or "")
            continue
        job = Job(
            row_ids=[row.id], direction=row.direction, kind=row.kind, conv_id=conv.id,
            topic_id=topic.id, member_chat=member.telegram_id, desk_chat=topic.desk_chat_id,
            locale=conv.locale, text=row.text, source_chat=row.source_chat_id,
            source_message=row.source_message_id, buttons=row.buttons,
            label=f"{member.full_name} #{conv.id}", texts=[row.text or ""],
        )
        if row.direction == FROM_AGENT:
            job.agent = await desk_name(session, row.author_id)
        if row.kind == "edit":
            job.reply_to = await session.scalar(select(DeskMessage.relay_message_id).where(
                DeskMessage.source_chat_id == row.source_chat_id,
                DeskMessage.source_message_id == row.source_message_id,
                DeskMessage.source_version == 0))
        jobs.append(job)
    return jobs


def _destination(job: Job) -> int:
    return job.member_chat if job.direction in (FROM_AGENT, TO_MEMBER) else job.desk_chat


async def relay_due(
    rt: Runtime, transport: DeskTransport, side: tuple[str, ...], *, limit: int = 100
) -> int:
    """One pass of the relay for one side (TO_MEMBERS or TO_DESKS: the two are independent,
    so members' chats never wait for a desk chat's budget). Returns how many were sent.

    Each destination chat is its own queue, served concurrently: a desk chat waiting out its
    20-a-minute budget holds up neither the other desk chats nor anyone else."""
    if not rt.settings.desk_chat_ids:
        return 0
    now = rt.clock.now()
    async with rt.tx() as session:
        jobs = await _claim(session, rt, now, limit, side)
    queues: dict[int, list[Job]] = {}
    for job in jobs:
        queues.setdefault(_destination(job), []).append(job)
    sent = await asyncio.gather(*(_send_queue(rt, transport, queue) for queue in queues.values()))
    return sum(sent)


async def _send_queue(rt: Runtime, transport: DeskTransport, queue: list[Job]) -> int:
    sent = 0
    stalled: set[int] = set()  # a conversation whose earlier message must go first
    for job in queue:
        if job.conv_id in stalled:
            await _record(rt, job, MSG_PENDING, None, "waiting for an earlier message", 0)
            continue
        ok = await _send_job(rt, transport, job)
        sent += ok
        if not ok:
            stalled.add(job.conv_id)
    return sent


async def _send_job(rt: Runtime, transport: DeskTransport, job: Job) -> bool:
    thread_id: int | None = None
    if job.direction in (FROM_MEMBER, TO_DESK) and job.kind != "general":
        ready, thread_id = await ensure_topic(rt, transport, job.topic_id)
        if not ready:
            await _record(rt, job, MSG_PENDING, None, "topic not ready", 5)
            return False
    try:
        message_id, chat = await _deliver(rt, transport, job, thread_id)
    except RetryLater as exc:
        await _record(rt, job, MSG_PENDING, None, str(exc), exc.seconds)
        return False
    except (Blocked, ChatGone) as exc:
        await _record(rt, job, MSG_FAILED, None, str(exc), 0, undelivered=True)
        return True  # nothing later can fix this one; the rest of the conversation goes on
    except SendError as exc:
        await _record(rt, job, MSG_PENDING, None, str(exc), 30)
        return False
    await _record(rt, job, MSG_SENT, (chat, message_id), None, 0)
    return True


async def _deliver(
    rt: Runtime, transport: DeskTransport, job: Job, thread_id: int | None
) -> tuple[int, int]:
    """Send one job; returns (message id, chat id)."""
    text = "\n".join(job.texts)
    if job.direction == TO_MEMBER:
        return await transport.send_text(job.member_chat, text, buttons=job.buttons), \
            job.member_chat
    if job.direction == TO_DESK:
        return await transport.send_text(job.desk_chat, text, thread_id=thread_id,
                                          buttons=job.buttons), job.desk_chat
    header = "" if thread_id else messages.t(desk_locale(rt), "desk.relay.header",
                                             label=job.label) + "\n"
    if job.direction == FROM_MEMBER:
        chat = job.desk_chat
        if job.kind == "text":
            body = header + html.escape(text, quote=False)
            return await transport.send_text(chat, body, thread_id=thread_id), chat
        if job.kind == "edit":
            body = header + messages.t(desk_locale(rt), "desk.relay.member_edit", text=text)
            return await transport.send_text(chat, body, thread_id=thread_id,
                                              reply_to=job.reply_to), chat
        caption = (header + html.escape(job.text or "", quote=False)) if header else None
        assert job.source_chat is not None and job.source_message is not None
        return await transport.copy(chat, job.source_chat, job.source_message,
                                    thread_id=thread_id, caption_html=caption), chat
    chat = job.member_chat  # FROM_AGENT: to the member, under the agent's desk name
    if job.kind == "text":
        body = messages.t(job.locale, "desk.relay.agent_text", agent=job.agent, text=text)
        return await transport.send_text(chat, body), chat
    if job.kind == "edit":
        body = messages.t(job.locale, "desk.relay.agent_edit", agent=job.agent, text=text)
        return await transport.send_text(chat, body, reply_to=job.reply_to), chat
    assert job.source_chat is not None and job.source_message is not None
    caption = None if job.kind == "sticker" else messages.t(
        job.locale, "desk.relay.agent_caption", agent=job.agent, text=job.text or "")
    return await transport.copy(chat, job.source_chat, job.source_message,
                                caption_html=caption), chat


async def _record(
    rt: Runtime, job: Job, status: str, relayed: tuple[int, int] | None, error: str | None,
    delay: float, *, undelivered: bool = False,
) -> None:
    now = rt.clock.now()
    async with rt.tx() as session:
        rows = list(await session.scalars(
            select(DeskMessage).where(DeskMessage.id.in_(job.row_ids))))
        for row in rows:
            final = status
            if status == MSG_PENDING and row.attempts >= MAX_ATTEMPTS:
                final = MSG_FAILED
            row.status, row.last_error = final, error[:300] if error else None
            if relayed is not None:
                row.relay_chat_id, row.relay_message_id = relayed
                row.relayed_at = now
            elif final == MSG_PENDING:
                row.not_before = now + timedelta(seconds=delay)
        if undelivered and job.direction == FROM_AGENT:
            conv = await session.get(Conversation, job.conv_id)
            if conv is not None:
                notify_desk(session, rt, conv, "desk.agent.undelivered", now, number=conv.id)
    if status != MSG_SENT:
        log.info("desk relay %s: %s (%s)", job.row_ids, status, error)
