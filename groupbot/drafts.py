"""Guided conversations kept in the database, so a restart never loses a half-filled form.

A member has at most one draft per kind. After ``claim_idle_minutes`` of silence a draft goes
``idle`` (the conversation closes, the data stays); the next message or /claim resumes it at
the same step.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from groupbot.models import Draft, Member
from groupbot.runtime import Runtime

ACTIVE = "active"
IDLE = "idle"


async def current(session: AsyncSession, member: Member, kind: str | None = None) -> Draft | None:
    """The member's draft (of ``kind``, or the most recently touched active one)."""
    stmt = select(Draft).where(Draft.member_id == member.id)
    if kind is not None:
        stmt = stmt.where(Draft.kind == kind)
    else:
        stmt = stmt.where(Draft.status == ACTIVE)
    return await session.scalar(stmt.order_by(Draft.updated_at.desc()).limit(1))


async def begin(
    session: AsyncSession, rt: Runtime, member: Member, kind: str, step: str, data: dict[str, Any]
) -> Draft:
    """Start (or restart) a draft of ``kind``; other active drafts of the member pause."""
    await pause_others(session, rt, member, kind)
    draft = await current(session, member, kind)
    if draft is None:
        draft = Draft(member_id=member.id, kind=kind)
        session.add(draft)
    draft.step, draft.data, draft.status = step, dict(data), ACTIVE
    draft.updated_at = rt.clock.now()
    await session.flush()
    return draft


def advance(rt: Runtime, draft: Draft, step: str | None = None, **changes: Any) -> None:
    if step is not None:
        draft.step = step
    if changes:
        draft.data = {**draft.data, **changes}  # a new dict, so the JSON column sees the change
    draft.status = ACTIVE
    draft.updated_at = rt.clock.now()


async def pause_others(session: AsyncSession, rt: Runtime, member: Member, kind: str) -> None:
    rows = await session.scalars(
        select(Draft).where(Draft.member_id == member.id, Draft.kind != kind,
                            Draft.status == ACTIVE)
    )
    for draft in rows:
        draft.status = IDLE


async def finish(session: AsyncSession, draft: Draft) -> None:
    await session.execute(delete(Draft).where(Draft.id == draft.id))


async def idle_out(
    session: AsyncSession, rt: Runtime, kind: str
) -> list[tuple[Draft, Member]]:
    """Drafts silent for longer than the idle timeout: mark idle and return them (to tell)."""
    cutoff = rt.clock.now() - timedelta(minutes=rt.settings.claim_idle_minutes)
    rows = await session.execute(
        select(Draft, Member)
        .join(Member, Member.id == Draft.member_id)
        .where(Draft.kind == kind, Draft.status == ACTIVE, Draft.updated_at <= cutoff)
    )
    found = [(row[0], row[1]) for row in rows.all()]
    for draft, _member in found:
        draft.status = IDLE
    return found
