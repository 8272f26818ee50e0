"""Small shared pieces: telling the member through the outbox, the audit row of a case, and the
member's desk topic, where a case is worked."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import messages
from groupbot import notify, texts
from groupbot.desk.records import mark_dirty, notify_desk, open_conversation, topic_for
from groupbot.models import Member
from groupbot.models.aftercare import CASE_ACTIVE, CaseEvent, ComplaintCase
from groupbot.models.desk import OWES_AGENT, Conversation
from groupbot.orders import local_time
from groupbot.runtime import Runtime

Buttons = Sequence[Sequence[tuple[str, str]]]


@dataclass(frozen=True)
class Outcome:
    """What to tell the person now: ``code`` under ``aftercare.answer.*``, with parameters."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)


async def tell(
    session: AsyncSession, rt: Runtime, to: Member, key: str, kind: str, what: str, /, *,
    buttons: Buttons | None = None, not_before: datetime | None = None,
    order_id: int | None = None, **values: object,
) -> None:
    """``aftercare.<what>`` to ``to``'s private chat through the outbox (keyed: once),
    drawn in the member's language when sent; button labels are catalog keys."""
    shown = {k: (local_time(rt, v) if isinstance(v, datetime) else v) for k, v in values.items()}
    rows = [[(texts.text(label), data) for label, data in row] for row in buttons or []]
    await notify.enqueue(session, rt, notify.Outgoing(
        key=key, kind=kind, chat_id=to.telegram_id, member_id=to.id, order_id=order_id,
        message=texts.text(f"aftercare.{what}", **shown), buttons=rows or None,
        not_before=not_before))


def audit(session: AsyncSession, case: ComplaintCase, actor: Member | None, action: str,
          now: datetime, **details: Any) -> None:
    session.add(CaseEvent(case_id=case.id, actor_member_id=actor.id if actor else None,
                          action=action, at=now, details=details or None))


async def active_case(session: AsyncSession, member_id: int) -> ComplaintCase | None:
    return await session.scalar(
        select(ComplaintCase).where(ComplaintCase.member_id == member_id,
                                    ComplaintCase.state.in_(CASE_ACTIVE))
        .order_by(ComplaintCase.id.desc()).limit(1))


def locale_of(rt: Runtime, member: Member) -> str:
    return messages.pick_locale(member.language_code, None, rt.settings.default_locale)


async def case_conversation(
    session: AsyncSession, rt: Runtime, member: Member, now: datetime
) -> Conversation | None:
    """The member's desk conversation to work the case in (opened when none is open: the
    agents owe the first word). None without a desk."""
    if not rt.settings.desk_chat_ids:
        return None
    conv = await open_conversation(session, member.id)
    if conv is None:
        topic = await topic_for(session, rt, member)
        conv = Conversation(community_id=rt.community_id, member_id=member.id,
                            topic_id=topic.id, locale=locale_of(rt, member), opened_at=now,
                            owes=OWES_AGENT, owed_since=now)
        session.add(conv)
        await session.flush()
        topic.dirty = True
    return conv


async def tell_desk(
    session: AsyncSession, rt: Runtime, member: Member, key: str, now: datetime, *,
    buttons: Buttons | None = None, **values: object,
) -> None:
    """A notice in the member's desk topic (the case is worked there); nothing without a desk."""
    conv = await case_conversation(session, rt, member, now)
    if conv is None:
        return
    shown = {k: (local_time(rt, v) if isinstance(v, datetime) else v) for k, v in values.items()}
    notify_desk(session, rt, conv, f"aftercare.desk.{key}", now, buttons=buttons, **shown)
    await mark_dirty(session, conv)  # the summary card shows the case
