"""The outbox: every proactive message is a row first, sent after the commit that caused it.

Exactly once: a row is keyed by what it is about (e.g. ``order:12:warning``), so enqueuing it
twice — a retried request, a double tap, a restart — adds nothing. The dispatcher
(groupbot/outbox_dispatch.py) marks a row ``sending`` by this process (``sending_by``, its
heartbeat id) and commits before calling Telegram, then ``sent`` with the message id in one
UPDATE as soon as Telegram answers -- counted as sent already the moment its request has left
whole, so a kill while Telegram answers does not send it twice. A row left ``sending`` by a
process that died is taken over once that process's heartbeat is older than
``process_lease_seconds``. 429 is honoured by postponing the row; 403 marks it ``blocked`` and it is not
retried; organizers see both with /undelivered.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

import messages
from groupbot import texts
from groupbot.models import Group, Member, OutboxMessage
from groupbot.models.messaging import (
    OUTBOX_BLOCKED,
    OUTBOX_CANCELLED,
    OUTBOX_FAILED,
    OUTBOX_PENDING,
)
from groupbot.runtime import Runtime

Buttons = Sequence[Sequence[tuple[str, str]]]

# Set around a send that, once its request has been written in full, must not be sent again
# even if no answer comes (the outbox's notices, groupbot/outbox_dispatch.py; the cards and the
# evidence sheet, groupbot.posts). The Bot API transport
# (handlers/wire.py) awaits it with True right after the request's last byte left, before the
# answer; with False when the answer is a refusal (Telegram stored nothing: a 429 that PTB's
# rate limiter may retry after a wait, a 400).
request_written: ContextVar[Callable[[bool], Awaitable[None]] | None] = ContextVar(
    "request_written", default=None)


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
