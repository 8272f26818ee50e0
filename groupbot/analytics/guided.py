"""The typed parts of acting on an alert, one answer at a time (the draft lives in the DB, so a
restart loses nothing): an improvement record's cause, action, owner and due date; a note for
the supplier. Returns what to say as catalog keys and values, never text."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from groupbot import drafts
from groupbot.analytics import actions, improvements
from groupbot.models import Draft, Member
from groupbot.refusal import Refusal
from groupbot.runtime import Runtime

IMPROVE = "improve"
NOTE = "supnote"
KINDS = (IMPROVE, NOTE)
STEPS = ("cause", "action", "owner", "due")


@dataclass(frozen=True)
class Say:
    """``reports.<key>`` with its values; ``refusal`` first, when the answer was refused."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)
    refusal: Refusal | None = None


async def begin(session: AsyncSession, rt: Runtime, member: Member, kind: str, alert_id: int
                ) -> Say | Refusal:
    alert = await actions.alert_of(session, rt, alert_id)
    if isinstance(alert, Refusal):
        return alert
    data = {"alert_id": alert.id, "deal_id": alert.deal_id, "product": alert.product_name}
    step = "cause" if kind == IMPROVE else "text"
    await drafts.begin(session, rt, member, kind, step, data)
    return _prompt(kind, step, data)


def _prompt(kind: str, step: str, data: dict[str, Any]) -> Say:
    if kind == NOTE:
        return Say("alert.ask_note", {"product": data["product"]})
    return Say(f"improve.ask_{step}", {"product": data["product"]})


def _today(rt: Runtime) -> date:
    return rt.clock.now().astimezone(rt.settings.tz).date()


async def next_step(session: AsyncSession, rt: Runtime, member: Member, draft: Draft,
                    text: str) -> Say:
    """The member's next answer for ``draft``: the next question, or the saved result."""
    data = draft.data
    if draft.kind == NOTE:
        note = await actions.add_supplier_note(session, rt, data["alert_id"], member, text)
        if isinstance(note, Refusal):
            return Say("alert.ask_note", {"product": data["product"]}, note)
        await drafts.finish(session, draft)
        return Say("alert.noted", {"supplier": note.supplier, "text": note.text})
    step = draft.step
    if step == "due":
        return await _finish_improvement(session, rt, member, draft, text)
    limit = improvements.OWNER_MAX if step == "owner" else improvements.TEXT_MAX
    checked = improvements.check_text(step, text, limit)
    if isinstance(checked, Refusal):
        return Say(f"improve.ask_{step}", {"product": data["product"]}, checked)
    following = STEPS[STEPS.index(step) + 1]
    drafts.advance(rt, draft, following, **{step: checked})
    return _prompt(IMPROVE, following, data)


async def _finish_improvement(session: AsyncSession, rt: Runtime, member: Member, draft: Draft,
                              text: str) -> Say:
    data = draft.data
    due = improvements.parse_due(text, _today(rt))
    if isinstance(due, Refusal):
        return Say("improve.ask_due", {"product": data["product"]}, due)
    record = await improvements.open_record(
        session, rt, member, product_name=data["product"], cause=data["cause"],
        action=data["action"], owner=data["owner"], due_on=due, deal_id=data["deal_id"],
        alert_id=data["alert_id"])
    if isinstance(record, Refusal):
        return Say("improve.ask_due", {"product": data["product"]}, record)
    await drafts.finish(session, draft)
    return Say("improve.opened", {"record": record.id, "product": record.product_name,
                                  "cause": record.cause, "action": record.action,
                                  "owner": record.owner, "due": record.due_on.isoformat()})
