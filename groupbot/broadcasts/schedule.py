"""When a broadcast goes out: reading the typed time, creating, cancelling, rescheduling, and
starting what is due (or reporting it missed when the bot was down for too long)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from groupbot import notify, texts
from groupbot.models import Broadcast, BroadcastDelivery, Member
from groupbot.models.broadcasts import (
    BROADCAST_CANCELLED,
    BROADCAST_MISSED,
    BROADCAST_SCHEDULED,
    BROADCAST_SENDING,
    DELIVERY_CANCELLED,
    DELIVERY_PENDING,
)
from groupbot.refusal import Refused
from groupbot.runtime import Runtime
from groupbot.when import parse_local_time


def parse_when(text: str, now: datetime, tz: ZoneInfo) -> datetime:
    """``2026-11-25 18:00`` / ``11-25 18:00`` / ``明天 18:00`` / ``tomorrow 18:00`` / ``18:00``,
    in the community's time zone → an aware UTC datetime, which must be in the future."""
    try:
        at = parse_local_time(text, now, tz)
    except ValueError as exc:
        raise Refused("when_bad", value=text.strip()[:40]) from exc
    if at <= now:
        raise Refused("when_past", when=local(at, tz))
    return at


def local(at: datetime, tz: ZoneInfo) -> str:
    return at.astimezone(tz).strftime("%Y-%m-%d %H:%M")


async def create(
    session: AsyncSession,
    rt: Runtime,
    *,
    organizer: Member,
    locale: str,
    text_html: str | None,
    photo: str | None,
    target: dict[str, Any],
    when: datetime | None,
) -> Broadcast:
    broadcast = Broadcast(
        community_id=rt.community_id,
        organizer_id=organizer.id,
        locale=locale,
        text_html=text_html,
        photo_file_id=photo,
        target=target,
        status=BROADCAST_SCHEDULED,
        scheduled_at=when or rt.clock.now(),
        created_at=rt.clock.now(),
    )
    session.add(broadcast)
    await session.flush()
    return broadcast


async def get(session: AsyncSession, rt: Runtime, broadcast_id: int) -> Broadcast | None:
    found = await session.get(Broadcast, broadcast_id)
    return found if found is not None and found.community_id == rt.community_id else None


async def cancel(session: AsyncSession, rt: Runtime, broadcast_id: int) -> Broadcast:
    """Cancel one not started, or stop one sending (what was sent stays sent)."""
    broadcast = await get(session, rt, broadcast_id)
    if broadcast is None:
        raise Refused("not_found", id=broadcast_id)
    if broadcast.status not in (BROADCAST_SCHEDULED, BROADCAST_SENDING):
        raise Refused("already_finished", id=broadcast_id)
    was_sending = broadcast.status == BROADCAST_SENDING
    broadcast.status = BROADCAST_CANCELLED
    if not was_sending:
        broadcast.finished_at = rt.clock.now()
    # The delivery loop sees the status and stops; the rows it has in flight finish normally.
    await session.execute(
        update(BroadcastDelivery)
        .where(BroadcastDelivery.broadcast_id == broadcast_id,
               BroadcastDelivery.status == DELIVERY_PENDING)
        .values(status=DELIVERY_CANCELLED)
    )
    return broadcast


async def reschedule(
    session: AsyncSession, rt: Runtime, broadcast_id: int, when: datetime
) -> Broadcast:
    broadcast = await get(session, rt, broadcast_id)
    if broadcast is None:
        raise Refused("not_found", id=broadcast_id)
    if broadcast.status == BROADCAST_SENDING:
        raise Refused("already_started", id=broadcast_id)
    if broadcast.status != BROADCAST_SCHEDULED:
        raise Refused("already_finished", id=broadcast_id)
    broadcast.scheduled_at = when
    return broadcast


async def start_due(rt: Runtime) -> list[int]:
    """Due broadcasts start sending; those overdue by more than the grace period (the bot was
    down) are marked missed and the organizer told. Returns every broadcast now sending."""
    now = rt.clock.now()
    grace = timedelta(minutes=rt.settings.broadcast_missed_grace_minutes)
    async with rt.tx() as session:
        due = list(await session.scalars(
            select(Broadcast).where(Broadcast.community_id == rt.community_id,
                                    Broadcast.status == BROADCAST_SCHEDULED,
                                    Broadcast.scheduled_at <= now)
        ))
        for broadcast in due:
            if now - broadcast.scheduled_at > grace:
                await _missed(session, rt, broadcast)
            else:
                broadcast.status, broadcast.started_at = BROADCAST_SENDING, now
        # Sending, or stopped while sending but not wound up yet (the report is owed).
        sending = await session.scalars(
            select(Broadcast.id).where(
                Broadcast.community_id == rt.community_id,
                (Broadcast.status == BROADCAST_SENDING)
                | ((Broadcast.status == BROADCAST_CANCELLED) & Broadcast.started_at.is_not(None)
                   & Broadcast.finished_at.is_(None)),
            ).order_by(Broadcast.id)
        )
        return list(sending)


async def _missed(session: AsyncSession, rt: Runtime, broadcast: Broadcast) -> None:
    broadcast.status, broadcast.finished_at = BROADCAST_MISSED, rt.clock.now()
    organizer = await session.get(Member, broadcast.organizer_id)
    assert organizer is not None
    text = texts.text(
        "broadcasts.missed", id=broadcast.id,
        when=local(broadcast.scheduled_at, rt.settings.tz),
        grace=rt.settings.broadcast_missed_grace_minutes,
    )
    await notify.enqueue(session, rt, notify.Outgoing(
        key=f"broadcast:{broadcast.id}:missed", kind="broadcast_missed",
        chat_id=organizer.telegram_id, message=text, member_id=organizer.id,
    ))


async def recent(session: AsyncSession, rt: Runtime, limit: int = 10) -> list[Broadcast]:
    """What /broadcasts lists: everything scheduled or sending, then the latest finished."""
    open_ = list(await session.scalars(
        select(Broadcast).where(Broadcast.community_id == rt.community_id,
                                Broadcast.status.in_([BROADCAST_SCHEDULED, BROADCAST_SENDING]))
        .order_by(Broadcast.scheduled_at, Broadcast.id)
    ))
    done = list(await session.scalars(
        select(Broadcast).where(Broadcast.community_id == rt.community_id,
                                Broadcast.status.not_in([BROADCAST_SCHEDULED, BROADCAST_SENDING]))
        .order_by(Broadcast.id.desc()).limit(max(limit - len(open_), 3))
    ))
    return open_ + done
