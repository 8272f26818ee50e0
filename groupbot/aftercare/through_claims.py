"""A refund or a reship given as a case's resolution is carried out by a claim, never by the
desk itself: agents do not move money or stock (the permission table keeps both with the
reviewers). Resolving a case that way names the claim that did it (``/resolve refund #12``, or
the claim the case was opened on), and the claim must already show it: approved or paid for a
refund, reshipped or replaced for a reship."""

from __future__ import annotations

import re

from sqlalchemy.ext.asyncio import AsyncSession

from groupbot.aftercare.records import Outcome
from groupbot.models import Claim
from groupbot.models.aftercare import ComplaintCase
from groupbot.models.claims import CLAIM_APPROVED, CLAIM_PAID
from groupbot.models.resolutions import CLAIM_REPLACED, CLAIM_RESHIPPED

CARRIED_OUT_BY = {
    "refund": (CLAIM_APPROVED, CLAIM_PAID),
    "reship": (CLAIM_RESHIPPED, CLAIM_REPLACED),
}
_NUMBER = re.compile(r"^#?(\d{1,12})\b")


def needs_claim(resolution: str) -> bool:
    return resolution in CARRIED_OUT_BY


async def carrying_claim(session: AsyncSession, case: ComplaintCase, resolution: str,
                         note: str) -> Claim | Outcome:
    """The member's claim that carried out ``resolution`` for this case, or why there is none."""
    named = _NUMBER.match(note.strip())
    claim_id = int(named.group(1)) if named else case.claim_id
    claim = await session.get(Claim, claim_id) if claim_id is not None else None
    if claim is None or claim.member_id != case.member_id:
        return Outcome("resolve_needs_claim", {"number": case.id, "resolution": resolution})
    if claim.status not in CARRIED_OUT_BY[resolution]:
        return Outcome("resolve_claim_not_done",
                       {"number": case.id, "claim": claim.id, "resolution": resolution})
    return claim
