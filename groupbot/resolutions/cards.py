"""What the reviewer card adds for resolutions: the packaging answer, the return's parcel."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import messages
from groupbot.models import Claim
from groupbot.models.resolutions import ReturnRequest
from groupbot.orders import local_time
from groupbot.runtime import Runtime


async def resolution_lines(session: AsyncSession, rt: Runtime, claim: Claim,
                           locale: str) -> list[str]:
    out: list[str] = []
    if claim.packaging:
        out.append(messages.t(locale, "resolutions.card.packaging", answer=messages.t(
            locale, f"resolutions.packaging.{claim.packaging}")))
    back = await session.scalar(select(ReturnRequest).where(ReturnRequest.claim_id == claim.id))
    if back is not None:
        out.append(messages.t(
            locale, "resolutions.card.return", courier=back.courier or "–",
            tracking=back.tracking_number or "–",
            received=local_time(rt, back.received_at) if back.received_at else "–"))
    return out
