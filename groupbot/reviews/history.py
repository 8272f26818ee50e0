"""A claim's story from its audit rows, for ``/claim N``."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import messages
from groupbot.aftercare import history as aftercare_history
from groupbot.models import Claim, ClaimEvent, Member
from groupbot.money import fmt, from_minor
from groupbot.orders import local_time
from groupbot.runtime import Runtime


async def render(session: AsyncSession, rt: Runtime, claim: Claim, locale: str) -> str:
    rows = await session.execute(
        select(ClaimEvent, Member).outerjoin(Member, Member.id == ClaimEvent.actor_member_id)
        .where(ClaimEvent.claim_id == claim.id).order_by(ClaimEvent.at, ClaimEvent.id))
    status = messages.t(locale, f"claims.status.{claim.status}")
    lines = [messages.t(locale, "reviews.history.title", claim=claim.id, status=status)]
    for event, actor in rows.all():
        d = event.details or {}
        minor = next((d[k] for k in ("amount_minor", "refund_minor", "coupon_minor") if k in d),
                     None)
        reason = d.get("reason") or ""
        if event.action == "reject" and reason:
            reason = messages.t(locale, f"reviews.reject_label.{reason}")
        key = f"reviews.history.action.{event.action}"
        what = messages.t(
            locale, key, amount="" if minor is None else fmt(from_minor(minor, claim.currency),
                                                            claim.currency),
            reason=reason, reference=d.get("reference", ""), order=d.get("order_id", ""),
        ) if messages.has(locale, key) else event.action
        who = actor.full_name if actor else messages.t(locale, "reviews.history.system")
        lines.append(messages.t(locale, "reviews.history.item", at=local_time(rt, event.at),
                                who=who, what=what))
    lines += await aftercare_history.of_claim(session, rt, claim.id, claim.order_id, locale)
    return "\n".join(lines)
