"""Sending one broadcast to every recipient, exactly once, within Telegram's limits.

When sending starts, the recipients become delivery rows (unique per broadcast and recipient).
The loop claims due rows in small chunks — committed as ``sending`` before the calls — keeps up
to ``window`` sends in flight (the rate limiter paces them), records each send the moment
Telegram answers it (:class:`Recorder`: one autocommitted UPDATE on a connection of its own),
and commits the other outcomes in batches: blocked / gone (group deactivated) / failed, a 429
or a network error puts the row back with a delay, a migrated group gets its new id and is
sent again. A clean stop lets the sends already on their way finish and puts the rest back, so
a restart carries on with no message sent twice. After a crash the rows left ``sending`` are
sent again once nobody can still be sending them (claimed longer ago than the process lease):
only those Telegram had accepted but whose UPDATE had not committed yet arrive twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from groupbot import notify
from groupbot.broadcasts import progress, targets
from groupbot.claiming import claimable
from groupbot.models import Broadcast, BroadcastDelivery, Member
from groupbot.models.broadcasts import (
    BROADCAST_CANCELLED,
    BROADCAST_SENDING,
    DELIVERY_BLOCKED,
    DELIVERY_CANCELLED,
    DELIVERY_FAILED,
    DELIVERY_GONE,
    DELIVERY_PENDING,
    DELIVERY_SENDING,
    DELIVERY_SENT,
)
from groupbot.people import deactivate_group, migrate_group
from groupbot.runtime import Runtime
from groupbot.sent_records import Recorder, statement

log = logging.getLogger(__name__)

WINDOW = 32  # sends in flight: enough to keep 30/s flowing while each waits for its slot
# Sends are recorded by the Recorder as they are answered; what is left for the batch (blocked,
# failed, retry later — none of them sent twice if the process dies first) is committed every
# half second, and the cancel and the progress message are looked at as often: not two
# transactions per send in the leader's event loop, which delays the recording of every send.
FLUSH_SECONDS = 0.5
IDLE_POLL = 0.2  # how often to look again when the rows left wait for their retry time
MAX_ATTEMPTS = 4  # network errors and the like; a 429 is retried until MAX_RETRY_LATER
MAX_RETRY_LATER = 12


class Rejected(notify.SendError):
    """Telegram refused this message for this chat (a 400 other than "chat not found")."""


class BroadcastSender(notify.Sender, Protocol):
    """Cancelling ``send_content`` must either not send or run the send to its end."""

    async def send_content(
        self, chat_id: int, text_html: str | None, photo: str | None, *, broadcast: bool = True
    ) -> int: ...


@dataclass(frozen=True)
class _Job:
    row_id: int
    chat_id: int
    recipient: str
    attempts: int


# outcome: ("sent", message_id) | ("retry", seconds) | ("migrated", new id) | ("blocked",) ...
Outcome = tuple[str, object]


async def deliver(
    rt: Runtime,
    sender: BroadcastSender,
    broadcast_id: int,
    *,
    stopping: Callable[[], bool],
    window: int = WINDOW,
) -> None:
    content = await _prepare(rt, broadcast_id)
    if content is None:
        return
    await progress.show(rt, sender, broadcast_id, force=True)
    loop = asyncio.get_running_loop()
    ready: deque[_Job] = deque()
    running: dict[asyncio.Task[Outcome], _Job] = {}
    answered: set[int] = set()  # rows Telegram has answered: their tasks are never cancelled
    results: list[tuple[_Job, Outcome]] = []
    flushed = loop.time()
    cancelled = False
    recorder = await Recorder.open(rt, "broadcast")
    try:
        while not stopping() and not cancelled:
            if len(ready) + len(running) <= window // 2:
                mine = {job.row_id for job in [*ready, *running.values()]}
                ready.extend(await _claim(rt, broadcast_id, window - len(ready) - len(running),
                                          mine))
            while ready and len(running) < window:
                job = ready.popleft()
                running[asyncio.create_task(
                    _send(sender, content, job, recorder, answered))] = job
            if not running:
                if results:
                    await _flush(rt, broadcast_id, results)
                    results = []
                if await progress.wind_up(rt, sender, broadcast_id):
                    return
                await asyncio.sleep(IDLE_POLL)  # rows wait for a retry time: look again soon
                await progress.show(rt, sender, broadcast_id)
                continue
            done, _ = await asyncio.wait(running, timeout=0.25,
                                         return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                job = running.pop(task)
                answered.discard(job.row_id)
                results.append((job, task.result()))
            unrecorded = any(kind == "sent" for _, (kind, _v) in results)
            if len(results) >= 64 or unrecorded or loop.time() - flushed >= FLUSH_SECONDS:
                if results:
                    await _flush(rt, broadcast_id, results)
                results, flushed = [], loop.time()
                # Stopped by the organizer: the sends still waiting for a slot are dropped.
                cancelled = await _status(rt, broadcast_id) != BROADCAST_SENDING
                await progress.show(rt, sender, broadcast_id)
    finally:
        # Stopping: a send already on its way to Telegram finishes and is recorded (the
        # sender shields it, and a task Telegram answered is not cancelled); one still waiting
        # for its slot is cancelled and goes back with the rows claimed but not started, so
        # the next start sends them (and only them).
        for task, job in running.items():
            if job.row_id not in answered:
                task.cancel()
        if running:
            await asyncio.wait(running)
        for task, job in running.items():
            if task.cancelled():
                ready.append(job)
            else:
                results.append((job, task.result()))
        await recorder.close()
        if results:
            await _flush(rt, broadcast_id, results)
        if ready:
            await _release(rt, [job.row_id for job in ready])
    if cancelled:
        await progress.wind_up(rt, sender, broadcast_id)


async def _status(rt: Runtime, broadcast_id: int) -> str | None:
    async with rt.tx() as session:
        return await session.scalar(select(Broadcast.status).where(Broadcast.id == broadcast_id))


async def _prepare(rt: Runtime, broadcast_id: int) -> tuple[str | None, str | None] | None:
    """Create the delivery rows the first time; after a crash, rows left "sending" go back."""
    now = rt.clock.now()
    async with rt.tx() as session:
        b = await session.get(Broadcast, broadcast_id)
        if b is None or b.status not in (BROADCAST_SENDING, BROADCAST_CANCELLED):
            return None
        started = await session.scalar(
            select(BroadcastDelivery.id).where(BroadcastDelivery.broadcast_id == broadcast_id)
            .limit(1))
        if started is None and b.status == BROADCAST_SENDING:
            found = await targets.recipients(session, rt, b.target)
            if found:
                await session.execute(insert(BroadcastDelivery), [
                    {"broadcast_id": b.id, "recipient": r.key, "chat_id": r.chat_id,
                     "status": DELIVERY_PENDING, "not_before": now, "attempts": 0}
                    for r in found
                ])
        else:
            await _orphans(session, rt, broadcast_id, b.status, set())
        return b.text_html, b.photo_file_id


async def _orphans(session: AsyncSession, rt: Runtime, broadcast_id: int, status: str | None,
                   mine: set[int]) -> None:
    """Rows left "sending" by a process that died (or stopped leading) go back — or are
    cancelled with the broadcast — once nobody can still be sending them: claimed longer ago
    than the process lease (a live process answers or puts back its claimed rows well within
    it). Taking them at once, as before, sent again what a live ex-leader still had on the
    wire; now only a send cut by a crash between Telegram's answer and its record is doubled.
    """
    D = BroadcastDelivery
    stale = rt.clock.now() - timedelta(seconds=rt.settings.process_lease_seconds)
    await session.execute(
        update(D).where(D.broadcast_id == broadcast_id, D.status == DELIVERY_SENDING,
                        D.not_before <= stale, D.id.not_in(mine))
        .values(status=DELIVERY_PENDING if status == BROADCAST_SENDING else DELIVERY_CANCELLED))


async def _claim(rt: Runtime, broadcast_id: int, limit: int, mine: set[int]) -> list[_Job]:
    """Up to ``limit`` due rows, marked "sending" (``not_before`` now says when they were
    claimed); ``mine``: the rows this loop holds, never taken back from it."""
    if limit <= 0:
        return []
    now = rt.clock.now()
    async with rt.tx() as session:
        status = await session.scalar(select(Broadcast.status).where(Broadcast.id == broadcast_id))
        await _orphans(session, rt, broadcast_id, status, mine)
        if status != BROADCAST_SENDING:
            return []  # cancelled: nothing more goes out
        D = BroadcastDelivery
        rows = (await session.execute(
            claimable(select(D.id, D.chat_id, D.recipient, D.attempts), of=D)
            .where(D.broadcast_id == broadcast_id, D.status == DELIVERY_PENDING,
                   D.not_before <= now)
            .order_by(D.not_before, D.id).limit(limit)
        )).all()
        if rows:
            await session.execute(
                update(D).where(D.id.in_([r[0] for r in rows]))
                .values(status=DELIVERY_SENDING, attempts=D.attempts + 1, not_before=now))
    return [_Job(r[0], r[1], r[2], r[3] + 1) for r in rows]


async def _release(rt: Runtime, row_ids: list[int]) -> None:
    D = BroadcastDelivery
    async with rt.tx() as session:
        await session.execute(
            update(D).where(D.id.in_(row_ids), D.status == DELIVERY_SENDING)
            .values(status=DELIVERY_PENDING, attempts=D.attempts - 1))


async def _send(sender: BroadcastSender, content: tuple[str | None, str | None], job: _Job,
                recorder: Recorder, answered: set[int]) -> Outcome:
    try:
        with recorder.expecting(job.row_id):
            message_id = await sender.send_content(job.chat_id, content[0], content[1])
    except notify.RetryLater as exc:
        return "retry", exc.seconds
    except notify.Migrated as exc:
        return "migrated", exc.new_chat_id
    except notify.Blocked as exc:
        return ("gone" if job.chat_id < 0 else "blocked"), str(exc)
    except notify.ChatGone as exc:
        return "gone", str(exc)
    except Rejected as exc:
        return "failed", str(exc)
    except notify.SendError as exc:
        return "error", str(exc)
    except Exception as exc:  # a bug must not stop the other 10,000
        log.exception("broadcast send to %s failed", job.chat_id)
        return "error", repr(exc)
    answered.add(job.row_id)  # from here on the loop lets this task finish
    # Recorded the moment Telegram answered, not with the next batch (which waits for the
    # loop's other transactions): a process killed now sends again only what was on its way.
    try:
        await recorder.sent(job.row_id, message_id)
    except asyncio.CancelledError:  # stopping anyway: the last batch records it
        return "sent", message_id
    except Exception:  # noqa: BLE001 - the database hiccuped: the batch records it instead
        log.warning("broadcast delivery %s: recorded with the batch", job.row_id, exc_info=True)
        return "sent", message_id
    return "recorded", message_id


_SENT = statement("broadcast", (
    update(BroadcastDelivery)
    .where(BroadcastDelivery.id == bindparam("b_row"), BroadcastDelivery.status == DELIVERY_SENDING)
    .values(status=DELIVERY_SENT, message_id=bindparam("b_message"),
            sent_at=bindparam("b_at"), last_error=None)))


async def _flush(rt: Runtime, broadcast_id: int, results: list[tuple[_Job, Outcome]]) -> None:
    now = rt.clock.now()
    sent = [{"id": job.row_id, "status": DELIVERY_SENT, "message_id": value, "sent_at": now,
             "last_error": None} for job, (kind, value) in results if kind == "sent"]
    async with rt.tx() as session:
        if sent:
            await session.execute(update(BroadcastDelivery), sent)  # by primary key, in bulk
        for job, (kind, value) in results:
            if kind not in ("sent", "recorded"):
                await _record(session, now, job, kind, value)


async def _record(
    session: AsyncSession, now: datetime, job: _Job, kind: str, value: object
) -> None:
    row = await session.get(BroadcastDelivery, job.row_id)
    if row is None:
        return
    row.last_error = str(value)[:300]
    if kind == "retry":
        row.status = DELIVERY_PENDING if job.attempts < MAX_RETRY_LATER else DELIVERY_FAILED
        row.not_before = now + timedelta(seconds=float(value))  # type: ignore[arg-type]
    elif kind == "migrated":
        new_id = int(value)  # type: ignore[call-overload]
        await migrate_group(session, job.chat_id, new_id)
        row.migrated_from = row.migrated_from or job.chat_id
        row.chat_id, row.status, row.not_before = new_id, DELIVERY_PENDING, now
        row.attempts -= 1  # the resend is the same delivery
    elif kind == "blocked":
        row.status = DELIVERY_BLOCKED
        member = await session.get(Member, int(job.recipient[2:]))
        if member is not None and member.started_at is not None:
            member.blocked_at = now
    elif kind == "gone":
        row.status = DELIVERY_GONE
        if job.chat_id < 0:
            await deactivate_group(session, job.chat_id)
    elif kind == "failed" or job.attempts >= MAX_ATTEMPTS:
        row.status = DELIVERY_FAILED
    else:  # a network error or the like: try again a little later
        row.status, row.not_before = DELIVERY_PENDING, now + timedelta(seconds=5 * job.attempts)
