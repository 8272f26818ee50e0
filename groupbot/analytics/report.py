"""One report: every figure of a period, read in one short transaction; rendering (text, chart,
CSV) happens after it, on these plain values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from groupbot.analytics import cells, rates
from groupbot.analytics import promises as promises_
from groupbot.analytics.packaging import Packaging, packaging
from groupbot.analytics.period import Period
from groupbot.analytics.rates import DIMENSIONS, Figures, Reason
from groupbot.models.analytics import IMPROVEMENT_OPEN, BatchAlert, Improvement


@dataclass(frozen=True)
class Report:
    period: Period
    currency: str
    min_sample: int
    total: Figures | None
    by: dict[str, list[Figures]]
    reasons: list[Reason]
    promises: promises_.Promises
    alerts: int  # batch alerts raised in the period
    improvements_open: int
    improvements_overdue: int
    packaging: Packaging  # the damage claims' outer-packaging answers (courier vs supplier)

    @property
    def empty(self) -> bool:
        return self.total is None


async def _improvements(session: AsyncSession, community_id: int, now: datetime, tz
                        ) -> tuple[int, int]:
    today = now.astimezone(tz).date()
    open_, overdue = (await session.execute(
        select(func.count(Improvement.id),
               func.count(Improvement.id).filter(Improvement.due_on < today))
        .where(Improvement.community_id == community_id,
               Improvement.status == IMPROVEMENT_OPEN))).one()
    return int(open_), int(overdue)


async def build(session: AsyncSession, community_id: int, period: Period, *, now: datetime,
                currency: str, min_sample: int, tz) -> Report:
    await rates.tune(session)
    # Every dimension in one pass over the lines and one over the claims (analytics.cells).
    found = await cells.all_figures(session, community_id, period, min_sample)
    total = found[rates.TOTAL]
    by = {d: found[d] for d in DIMENSIONS}
    alerts = await session.scalar(
        select(func.count(BatchAlert.id)).where(BatchAlert.community_id == community_id,
                                                BatchAlert.raised_at >= period.since,
                                                BatchAlert.raised_at < period.until))
    open_, overdue = await _improvements(session, community_id, now, tz)
    return Report(
        period=period, currency=currency, min_sample=min_sample,
        total=total[0] if total else None, by=by,
        reasons=await rates.top_reasons(session, community_id, period),
        promises=await promises_.promises(session, community_id, period, now, min_sample),
        alerts=int(alerts or 0), improvements_open=open_, improvements_overdue=overdue,
        packaging=await packaging(session, community_id, period))
