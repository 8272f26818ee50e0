"""The outbox's dispatcher: due rows are claimed, sent chat by chat, and recorded.

A row is marked ``sending`` by this process (``sending_by``, its heartbeat id) and committed
before Telegram is called, ``sent`` the moment its request has been written whole (see
:func:`_not_again_once_written`), and given its message id in one UPDATE when Telegram
answers. A row left ``sending`` by a process that died is taken over once that process's
heartbeat is older than its lease. The rows and what they say are groupbot/notify.py's.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import Integer, bindparam, func, select, update

from groupbot import notify, sent_records
from groupbot.claiming import claimable
from groupbot.models import Member, OutboxMessage
from groupbot.models.messaging import (
    OUTBOX_BLOCKED,
    OUTBOX_CANCELLED,
    OUTBOX_FAILED,
    OUTBOX_PENDING,
    OUTBOX_SENDING,
    OUTBOX_SENT,
)
from groupbot.models.scale import ProcessBeat
from groupbot.notify import (
    STILL_WANTED,
    Blocked,
    ChatBusy,
    ChatGone,
    Migrated,
    RetryLater,
    Sender,
    SendError,
    render_row,
)
from groupbot.runtime import Runtime
from groupbot.scale import beats
from groupbot.scale.updates import wall_now

log = logging.getLogger(__name__)

SENDING_LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 8
UNEXPECTED_RETRY_SECONDS = 30
LANES = 8  # chats served side by side in one pass (each holds a pooled connection at times)


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
    if not rows:
        return 0
    lanes: dict[int, list[int]] = {}
    for row in rows:
        lanes.setdefault(row.chat_id, []).append(row.id)
    recorder = await sent_records.shared(rt, "outbox")
    # Each chat's rows in order, the chats side by side: a group whose per-minute budget is
    # used up (ChatBusy) waits on its own, and never holds up other people's notices.
    gate = asyncio.Semaphore(LANES)

    async def lane(chat_id: int, ids: list[int]) -> int:
        async with gate:
            done = 0
            for n, row_id in enumerate(ids):
                try:
                    done += await _send_one(rt, sender, recorder, row_id)
                except ChatBusy as busy:  # not sent: this row and the chat's later ones wait
                    await _release(rt, ids[n:])
                    await _chat_waits(rt, chat_id, busy.seconds)
                    break
                except Exception:  # a bug or a database hiccup: the row must not stay
                    # "sending" by this live process (nobody takes those over), nor stop
                    # the other chats' lanes.
                    log.exception("outbox %s: could not be sent", row_id)
                    await _give_back(rt, row_id, UNEXPECTED_RETRY_SECONDS)
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


async def _give_back(rt: Runtime, row_id: int, seconds: float) -> None:
    """A row whose try went wrong unexpectedly: tried again later, failed after the last try.
    Best effort: if the database is what went wrong, the heartbeat lease hands the row to the
    next start instead."""
    try:
        async with rt.tx() as session:
            row = await session.get(OutboxMessage, row_id)
            if row is None or row.status != OUTBOX_SENDING or row.sending_by != beats.me(rt):
                return
            row.sending_by = None
            row.status = OUTBOX_FAILED if row.attempts >= MAX_ATTEMPTS else OUTBOX_PENDING
            row.not_before = rt.clock.now() + timedelta(seconds=seconds)
    except Exception:
        log.exception("outbox %s: could not be given back", row_id)


def _due(rt: Runtime, conditions: list[Any], limit: int) -> Any:
    return (claimable(select(OutboxMessage))  # several processes: disjoint rows
            .where(OutboxMessage.community_id == rt.community_id, *conditions)
            .order_by(OutboxMessage.not_before, OutboxMessage.id).limit(limit))


def _process_lease(rt: Runtime) -> timedelta:
    return timedelta(seconds=rt.settings.process_lease_seconds)


# The row is "sent": first the moment its request has left whole (message id
# ``sent_records.UNANSWERED``, stored as NULL), then with Telegram's message id. A process
# killed before the first leaves the row "sending" and whoever takes it over sends it again:
# right, as Telegram got no whole request. See :func:`_not_again_once_written`.
_SENT = sent_records.statement("outbox", (
    update(OutboxMessage).where(OutboxMessage.id == bindparam("b_row"))
    .values(status=OUTBOX_SENT,
            message_id=func.nullif(bindparam("b_message", type_=Integer),
                                   sent_records.UNANSWERED),
            sent_at=bindparam("b_at"), last_error=None, sending_by=None)))


@asynccontextmanager
async def _not_again_once_written(rt: Runtime, recorder: sent_records.Recorder,
                                  row_id: int) -> AsyncIterator[None]:
    """Around a row's send: once its request has been written in full the row counts as sent,
    answer or not (``recorder.left``: on SQLite a line in the sent journal, microseconds).

    The Bot API has no idempotent send. Waiting for Telegram's answer to record the send
    left a round trip (~1-2 ms on the sandbox, far more to Telegram) in which a SIGKILL sent
    the notice twice. Bytes a killed process has written still reach Telegram (the kernel
    sends them), and Telegram works a whole request to its end, so from here a kill loses
    the notice only if Telegram then refused it (a 429, a 5xx) -- while a refusal the
    process lives to hear, or an error of its own, undoes the mark at once: the row goes on
    as before (tried again, postponed, blocked)."""
    marked = False

    async def on_the_wire(written: bool) -> None:
        nonlocal marked
        if written:
            await recorder.left(row_id)
            marked = True
        elif marked:
            marked = False
            await _unmark(rt, recorder, row_id)

    token = notify.request_written.set(on_the_wire)
    try:
        yield
    except Exception:  # not a cancellation: like a kill, that leaves the mark
        if marked:
            await _unmark(rt, recorder, row_id)
        raise
    finally:
        notify.request_written.reset(token)


async def _unmark(rt: Runtime, recorder: sent_records.Recorder, row_id: int) -> None:
    if recorder.forget_left(row_id):  # SQLite: the mark was only the journal's line
        return
    async with rt.tx() as session:
        await session.execute(
            update(OutboxMessage).where(OutboxMessage.id == row_id,
                                        OutboxMessage.status == OUTBOX_SENT,
                                        OutboxMessage.message_id.is_(None))
            .values(status=OUTBOX_SENDING, sending_by=beats.me(rt), sent_at=None))


async def _send_one(rt: Runtime, sender: Sender, recorder: sent_records.Recorder,
                    row_id: int) -> int:
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
        async with _not_again_once_written(rt, recorder, row_id):
            with recorder.expecting(row_id):
                message_id = await sender.send(chat_id, text, buttons)
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
    else:
        await recorder.sent_surely(row_id, message_id)
        return 1
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
