"""Ratings and complaint cases in a member's history: the desk's summary card and the
reviewer's ``/claim N`` trail show them."""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

import messages
from groupbot.models.aftercare import ComplaintCase, Rating
from groupbot.runtime import Runtime

RECENT = 5


async def _lines(session: AsyncSession, rt: Runtime, locale: str,
                 ratings_where: ColumnElement[bool], cases_where: ColumnElement[bool]
                 ) -> list[str]:
    def t(key: str, **values: object) -> str:
        return messages.t(locale, f"aftercare.{key}", **values)

    def day(moment) -> str:
        return moment.astimezone(rt.settings.tz).strftime("%m-%d")

    lines: list[str] = []
    rated = list(await session.scalars(
        select(Rating).where(ratings_where, Rating.score.is_not(None))
        .order_by(Rating.rated_at.desc()).limit(RECENT)))
    if rated:
        lines.append(t("history.ratings"))
        lines += [t("history.rating", subject=t(f"subject.{r.subject}"), score=r.score,
                    day=day(r.rated_at),
                    comment=t("history.comment", text=r.comment) if r.comment else "")
                  for r in rated]
    found = list(await session.scalars(
        select(ComplaintCase).where(cases_where).order_by(ComplaintCase.id.desc())
        .limit(RECENT)))
    if found:
        lines.append(t("history.cases"))
        lines += [t("history.case", number=c.id, reason=t(f"reason.{c.reason}"),
                    state=t(f"state.{c.state}"), day=day(c.opened_at)) for c in found]
    return lines


async def of_member(session: AsyncSession, rt: Runtime, member_id: int, locale: str
                    ) -> list[str]:
    return await _lines(session, rt, locale, Rating.member_id == member_id,
                        ComplaintCase.member_id == member_id)


async def of_claim(session: AsyncSession, rt: Runtime, claim_id: int, order_id: int,
                   locale: str) -> list[str]:
    """The claim's own rating and the cases about it or its order."""
    return await _lines(session, rt, locale, Rating.claim_id == claim_id,
                        or_(ComplaintCase.claim_id == claim_id,
                            ComplaintCase.order_id == order_id))
