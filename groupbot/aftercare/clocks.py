"""The case clock: a case nobody contacted by its apology deadline goes to the organizers.

Claimed row by row (``FOR UPDATE SKIP LOCKED``) and marked in the same transaction, so with any
number of processes each overdue case is escalated once; reopening a case clears the mark, so a
reopened case that is let slip again is escalated again."""

from __future__ import annotations

from sqlalchemy import select

from groupbot import texts
from groupbot.aftercare.records import audit, tell
from groupbot.claiming import claimable
from groupbot.desk.records import desk_name
from groupbot.models import Member
from groupbot.models.aftercare import CASE_UNCONTACTED, ComplaintCase
from groupbot.notify import Sender
from groupbot.people import organizers_reachable
from groupbot.runtime import Runtime

BATCH = 50


async def escalate_overdue(rt: Runtime, sender: Sender | None = None) -> int:
    now = rt.clock.now()
    async with rt.tx() as session:
        overdue = list(await session.scalars(
            claimable(select(ComplaintCase)).where(
                ComplaintCase.community_id == rt.community_id,
                ComplaintCase.state.in_(CASE_UNCONTACTED),
                ComplaintCase.apology_due_at < now,
                ComplaintCase.escalated_at.is_(None))
            .order_by(ComplaintCase.apology_due_at).limit(BATCH)))
        if not overdue:
            return 0
        organizers = await organizers_reachable(session, rt)
        for case in overdue:
            case.escalated_at = now
            audit(session, case, None, "escalated", now,
                  organizers=[o.id for o in organizers])
            member = await session.get(Member, case.member_id)
            assert member is not None
            for organizer in organizers:
                await tell(session, rt, organizer, f"case:{case.id}:overdue:{case.reopened}:"
                           f"{organizer.id}", "case_overdue", "case.overdue",
                           number=case.id, member=member.full_name,
                           reason=texts.text(f"aftercare.reason.{case.reason}"),
                           due=case.apology_due_at,
                           owner=await desk_name(session, case.owner_id) or "—")
    return len(overdue)
