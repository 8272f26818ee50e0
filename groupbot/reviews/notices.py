"""What the member is told after a decision, in their language, through the outbox."""

from __future__ import annotations

from collections.abc import Sequence

import messages
from groupbot import notify, policy, texts
from groupbot.models import Claim, Member
from groupbot.money import fmt, from_minor
from groupbot.orders import local_time
from groupbot.runtime import Runtime


def money(claim: Claim, minor: int) -> str:
    return fmt(from_minor(minor, claim.currency), claim.currency)


async def tell_member(
    session, rt: Runtime, claim: Claim, member: Member, what: str, version: int,
    buttons: Sequence[tuple[str, str]] = (), **values: object,
) -> None:
    """Queue ``reviews.member.<what>`` for the claim's member (keyed, so sent exactly once);
    it is drawn in the member's language when sent."""
    shown = {k: (local_time(rt, v) if hasattr(v, "astimezone") else v) for k, v in values.items()}
    rows = [[(texts.text(label), data)] for label, data in buttons]
    await notify.enqueue(session, rt, notify.Outgoing(
        key=f"claim:{claim.id}:{what}:{version}", kind=f"claim_{what}",
        chat_id=member.telegram_id, member_id=member.id, order_id=claim.order_id,
        message=texts.text(f"reviews.member.{what}", claim=claim.id, **shown),
        buttons=rows or None,
    ))


def service_button(rt: Runtime) -> list[tuple[str, str]]:
    """"Talk to a person" under a decision the member may dispute (groupbot/desk)."""
    return [("desk.button", "desk:start")] if rt.settings.desk_chat_ids else []


def unhappy_button(claim: Claim) -> list[tuple[str, str]]:
    """"仍不满意" under a rejection or an adjusted amount: opens a complaint case
    (groupbot/aftercare)."""
    return [("aftercare.unhappy_button", f"ac:un:{claim.id}")]



def reject_reason(code: str, span: policy.Span) -> texts.Text:
    """The policy reason in plain words; ``span`` is the claim window of the claim's order."""
    key = f"reviews.reject.{code}"
    if span.unit == "days" and messages.has(messages.DEFAULT_LOCALE, f"{key}_days"):
        key += "_days"
    return texts.text(key, **{span.unit: span.count})


def note_line(note: str | None) -> texts.Text | str:
    return texts.text("reviews.member.note", note=note) if note else ""
