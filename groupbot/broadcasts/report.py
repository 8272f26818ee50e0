"""How a broadcast is going, in numbers and in the organizer's words: the progress message
(edited as it goes) and the final report."""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

import messages
from groupbot import texts
from groupbot.models import Broadcast, BroadcastDelivery
from groupbot.models.broadcasts import (
    BROADCAST_CANCELLED,
    DELIVERY_BLOCKED,
    DELIVERY_CANCELLED,
    DELIVERY_FAILED,
    DELIVERY_GONE,
    DELIVERY_PENDING,
    DELIVERY_SENDING,
    DELIVERY_SENT,
)


@dataclass(frozen=True)
class Tally:
    sent: int = 0
    blocked: int = 0
    gone: int = 0
    failed: int = 0
    cancelled: int = 0
    left: int = 0  # pending or being sent
    migrated: int = 0  # of the sent: groups that became supergroups, resent to the new id

    @property
    def total(self) -> int:
        return self.sent + self.blocked + self.gone + self.failed + self.cancelled + self.left

    @property
    def not_delivered(self) -> int:
        return self.blocked + self.gone + self.failed


async def tally(session: AsyncSession, broadcast_id: int) -> Tally:
    rows = await session.execute(
        select(BroadcastDelivery.status, func.count())
        .where(BroadcastDelivery.broadcast_id == broadcast_id)
        .group_by(BroadcastDelivery.status)
    )
    counts = dict(rows.all())
    migrated = await session.scalar(
        select(func.count()).where(BroadcastDelivery.broadcast_id == broadcast_id,
                                   BroadcastDelivery.status == DELIVERY_SENT,
                                   BroadcastDelivery.migrated_from.is_not(None))
    )
    return Tally(
        sent=counts.get(DELIVERY_SENT, 0),
        blocked=counts.get(DELIVERY_BLOCKED, 0),
        gone=counts.get(DELIVERY_GONE, 0),
        failed=counts.get(DELIVERY_FAILED, 0),
        cancelled=counts.get(DELIVERY_CANCELLED, 0),
        left=counts.get(DELIVERY_PENDING, 0) + counts.get(DELIVERY_SENDING, 0),
        migrated=migrated or 0,
    )


def eta(locale: str, left: int, per_second: float) -> str:
    """A rough time left at the broadcast's pace (the rate limit, not a measurement)."""
    seconds = math.ceil(left / max(per_second, 0.1))
    if seconds < 90:
        return messages.t(locale, "broadcasts.eta_seconds", n=seconds)
    return messages.t(locale, "broadcasts.eta_minutes", n=math.ceil(seconds / 60))


def progress(b: Broadcast, t: Tally, per_second: float) -> str:
    return messages.t(
        b.locale, "broadcasts.progress", id=b.id, sent=t.sent, failed=t.not_delivered,
        left=t.left, eta=messages.Html(eta(b.locale, t.left, per_second)),
    )


def finished(b: Broadcast, t: Tally) -> str:
    """The progress message's last state."""
    if b.status == BROADCAST_CANCELLED:
        return messages.t(b.locale, "broadcasts.progress_stopped", id=b.id, sent=t.sent,
                          left=t.cancelled + t.left)
    return messages.t(b.locale, "broadcasts.progress_done", id=b.id, sent=t.sent,
                      failed=t.not_delivered)


def final_report(b: Broadcast, t: Tally) -> texts.Lines:
    """The report, as catalog keys: queued in the outbox, drawn in the organizer's language."""
    lines: list[texts.Text] = [texts.text(
        "broadcasts.report", id=b.id, delivered=t.sent, blocked=t.blocked,
        gone=t.gone, migrated=t.migrated, failed=t.failed,
    )]
    if b.status == BROADCAST_CANCELLED:
        lines.append(texts.text("broadcasts.report_stopped", count=t.cancelled))
    return texts.Lines(lines)
