"""/cases: the active complaint cases with what is due, overdue first, for the staff."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import messages
from groupbot.desk.records import desk_name
from groupbot.models import Member
from groupbot.models.aftercare import CASE_ACTIVE, CASE_UNCONTACTED, ComplaintCase
from groupbot.orders import local_time
from groupbot.runtime import Runtime

SHOWN = 30


async def due_cases(session: AsyncSession, rt: Runtime, locale: str) -> str:
    now = rt.clock.now()
    rows = (await session.execute(
        select(ComplaintCase, Member).join(Member, Member.id == ComplaintCase.member_id)
        .where(ComplaintCase.community_id == rt.community_id,
               ComplaintCase.state.in_(CASE_ACTIVE))
        .order_by(ComplaintCase.apology_due_at, ComplaintCase.id).limit(SHOWN))).all()

    def t(key: str, **values: object) -> str:
        return messages.t(locale, f"aftercare.cases.{key}", **values)

    if not rows:
        return t("empty")
    lines = [t("title", count=len(rows))]
    for case, member in rows:
        if case.state in CASE_UNCONTACTED and case.apology_due_at is not None:
            late = case.apology_due_at < now
            due = t("overdue" if late else "apology_due", at=local_time(rt, case.apology_due_at))
        elif case.state in CASE_UNCONTACTED:
            due = t("apology_due", at="—")
        else:
            due = t("waiting_member") if case.state == "resolved" else t("working")
        lines.append(t("line", number=case.id, member=member.full_name,
                       reason=messages.t(locale, f"aftercare.reason.{case.reason}"),
                       state=messages.t(locale, f"aftercare.state.{case.state}"),
                       owner=await desk_name(session, case.owner_id) or "—", due=due))
    return "\n".join(lines)
