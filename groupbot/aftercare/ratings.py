"""Ratings: one request per case (a return visit, a decided claim, a desk conversation with a
person), one rating per request (a conditional update: two taps, one rating), an optional
comment as the member's next text, and a complaint case for a rating of 2 or less."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from groupbot import notify, policy
from groupbot.aftercare import timing
from groupbot.aftercare.cases import Trigger, open_case
from groupbot.aftercare.records import Outcome, active_case, audit, tell, tell_desk
from groupbot.models import Claim, Member, OutboxMessage
from groupbot.models.aftercare import (
    OPENED_BY_RATING,
    RATED_CLAIM,
    RATED_DESK,
    RATED_VISIT,
    VISIT_ANSWERED,
    ComplaintCase,
    Rating,
    Visit,
)
from groupbot.runtime import Runtime

DECIDED = ("approve", "adjust", "coupon", "reject")  # a claim decision that ends the claim


def score_buttons(rating_id: int) -> list[list[tuple[str, str]]]:
    return [[(f"aftercare.stars.{n}", f"ac:r:{rating_id}:{n}") for n in range(1, 6)]]


async def request(
    session: AsyncSession, rt: Runtime, member: Member, subject: str, subject_id: int, *,
    order_id: int | None = None, claim_id: int | None = None, now: datetime,
) -> Rating | None:
    """The rating row of this subject, made once (None: it was asked already)."""
    if await session.scalar(select(Rating.id).where(Rating.subject == subject,
                                                     Rating.subject_id == subject_id)):
        return None
    rating = Rating(community_id=rt.community_id, member_id=member.id, subject=subject,
                    subject_id=subject_id, order_id=order_id, claim_id=claim_id, asked_at=now)
    try:
        async with session.begin_nested():
            session.add(rating)
    except IntegrityError:  # asked at the same moment by another process
        return None
    return rating


async def after_claim_decided(
    session: AsyncSession, rt: Runtime, claim: Claim, member: Member, action: str
) -> None:
    """The claim-decided hook: ask how the after-sales went, once, in service hours."""
    if action not in DECIDED:
        return
    now = rt.clock.now()
    rating = await request(session, rt, member, RATED_CLAIM, claim.id, order_id=claim.order_id,
                           claim_id=claim.id, now=now)
    if rating is None:
        return
    when = timing.in_service(await timing.hours(session, rt),
                             policy.claim_rating_wanted_at(timing.rules(rt), now))
    await tell(session, rt, member, f"rating:{rating.id}:ask", "rating_ask", "rating.claim",
               buttons=score_buttons(rating.id), not_before=when, order_id=claim.order_id,
               claim=claim.id)


async def rate(
    session: AsyncSession, rt: Runtime, member: Member, rating_id: int, score: int,
    now: datetime,
) -> Outcome:
    if not 1 <= score <= 5:
        return Outcome("rate_invalid")
    until = now + timedelta(minutes=timing.rules(rt).comment_minutes)
    done = await session.execute(
        update(Rating).where(Rating.id == rating_id, Rating.member_id == member.id,
                             Rating.score.is_(None))
        .values(score=score, rated_at=now, comment_until=until)
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:  # type: ignore[attr-defined]
        return Outcome("rate_already")
    rating = await session.get(Rating, rating_id)
    assert rating is not None
    await session.refresh(rating)
    return await _rated(session, rt, member, rating, now)


async def _rated(
    session: AsyncSession, rt: Runtime, member: Member, rating: Rating, now: datetime
) -> Outcome:
    if rating.subject == RATED_VISIT:
        await session.execute(update(Visit).where(Visit.id == rating.subject_id)
                              .values(state=VISIT_ANSWERED, answered_at=now)
                              .execution_options(synchronize_session=False))
    if not policy.opens_case(rating.score or 5):
        return Outcome("rate_thanks", {"score": rating.score})
    # A low score is listened to first: the case's reason starts as a mood (followed up
    # the next day, not at once) until the agent knows better.
    case, _new = await open_case(session, rt, member, Trigger(
        OPENED_BY_RATING, f"rating:{rating.id}", policy.CASE_MOOD, order_id=rating.order_id,
        claim_id=rating.claim_id, rating_id=rating.id), now)
    return Outcome("rate_sorry", {"score": rating.score, "number": case.id})


async def desk_rated(
    session: AsyncSession, rt: Runtime, member: Member, conv_id: int, score: int, now: datetime
) -> Outcome:
    """The desk's own rating of a conversation with a person (groupbot/desk/members.rate),
    recorded here as well so every rating is one kind of row and a low one opens a case."""
    rating = await request(session, rt, member, RATED_DESK, conv_id, now=now)
    if rating is None:
        return Outcome("rate_already")
    rating.score, rating.rated_at = score, now
    if policy.opens_case(score):  # else the member's next text may reopen the conversation
        rating.comment_until = now + timedelta(minutes=timing.rules(rt).comment_minutes)
    await session.flush()
    return await _rated(session, rt, member, rating, now)


async def comment(
    session: AsyncSession, rt: Runtime, member: Member, text: str, now: datetime
) -> Outcome | None:
    """The member's text right after a rating is its comment (once). None: no rating waits."""
    rating = await session.scalar(
        select(Rating).where(Rating.member_id == member.id, Rating.comment.is_(None),
                             Rating.comment_until > now)
        .order_by(Rating.rated_at.desc()).limit(1))
    if rating is None:
        return None
    rating.comment, rating.comment_until = text, None
    case = await session.scalar(select(ComplaintCase).where(
        ComplaintCase.rating_id == rating.id))
    if case is None:
        return Outcome("comment_thanks")
    if not case.what:
        case.what = text
    audit(session, case, member, "comment", now, comment=text)
    await tell_desk(session, rt, member, "comment", now, number=case.id, what=text)
    return Outcome("comment_case", {"number": case.id})


async def _no_case_now(session: AsyncSession, row: OutboxMessage, rt: Runtime) -> bool:
    """A claim's rating request waits an hour: if the member complained meanwhile, the case is
    the conversation to have, not a score."""
    return row.member_id is None or await active_case(session, row.member_id) is None


notify.STILL_WANTED["rating_ask"] = _no_case_now
