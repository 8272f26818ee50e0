"""The outbox: every proactive message is a row first, sent after the commit that caused it.

Exactly once: a row is keyed by what it is about (e.g. ``order:12:warning``), so enqueuing it
twice — a retried request, a double tap, a restart — adds nothing. The dispatcher marks a row
``sending`` by this process (``sending_by``, its heartbeat id) and commits before calling
Telegram, then ``sent`` with the message id in one UPDATE as soon as Telegram answers. A row
left ``sending`` by a process that died is taken over once that process's heartbeat is older
than ``process_lease_seconds`` (seconds, not minutes). Telegram has no idempotent send, so the
one window where a message can go out twice is a kill between Telegram accepting it and that
UPDATE's commit. 429 is honoured by postponing the row; 403 marks it ``blocked`` and it is not
retried; organizers see both with /undelivered.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

import messages
from groupbot import texts
from groupbot.claiming import claimable
from groupbot.models import Group, Member, OutboxMessage
from groupbot.models.messaging import (
    OUTBOX_BLOCKED,
    OUTBOX_CANCELLED,
    OUTBOX_FAILED,
    OUTBOX_PENDING,
    OUTBOX_SENDING,
    OUTBOX_SENT,
)
from groupbot.models.scale import ProcessBeat
from groupbot.runtime import Runtime
from groupbot.scale import beats
from groupbot.scale.updates import wall_now

log = logging.getLogger(__name__)

Buttons = Sequence[Sequence[tuple[str, str]]]
SENDING_LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 8
LANES = 8  # chats served side by side in one pass (each holds a pooled connection at times)


class SendError(Exception):
    """Sending failed; the subclasses say whether and when to try again."""


class Blocked(SendError):
    """403: blocked by the user, never started, or kicked from the group."""


class ChatGone(SendError):
    """400 chat not found: nothing to retry."""


class RetryLater(SendError):
    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds}s")
        self.seconds = seconds


class ChatBusy(RetryLater):
    """That chat's send budget (a group's 20 a minute) is used up for now: nothing was sent
    and nothing tried, so it is not an attempt; the queue comes back after ``seconds``."""


class Migrated(SendError):
    """The group became a supergroup with a new id."""

    def __init__(self, new_chat_id: int) -> None:
        super().__init__(f"migrated to {new_chat_id}")
        self.new_chat_id = new_chat_id


class Sender(Protocol):
    """What the services need from Telegram; handlers/sender.py implements it with PTB."""

    async def send(
        self, chat_id: int, text: str, buttons: Buttons | None = None, photo: bytes | None = None
    ) -> int: ...

    async def edit(
        self, chat_id: int, message_id: int, text: str, buttons: Buttons | None = None
    ) -> None: ...


@dataclass(frozen=True)
class Outgoing:
    """A message to queue: ``message`` is a groupbot.texts value (a catalog key and its
    parameters), drawn in the recipient's language when it is sent; button labels too."""

    key: str
    kind: str
    chat_id: int
    message: Any
    buttons: texts.ButtonSpec | None = None
    member_id: int | None = None
    order_id: int | None = None
    merge_key: str | None = None
    data: dict[str, Any] | None = None
    not_before: datetime | None = None


async def enqueue(session: AsyncSession, rt: Runtime, msg: Outgoing) -> OutboxMessage | None:
    """Add a message to the outbox unless one with the same key exists. Returns the new row."""
    if await session.scalar(select(OutboxMessage.id).where(OutboxMessage.key == msg.key)):
        return None
    row = OutboxMessage(
        key=msg.key,
        kind=msg.kind,
        community_id=rt.community_id,
        chat_id=msg.chat_id,
        member_id=msg.member_id,
        order_id=msg.order_id,
        merge_key=msg.merge_key,
        message=texts.to_json(msg.message),
        buttons=texts.buttons_to_json(msg.buttons),
        data=msg.data,
        not_before=msg.not_before or rt.clock.now(),
    )
    session.add(row)
    await session.flush()
    return row


async def pending_merge(session: AsyncSession, merge_key: str) -> OutboxMessage | None:
    """An unsent message that a new one may be folded into."""
    return await session.scalar(
        select(OutboxMessage)
        .where(OutboxMessage.merge_key == merge_key, OutboxMessage.status == OUTBOX_PENDING)
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    )


