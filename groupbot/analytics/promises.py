"""Service promises: claims decided within the review promise, payouts within the business
days promised, and the desk and aftercare figures.

The desk's first response is the p50/p90 of ``desk_conversations.first_response_seconds``
(stored by the desk in service hours when the first agent answers: time outside service hours
does not count) over the conversations opened in the period. Ratings and complaint cases are
aftercare's (``aftercare``), reships and replacements resolutions' (``reships``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from groupbot.analytics.intervals import Rate
from groupbot.analytics.period import Period
from groupbot.models import Claim, ClaimReview, Refund
from groupbot.models.aftercare import CASE_ACTIVE, CASE_UNCONTACTED, ComplaintCase, Rating
from groupbot.models.claims import OPEN_STATUSES
from groupbot.models.desk import Conversation
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


PERCENTILES = (0.5, 0.9)


async def desk_first_response(session: AsyncSession, community_id: int, period: Period
                              ) -> Percentiles | None:
    """p50/p90 of the desk's first answer in service hours, over the conversations opened in
    the period that an agent answered; None when there is none.

    PostgreSQL computes both with ``percentile_cont``. SQLite has no percentile aggregate, so
    there the database counts the answers and hands back only the (at most two) ordered values
    around each percentile's position, and the interpolation is percentile_cont's own:
    v[lo] + (v[hi] − v[lo]) × (position − lo), position = p × (n − 1)."""
    seconds = Conversation.first_response_seconds
    answered = (Conversation.community_id == community_id, Conversation.opened_at >= period.since,
                Conversation.opened_at < period.until, seconds.is_not(None))
    if session.get_bind().dialect.name == "postgresql":
        n, *values = (await session.execute(select(
            func.count(seconds),
            *(func.percentile_cont(p).within_group(seconds) for p in PERCENTILES),
        ).where(*answered))).one()
    else:
        n = int(await session.scalar(select(func.count(seconds)).where(*answered)) or 0)
        values = []
        for p in PERCENTILES:
            position = p * (n - 1)
            lo = math.floor(position)
            pair = list(await session.scalars(
                select(seconds).where(*answered).order_by(seconds).offset(max(lo, 0))
                .limit(2)))
            if not pair:
                break
            hi = pair[1] if len(pair) > 1 and position > lo else pair[0]
            values.append(pair[0] + (hi - pair[0]) * (position - lo))
    if not n:
        return None
    p50, p90 = (float(v) / 60 for v in values)
    return Percentiles(p50_minutes=p50, p90_minutes=p90, count=int(n))


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
