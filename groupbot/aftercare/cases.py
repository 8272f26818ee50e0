"""Complaint cases (投诉): opened on every trigger, worked in the member's desk topic, closed
only when the member says the problem is solved ("没有" reopens it).

States: open → contacted (an agent wrote to the member) → resolved (a resolution was given and
the member asked "问题解决了吗？") → closed, or reopened → contacted → … Each change is one
conditional UPDATE (a double tap or a second agent changes nothing twice) and one event row.
A member has at most one active case: a new trigger while one is active joins it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

import messages
from groupbot import permissions, policy
from groupbot.aftercare import through_claims, timing
from groupbot.aftercare.records import Outcome, active_case, audit, tell, tell_desk
from groupbot.desk.records import desk_locale, desk_name
from groupbot.models import Coupon, Member
from groupbot.models.aftercare import (
    CASE_ACTIVE,
    CASE_CLOSED,
    CASE_CONTACTED,
    CASE_REOPENED,
    CASE_RESOLVED,
    CASE_UNCONTACTED,
    OPENED_BY_STAFF,
    RESOLUTIONS,
    ComplaintCase,
)
from groupbot.money import fmt, to_minor
from groupbot.refusal import Refusal
from groupbot.runtime import Runtime


@dataclass(frozen=True)
class Trigger:
    """What opens a case: who, why, and the key that makes a second delivery of it a no-op."""

    opened_by: str  # models.aftercare.OPENED_BY_*
    key: str  # e.g. "rating:7", "claim:12:unhappy", "words:<chat>:<message>"
    reason: str  # policy.CASE_REASONS
    order_id: int | None = None
    claim_id: int | None = None
    rating_id: int | None = None
    what: str | None = None  # the member's words


def reason_buttons(rt: Runtime, case: ComplaintCase) -> list[list[tuple[str, str]]]:
    locale = desk_locale(rt)
    labels = [(messages.t(locale, f"aftercare.reason.{r}"), f"ac:why:{case.id}:{r}")
              for r in policy.CASE_REASONS]
    return [labels[:3], labels[3:]]


def reason_label(rt: Runtime, reason: str) -> str:
    return messages.t(desk_locale(rt), f"aftercare.reason.{reason}")


async def open_case(
    session: AsyncSession, rt: Runtime, member: Member, trigger: Trigger, now: datetime, *,
    actor: Member | None = None,
) -> tuple[ComplaintCase, bool]:
    """(the case, whether it is new). The same trigger twice, or any trigger while the member
    has an active case, opens nothing new."""
    same = await session.scalar(select(ComplaintCase).where(
        ComplaintCase.trigger_key == trigger.key))
    if same is not None:
        return same, False
    current = await active_case(session, member.id)
    if current is not None:
        if trigger.what and trigger.what not in (current.what or ""):
            current.what = f"{current.what}\n{trigger.what}" if current.what else trigger.what
            audit(session, current, actor or member, "again", now, trigger=trigger.key,
                  what=trigger.what)
            await tell_desk(session, rt, member, "again", now, number=current.id,
                            what=trigger.what)
        return current, False
    hours = await timing.hours(session, rt)
    case = ComplaintCase(
        community_id=rt.community_id, member_id=member.id, order_id=trigger.order_id,
        claim_id=trigger.claim_id, rating_id=trigger.rating_id, opened_by=trigger.opened_by,
        trigger_key=trigger.key, reason=trigger.reason, what=trigger.what, opened_at=now,
        apology_due_at=timing.apology_due(hours, trigger.reason, now),
        owner_id=actor.id if actor else None)
    session.add(case)
    await session.flush()
    audit(session, case, actor or member, "opened", now, by=trigger.opened_by,
          reason=trigger.reason, trigger=trigger.key)
    await tell(session, rt, member, f"case:{case.id}:opened", "case_opened", "case.opened",
               number=case.id, due=case.apology_due_at)
    await tell_desk(session, rt, member, "opened", now, buttons=reason_buttons(rt, case),
                    number=case.id, source=messages.t(desk_locale(rt),
                                                      f"aftercare.opened_by.{trigger.opened_by}"),
                    reason=reason_label(rt, case.reason), due=case.apology_due_at,
                    what=trigger.what or "—", order=trigger.order_id or "—",
                    claim=trigger.claim_id or "—")
    return case, True


async def _staff(session: AsyncSession, rt: Runtime, actor: Member, action: str
                 ) -> Refusal | None:
    return await permissions.refuse(session, rt.settings, rt.community_id, actor, action)


async def contacted(session: AsyncSession, member_id: int, agent: Member, now: datetime) -> None:
    """An agent wrote to the member (the desk's hook): the apology is under way, the agent owns
    the case if nobody did."""
    case = await active_case(session, member_id)
    if case is None or case.state not in CASE_UNCONTACTED:
        return
    done = await session.execute(
        update(ComplaintCase).where(ComplaintCase.id == case.id,
                                    ComplaintCase.state.in_(CASE_UNCONTACTED))
        .values(state=CASE_CONTACTED, contacted_at=now,
                owner_id=case.owner_id or agent.id)
        .execution_options(synchronize_session=False))
    if done.rowcount == 1:  # type: ignore[attr-defined]
        await session.refresh(case)
        audit(session, case, agent, "contacted", now, owner=case.owner_id)


async def set_reason(
    session: AsyncSession, rt: Runtime, actor: Member, case_id: int, reason: str, now: datetime
) -> Outcome | Refusal:
    if (refused := await _staff(session, rt, actor, permissions.WORK_CASES)) is not None:
        return refused
    case = await session.get(ComplaintCase, case_id)
    if case is None or case.community_id != rt.community_id or reason not in policy.CASE_REASONS:
        return Outcome("case_unknown", {"number": case_id})
    if case.state not in CASE_ACTIVE:
        return Outcome("case_closed", {"number": case.id})
    if case.reason == reason:
        return Outcome("reason_set", {"number": case.id, "reason": reason_label(rt, reason)})
    before, case.reason = case.reason, reason
    if case.state in CASE_UNCONTACTED:  # a bad mood waits until tomorrow; the rest, today
        case.apology_due_at = timing.apology_due(await timing.hours(session, rt), reason,
                                                 case.opened_at if case.reopened == 0 else now)
    audit(session, case, actor, "reason", now, before=before, reason=reason,
          due=case.apology_due_at.isoformat() if case.apology_due_at else None)
    return Outcome("reason_set", {"number": case.id, "reason": reason_label(rt, reason)})


async def resolve(
    session: AsyncSession, rt: Runtime, actor: Member, case: ComplaintCase, resolution: str,
    note: str | None, now: datetime,
) -> Outcome | Refusal:
    """Give the resolution and ask the member "问题解决了吗？" (once per round: keyed)."""
    if (refused := await _staff(session, rt, actor, permissions.WORK_CASES)) is not None:
        return refused
    if resolution not in RESOLUTIONS:
        return Outcome("resolve_usage", {"resolutions": " ".join(RESOLUTIONS)})
    if through_claims.needs_claim(resolution):
        claim = await through_claims.carrying_claim(session, case, resolution, note or "")
        if isinstance(claim, Outcome):
            return claim
        case.claim_id = claim.id
    done = await session.execute(
        update(ComplaintCase).where(ComplaintCase.id == case.id,
                                    ComplaintCase.state.in_(
                                        (*CASE_UNCONTACTED, CASE_CONTACTED)))
        .values(state=CASE_RESOLVED, resolution=resolution, resolution_note=note or None,
                resolved_at=now, owner_id=case.owner_id or actor.id,
                contacted_at=case.contacted_at or now)
        .execution_options(synchronize_session=False))
    await session.refresh(case)
    if done.rowcount != 1:  # type: ignore[attr-defined]
        return Outcome("case_closed" if case.state == CASE_CLOSED else "already_resolved",
                       {"number": case.id})
    audit(session, case, actor, "resolved", now, resolution=resolution, note=note)
    member = await session.get(Member, case.member_id)
    assert member is not None
    version = case.version
    await tell(session, rt, member, f"case:{case.id}:solved?:{version}", "case_question",
               "case.question", number=case.id,
               buttons=[[("aftercare.case.yes_button", f"ac:ok:{case.id}:{version}:1"),
                         ("aftercare.case.no_button", f"ac:ok:{case.id}:{version}:0")]])
    return Outcome("resolved", {"number": case.id,
                                "resolution": messages.t(desk_locale(rt),
                                                         f"aftercare.resolution.{resolution}")})


async def goodwill_coupon(
    session: AsyncSession, rt: Runtime, actor: Member, case: ComplaintCase, raw: str,
    now: datetime,
) -> Outcome | Refusal:
    """A 5–10 ¥ coupon that makes up for the problem of this case (recorded on the coupon),
    then the case is resolved with it. Never tied to a rating or a review."""
    if (refused := await _staff(session, rt, actor, permissions.GOODWILL_COUPON)) is not None:
        return refused
    rules = timing.rules(rt)
    try:
        amount = Decimal(raw)
    except (InvalidOperation, ValueError):
        amount = Decimal(-1)
    decision = policy.check_goodwill_coupon(rules, amount)
    if not decision.ok:
        return Outcome("coupon_range", {"min": rules.coupon_floor, "max": rules.coupon_ceiling})
    if case.state not in (*CASE_UNCONTACTED, CASE_CONTACTED):
        return Outcome("case_closed" if case.state == CASE_CLOSED else "already_resolved",
                       {"number": case.id})
    if await session.scalar(select(Coupon.id).where(Coupon.case_id == case.id)):
        return Outcome("coupon_given", {"number": case.id})
    currency = rt.settings.currency
    coupon = Coupon(community_id=case.community_id, member_id=case.member_id, case_id=case.id,
                    currency=currency, amount_minor=to_minor(amount, currency),
                    issued_by=actor.id, issued_at=now,
                    expires_at=policy.goodwill_expires_at(rules, now))
    session.add(coupon)
    await session.flush()
    shown = fmt(amount, currency)
    audit(session, case, actor, "coupon", now, coupon_id=coupon.id,
          amount_minor=coupon.amount_minor)
    member = await session.get(Member, case.member_id)
    assert member is not None
    await tell(session, rt, member, f"case:{case.id}:coupon", "case_coupon", "case.coupon",
               number=case.id, amount=shown, expires=coupon.expires_at)
    outcome = await resolve(session, rt, actor, case, "coupon", shown, now)
    if isinstance(outcome, Refusal):
        return outcome
    return Outcome("coupon_sent", {"number": case.id, "amount": shown})


async def member_answer(
    session: AsyncSession, rt: Runtime, member: Member, case_id: int, version: int,
    solved: bool, now: datetime,
) -> Outcome:
    """"问题解决了吗？": yes closes the case, no reopens it (the apology is due again today)."""
    case = await session.get(ComplaintCase, case_id)
    if case is None or case.member_id != member.id:
        return Outcome("gone")
    hours = await timing.hours(session, rt)
    values: dict[str, object] = {"version": version + 1}
    if solved:
        values.update(state=CASE_CLOSED, closed_at=now)
    else:
        values.update(state=CASE_REOPENED, reopened=ComplaintCase.reopened + 1,
                      contacted_at=None, escalated_at=None, resolved_at=None,
                      apology_due_at=timing.apology_due(hours, "", now))
    done = await session.execute(
        update(ComplaintCase).where(ComplaintCase.id == case.id,
                                    ComplaintCase.state == CASE_RESOLVED,
                                    ComplaintCase.version == version)
        .values(**values).execution_options(synchronize_session=False))
    await session.refresh(case)
    if done.rowcount != 1:  # type: ignore[attr-defined]
        return Outcome("answered", {"number": case.id})
    audit(session, case, member, "closed" if solved else "reopened", now)
    await tell_desk(session, rt, member, "closed" if solved else "reopened", now,
                    number=case.id, due=case.apology_due_at)
    return Outcome("case_closed_thanks" if solved else "case_reopened",
                   {"number": case.id, "due": case.apology_due_at})


async def case_of_member(session: AsyncSession, member_id: int) -> ComplaintCase | None:
    return await active_case(session, member_id)


async def owner_name(session: AsyncSession, case: ComplaintCase) -> str:
    return await desk_name(session, case.owner_id) or "—"


async def open_by_staff(
    session: AsyncSession, rt: Runtime, actor: Member, member: Member, reason: str,
    what: str | None, key: str, now: datetime,
) -> Outcome | Refusal:
    """/complaint in a member's topic: the agent opens (and owns) a case for them."""
    if (refused := await _staff(session, rt, actor, permissions.OPEN_COMPLAINT)) is not None:
        return refused
    if reason not in policy.CASE_REASONS:
        reason = policy.CASE_REASONS[0]
    case, new = await open_case(session, rt, member, Trigger(
        OPENED_BY_STAFF, key, reason, what=what or None), now, actor=actor)
    return Outcome("staff_opened" if new else "case_exists",
                   {"number": case.id, "due": case.apology_due_at,
                    "reason": reason_label(rt, case.reason)})