async def cancel(session: AsyncSession, key_prefix: str) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.key.startswith(key_prefix), OutboxMessage.status == OUTBOX_PENDING)
        .values(status=OUTBOX_CANCELLED)
    )


# A kind may register a check run just before sending: False cancels the message
# (e.g. the claim-window reminder once a claim was filed).
StillWanted = Callable[[AsyncSession, OutboxMessage, Runtime], Awaitable[bool]]
STILL_WANTED: dict[str, StillWanted] = {}


async def dispatch_due(rt: Runtime, sender: Sender, *, limit: int = 50) -> int:
    """Send what is due, oldest first. Returns how many were sent."""
    now = rt.clock.now()
    me = beats.me(rt)
    async with rt.tx() as session:
        # Index-friendly reads of ix_outbox_due (community, status, not_before) rather than
        # one OR of statuses, which SQLite answers by scanning every row ever sent.
        due = [OutboxMessage.status == OUTBOX_PENDING, OutboxMessage.not_before <= now]
        rows = list(await session.scalars(_due(rt, due, limit)))
        # Rows another process marked "sending" and did not finish: taken over as soon as
        # that process is dead (silent past its lease), not after a fixed wait.
        rows += await session.scalars(_due(rt, [
            OutboxMessage.status == OUTBOX_SENDING, OutboxMessage.sending_by != me,
            ~select(ProcessBeat.id).where(
                ProcessBeat.id == OutboxMessage.sending_by,
                ProcessBeat.seen_at > wall_now() - _process_lease(rt)).exists()], limit))
        # Rows from before holders were recorded (revision 0014): the old fixed lease.
        rows += await session.scalars(_due(rt, [
            OutboxMessage.status == OUTBOX_SENDING, OutboxMessage.sending_by.is_(None),
            OutboxMessage.not_before <= now - SENDING_LEASE], limit))
        rows = sorted(rows, key=lambda r: (r.not_before, r.id))[:limit]
        for row in rows:
            row.status, row.not_before, row.sending_by = OUTBOX_SENDING, now, me
            row.attempts += 1
    lanes: dict[int, list[int]] = {}
    for row in rows:
        lanes.setdefault(row.chat_id, []).append(row.id)
    # Each chat's rows in order, the chats side by side: a group whose per-minute budget is
    # used up (ChatBusy) waits on its own, and never holds up other people's notices.
    gate = asyncio.Semaphore(LANES)

    async def lane(chat_id: int, ids: list[int]) -> int:
        async with gate:
            done = 0
            for n, row_id in enumerate(ids):
                try:
                    done += await _send_one(rt, sender, row_id)
                except ChatBusy as busy:  # not sent: this row and the chat's later ones wait
                    await _release(rt, ids[n:])
                    await _chat_waits(rt, chat_id, busy.seconds)
                    break
            return done

    return sum(await asyncio.gather(*(lane(c, ids) for c, ids in lanes.items())))


async def _release(rt: Runtime, ids: list[int]) -> None:
    """Rows taken for sending and not tried go back as they were (not an attempt)."""
    if ids:
        async with rt.tx() as session:
            await session.execute(
                update(OutboxMessage).where(OutboxMessage.id.in_(ids),
                                            OutboxMessage.status == OUTBOX_SENDING)
                .values(status=OUTBOX_PENDING, sending_by=None,
                        attempts=OutboxMessage.attempts - 1))


def _due(rt: Runtime, conditions: list[Any], limit: int) -> Any:
    return (claimable(select(OutboxMessage))  # several processes: disjoint rows
            .where(OutboxMessage.community_id == rt.community_id, *conditions)
            .order_by(OutboxMessage.not_before, OutboxMessage.id).limit(limit))


def _process_lease(rt: Runtime) -> timedelta:
    return timedelta(seconds=rt.settings.process_lease_seconds)


async def _record_sent(rt: Runtime, row_id: int, message_id: int) -> None:
    """The first thing after Telegram accepted a message: one UPDATE, committed. A process
    killed before this commit leaves the row "sending", and whoever takes it over sends it
    again: that gap (Telegram's answer on its way back, one UPDATE) is the duplicate window."""
    async with rt.tx() as session:
        await session.execute(
            update(OutboxMessage).where(OutboxMessage.id == row_id)
            .values(status=OUTBOX_SENT, message_id=message_id, sent_at=rt.clock.now(),
                    last_error=None, sending_by=None))


