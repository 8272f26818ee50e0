"""Service promises: claims decided within the review promise, payouts within the business
days promised, and the desk and aftercare figures.

The desk (first response in service hours) and reships come with the service desk and
resolutions features; where their tables do not exist yet, those readers answer ``None`` ("no
data yet") rather than a made-up zero. Ratings and complaint cases are aftercare's. Each is one function, the
place to put the GROUP BY when the tables land.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from groupbot.analytics.intervals import Rate
from groupbot.analytics.period import Period
from groupbot.models import Claim, ClaimReview, Refund
from groupbot.models.aftercare import CASE_ACTIVE, CASE_UNCONTACTED, ComplaintCase, Rating
from groupbot.models.claims import OPEN_STATUSES
from groupbot.models.reviews import REFUND_DUE


@dataclass(frozen=True)
class Percentiles:
    p50_minutes: float
    p90_minutes: float
    count: int


@dataclass(frozen=True)
class Promises:
    decided_in_time: Rate  # claims submitted in the period, decided by their review deadline
    decided: int
    undecided_overdue: int  # open claims past their review deadline (now)
    paid_in_time: Rate  # refunds decided in the period, paid by their payout deadline
    unpaid_overdue: int  # refunds due and past their payout deadline (now)
    desk_first_response: Percentiles | None
    rating_average: float | None
    complaints_open: int | None
    complaints_overdue: int | None
    reships: int | None


async def _reviews(session: AsyncSession, community_id: int, period: Period, now: datetime,
                   min_sample: int) -> tuple[Rate, int, int]:
    in_period = (Claim.community_id == community_id, Claim.submitted_at >= period.since,
                 Claim.submitted_at < period.until)
    decided, in_time = (await session.execute(
        select(func.count(ClaimReview.id),
               func.coalesce(func.sum(case((ClaimReview.decided_at <= Claim.review_due_at, 1),
                                           else_=0)), 0))
        .select_from(Claim).join(ClaimReview, ClaimReview.claim_id == Claim.id)
        .where(*in_period, ClaimReview.decided_at.is_not(None)))).one()
    overdue = await session.scalar(
        select(func.count(Claim.id)).where(Claim.community_id == community_id,
                                           Claim.status.in_(OPEN_STATUSES),
                                           Claim.review_due_at < now))
    return Rate(int(in_time), int(decided), min_sample), int(decided), int(overdue or 0)


async def _payouts(session: AsyncSession, community_id: int, period: Period, now: datetime,
                   min_sample: int) -> tuple[Rate, int]:
    # A refund still unpaid counts against the promise once its deadline has passed.
    decided, in_time = (await session.execute(
        select(func.count(Refund.id),
               func.coalesce(func.sum(case((Refund.paid_at <= Refund.payout_due_at, 1),
                                           else_=0)), 0))
        .where(Refund.community_id == community_id, Refund.decided_at >= period.since,
               Refund.decided_at < period.until,
               (Refund.paid_at.is_not(None)) | (Refund.payout_due_at < now)))).one()
    overdue = await session.scalar(
        select(func.count(Refund.id)).where(Refund.community_id == community_id,
                                            Refund.status == REFUND_DUE,
                                            Refund.payout_due_at < now))
    return Rate(int(in_time), int(decided), min_sample), int(overdue or 0)


async def desk_first_response(session: AsyncSession, community_id: int, period: Period
                              ) -> Percentiles | None:
    """p50/p90 of the desk's first answer in service hours: no desk conversations yet."""
    return None


async def aftercare(session: AsyncSession, community_id: int, period: Period, now: datetime
                    ) -> tuple[float | None, int | None, int | None]:
    """(average of the ratings given in the period, None without any; complaint cases active
    now; of them, the ones nobody contacted by their apology deadline)."""
    average = await session.scalar(
        select(func.avg(Rating.score)).where(Rating.community_id == community_id,
                                             Rating.score.is_not(None),
                                             Rating.rated_at >= period.since,
                                             Rating.rated_at < period.until))
    active, overdue = (await session.execute(
        select(func.count(ComplaintCase.id),
               func.coalesce(func.sum(case(
                   (ComplaintCase.state.in_(CASE_UNCONTACTED)
                    & (ComplaintCase.apology_due_at < now), 1), else_=0)), 0))
        .where(ComplaintCase.community_id == community_id,
               ComplaintCase.state.in_(CASE_ACTIVE)))).one()
    return (round(float(average), 2) if average is not None else None, int(active),
            int(overdue))


async def reships(session: AsyncSession, community_id: int, period: Period) -> int | None:
    """Reships and replacements decided in the period (claims settled with goods, not money;
    groupbot.resolutions.reship)."""
    from groupbot.models.resolutions import Reship

    return int(await session.scalar(
        select(func.count(Reship.id)).where(
            Reship.community_id == community_id, Reship.created_at >= period.since,
            Reship.created_at < period.until)) or 0)


async def promises(session: AsyncSession, community_id: int, period: Period, now: datetime,
                   min_sample: int) -> Promises:
    decided_in_time, decided, undecided = await _reviews(session, community_id, period, now,
                                                         min_sample)
    paid_in_time, unpaid = await _payouts(session, community_id, period, now, min_sample)
    rating, complaints_open, complaints_overdue = await aftercare(session, community_id, period,
                                                                  now)
    return Promises(
        decided_in_time=decided_in_time, decided=decided, undecided_overdue=undecided,
        paid_in_time=paid_in_time, unpaid_overdue=unpaid,
        desk_first_response=await desk_first_response(session, community_id, period),
        rating_average=rating, complaints_open=complaints_open,
        complaints_overdue=complaints_overdue,
        reships=await reships(session, community_id, period))
