"""What `groupbot status` shows: the running processes and workers (their heartbeats), who
leads, how deep each queue is and how long its oldest due item has waited."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from groupbot.models import BroadcastDelivery, Claim, ClaimReview, OutboxMessage
from groupbot.models.broadcasts import DELIVERY_PENDING, DELIVERY_SENDING
from groupbot.models.claims import CLAIM_PENDING
from groupbot.models.messaging import OUTBOX_PENDING, OUTBOX_SENDING
from groupbot.models.scale import UPDATE_TAKEN, ProcessBeat, TakenUpdate
from groupbot.scale.updates import wall_now


@dataclass(frozen=True)
class Process:
    id: str
    kind: str
    mode: str
    leading: bool
    alive: bool
    seen_seconds_ago: float


@dataclass(frozen=True)
class Queue:
    name: str  # outbox, outbox_held, broadcast, cards, updates, evidence
    depth: int
    oldest_due: datetime | None = None


@dataclass
class Status:
    processes: list[Process] = field(default_factory=list)
    queues: list[Queue] = field(default_factory=list)

    @property
    def leader(self) -> Process | None:
        return next((p for p in self.processes if p.leading and p.alive), None)


async def _queue(session: AsyncSession, name: str, model: Any, *where: Any,
                 due: Any = None) -> Queue:
    depth = await session.scalar(select(func.count()).select_from(model).where(*where))
    # From the same FROM as the depth: left to SQLAlchemy, a join's two tables were a
    # cartesian product and the oldest came from a claim paired with another's review.
    oldest = (await session.scalar(select(func.min(due)).select_from(model).where(*where))
              if due is not None else None)
    return Queue(name, int(depth or 0), oldest)


async def snapshot(rt: Any, *, evidence: list[Queue] | None = None) -> Status:
    """``rt.clock`` says what is due; heartbeats are judged by the wall clock."""
    now, wall = rt.clock.now(), wall_now()
    lease = timedelta(seconds=rt.settings.process_lease_seconds)
    status = Status()
    async with rt.tx() as session:
        for beat in await session.scalars(select(ProcessBeat).order_by(ProcessBeat.started_at)):
            alive = wall - beat.seen_at <= lease
            status.processes.append(Process(
                beat.id, beat.kind, beat.mode, beat.leading and alive, alive,
                round((wall - beat.seen_at).total_seconds(), 1)))
        status.queues += [
            await _queue(session, "outbox", OutboxMessage, OutboxMessage.status == OUTBOX_PENDING,
                         OutboxMessage.not_before <= now, due=OutboxMessage.not_before),
            await _queue(session, "outbox_held", OutboxMessage,
                         OutboxMessage.status == OUTBOX_SENDING, due=OutboxMessage.not_before),
            await _queue(session, "broadcast", BroadcastDelivery,
                         BroadcastDelivery.status.in_([DELIVERY_PENDING, DELIVERY_SENDING]),
                         BroadcastDelivery.not_before <= now, due=BroadcastDelivery.not_before),
            await _queue(session, "cards", Claim.__table__.join(
                ClaimReview.__table__, ClaimReview.claim_id == Claim.id),
                Claim.status == CLAIM_PENDING, ClaimReview.card_posted_at.is_(None),
                due=Claim.submitted_at),
            await _queue(session, "updates", TakenUpdate, TakenUpdate.status == UPDATE_TAKEN,
                         due=TakenUpdate.taken_at),
        ]
    status.queues += evidence or []
    return status