async def _send_one(rt: Runtime, sender: Sender, row_id: int) -> int:
    """1 sent, 0 not (cancelled, failed, to retry later). ChatBusy goes to the caller."""
    async with rt.tx() as session:
        row = await session.get(OutboxMessage, row_id)
        if row is None or row.status != OUTBOX_SENDING:
            return 0
        check = STILL_WANTED.get(row.kind)
        if check is not None and not await check(session, row, rt):
            row.status = OUTBOX_CANCELLED
            return 0
        chat_id = row.chat_id
        text, buttons = await render_row(session, rt, row)
    status, error, delay = OUTBOX_SENT, None, None
    try:
        await _record_sent(rt, row_id, await sender.send(chat_id, text, buttons))
        return 1
    except ChatBusy:
        raise
    except RetryLater as exc:
        status, error, delay = OUTBOX_PENDING, str(exc), exc.seconds
    except Migrated as exc:
        status, error, delay = OUTBOX_PENDING, str(exc), 0
        async with rt.tx() as session:
            from groupbot.people import migrate_group

            await migrate_group(session, chat_id, exc.new_chat_id)
            row = await session.get(OutboxMessage, row_id)
            if row is not None:
                row.chat_id = exc.new_chat_id
    except Blocked as exc:
        status, error = OUTBOX_BLOCKED, str(exc)
    except ChatGone as exc:
        status, error = OUTBOX_FAILED, str(exc)
    except SendError as exc:
        status, error, delay = OUTBOX_PENDING, str(exc), 30
    now = rt.clock.now()
    async with rt.tx() as session:
        row = await session.get(OutboxMessage, row_id)
        assert row is not None
        row.last_error = error[:300] if error else None
        if status == OUTBOX_PENDING and row.attempts >= MAX_ATTEMPTS:
            status = OUTBOX_FAILED
        row.status, row.sending_by = status, None
        if status == OUTBOX_PENDING:
            row.not_before = now + timedelta(seconds=delay or 0)
        elif status == OUTBOX_BLOCKED and row.member_id and row.chat_id > 0:
            member = await session.get(Member, row.member_id)
            if member is not None and member.started_at is not None:
                member.blocked_at = now
    log.info("outbox %s: %s (%s)", row_id, status, error)
    return 0


async def _chat_waits(rt: Runtime, chat_id: int, seconds: float) -> None:
    # Every waiting row of the chat moves to the moment its budget refills, so one chat's rows
    # still go out in their order (ties go by id).
    until = rt.clock.now() + timedelta(seconds=seconds)
    async with rt.tx() as session:
        await session.execute(
            update(OutboxMessage).where(
                OutboxMessage.community_id == rt.community_id,
                OutboxMessage.chat_id == chat_id, OutboxMessage.status == OUTBOX_PENDING,
                OutboxMessage.not_before < until)
            .values(not_before=until))


async def recipient_locale(session: AsyncSession, rt: Runtime, chat_id: int,
                           member_id: int | None) -> str:
    """The language of whoever reads ``chat_id`` now: a group's setting wins, then the
    member's Telegram language, then the community's default."""
    group = await session.scalar(select(Group).where(Group.chat_id == chat_id)) if (
        chat_id < 0) else None
    member = await session.get(Member, member_id) if member_id else None
    return messages.pick_locale(member.language_code if member else None,
                                group.locale if group else None, rt.settings.default_locale)


async def render_row(
    session: AsyncSession, rt: Runtime, row: OutboxMessage
) -> tuple[str, Buttons | None]:
    if row.message is None:  # queued before revision 0007: already rendered
        return row.text or "", row.buttons
    locale = await recipient_locale(session, rt, row.chat_id, row.member_id)
    return (str(texts.render(locale, texts.from_json(row.message))),
            texts.render_buttons(locale, row.buttons))


async def undelivered(session: AsyncSession, community_id: int, limit: int = 30) -> list[Any]:
    """Messages that could not be delivered, newest first, with who they were for."""
    rows = await session.execute(
        select(OutboxMessage, Member)
        .outerjoin(Member, Member.id == OutboxMessage.member_id)
        .where(
            OutboxMessage.community_id == community_id,
            OutboxMessage.status.in_([OUTBOX_BLOCKED, OUTBOX_FAILED]),
        )
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    return list(rows.all())
