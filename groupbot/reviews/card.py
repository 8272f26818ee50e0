"""What a reviewer reads on the card: the claim, the money, the evidence, the history, the
decision so far, and the buttons that still make sense."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import messages
from groupbot import policy, texts
from groupbot.models import Claim, ClaimReview, Coupon, Member, Order, OrderItem, Refund
from groupbot.models.claims import CLAIM_PENDING
from groupbot.models.reviews import REFUND_DUE
from groupbot.money import fmt, from_minor
from groupbot.orders import local_time, perishable
from groupbot.resolutions import reship
from groupbot.resolutions.cards import resolution_lines
from groupbot.reviews import queue, records
from groupbot.runtime import Runtime

Buttons = list[list[tuple[str, str]]]


def _t(locale: str, key: str, **values: Any) -> messages.Html:
    return messages.t(locale, f"reviews.card.{key}", **values)


def _money(claim: Claim, minor: int) -> str:
    return fmt(from_minor(minor, claim.currency), claim.currency)


def left(rt: Runtime, due: datetime) -> texts.Text:
    """Time left to a deadline, or how late it is, in hours and minutes."""
    seconds = int((due - rt.clock.now()).total_seconds())
    key = "time_left" if seconds >= 0 else "time_over"
    hours, minutes = divmod(abs(seconds) // 60, 60)
    return texts.text(f"reviews.{key}", hours=hours, minutes=minutes)


def left_text(locale: str, rt: Runtime, due: datetime) -> messages.Html:
    return texts.render(locale, left(rt, due))


async def render(
    session: AsyncSession, rt: Runtime, claim: Claim, locale: str
) -> tuple[str, Buttons]:
    review = await records.review_of(session, claim.id)
    member = await session.get(Member, claim.member_id)
    order = await session.get(Order, claim.order_id)
    assert member is not None and order is not None
    status = messages.t(locale, f"claims.status.{claim.status}")
    lines = [_t(locale, "title", claim=claim.id, status=status)]
    history = await records.member_history(session, rt, claim)
    lines.append(_t(locale, "member", member=messages.mention(member.telegram_id,
                                                               member.full_name),
                    claims=history.claims, refunded=_money(claim, history.refunded_minor)))
    lines.append(_window(locale, rt, claim, order))
    for ci in claim.items:
        item = await session.get(OrderItem, ci.order_item_id)
        assert item is not None
        lines.append(_t(locale, "item", product=item.product.name,
                        paid=_money(claim, item.paid_minor), quantity=item.quantity,
                        unit=item.product.unit, damaged=ci.damaged_units,
                        amount=_money(claim, ci.amount_minor)))
    lines.append(_t(locale, "reason", reason=messages.t(locale, f"claims.reason.{claim.reason}")))
    if claim.description:
        lines.append(_t(locale, "description", text=claim.description))
    lines.append(_t(locale, "refund", amount=_money(claim, claim.refund_minor)))
    lines += await resolution_lines(session, rt, claim, locale)
    lines += evidence_lines(locale, claim.evidence)
    lines += await _state_lines(session, rt, claim, review, locale)
    return "\n".join(lines), await _buttons(session, rt, claim, review, locale)


def _window(locale: str, rt: Runtime, claim: Claim, order: Order) -> messages.Html:
    if order.delivered_at is None:
        return _t(locale, "order_no_delivery", order=order.id)
    hours = int((claim.submitted_at - order.delivered_at).total_seconds() // 3600)
    span = policy.window_span(policy.rules_for(rt.settings), perishable(order))
    if span.unit == "days":
        return _t(locale, "order_days", order=order.id,
                  delivered=local_time(rt, order.delivered_at), hours=hours, days=span.count)
    return _t(locale, "order", order=order.id, delivered=local_time(rt, order.delivered_at),
              hours=hours, window=span.count)


def evidence_lines(locale: str, evidence: dict[str, Any] | None) -> list[str]:
    """The photo checks as signals (never a decision), and re-used photo warnings."""
    if not evidence:
        return []
    out: list[str] = []
    if evidence.get("checked"):
        yes, no = _t(locale, "yes"), _t(locale, "no")
        if evidence.get("tracking_match"):
            number = yes
        elif evidence.get("numbers_read"):
            number = _t(locale, "number_other", numbers=", ".join(evidence["numbers_read"]))
        else:
            number = _t(locale, "number_unread")
        damage = evidence.get("damage_score")
        out.append(_t(locale, "evidence", number=number,
                      goods=yes if evidence.get("goods_found") else no,
                      damage="–" if damage is None else f"{damage:.2f}"))
    else:
        out.append(_t(locale, "evidence_unchecked"))
    for r in evidence.get("reused") or ():
        out.append(_t(locale, "reused", photo=r["photo"], other=r["claim_id"]))
    return out


async def _state_lines(session, rt: Runtime, claim: Claim, review: ClaimReview | None,
                       locale: str) -> list[str]:
    out: list[str] = []
    if claim.status == CLAIM_PENDING:
        out.append(_t(locale, "due", due=local_time(rt, claim.review_due_at),
                      left=left_text(locale, rt, claim.review_due_at)))
        held = queue.holder(review, rt)
        if held is not None and review is not None and review.lease_until is not None:
            out.append(_t(locale, "held", name=await records.name_of(session, held),
                          until=local_time(rt, review.lease_until)))
        return out
    if review is None or review.decided_at is None:
        return out
    by = (_t(locale, "auto_by") if review.auto
          else await records.name_of(session, review.decided_by))
    when = local_time(rt, review.decided_at)
    refund = await session.scalar(select(Refund).where(Refund.claim_id == claim.id))
    coupon = await session.scalar(select(Coupon).where(Coupon.claim_id == claim.id))
    values: dict[str, Any] = {"name": by, "at": when, "note": review.note or "",
                              "amount": "", "reason": ""}
    if refund is not None:
        values["amount"] = _money(claim, refund.amount_minor)
        values["reason"] = refund.adjust_reason or ""
    if coupon is not None:
        values["amount"] = _money(claim, coupon.amount_minor)
    if (linked := await reship.of_claim(session, claim.id)) is not None:
        values["order"] = linked.reship_order_id
    if review.reject_reason:
        values["reason"] = messages.t(locale, f"reviews.reject_label.{review.reject_reason}")
    decision = review.decision or "approve"
    if refund is not None and refund.how == "adjusted":
        decision = "adjust"
    out.append(_t(locale, f"decided.{decision}", **values))
    if refund is not None and refund.paid_at is not None:
        out.append(_t(locale, "paid", amount=_money(claim, refund.amount_minor),
                      reference=refund.paid_reference or "",
                      name=await records.name_of(session, refund.paid_by),
                      at=local_time(rt, refund.paid_at)))
    elif refund is not None:
        out.append(_t(locale, "payout_due", due=local_time(rt, refund.payout_due_at)))
    return out


async def _buttons(session, rt: Runtime, claim: Claim, review: ClaimReview | None,
                   locale: str) -> Buttons:
    def b(key: str, data: str) -> tuple[str, str]:
        return (messages.t(locale, f"reviews.button.{key}"), data)

    if claim.status == CLAIM_PENDING:
        return [[b("approve", f"rv:a:{claim.id}"), b("adjust", f"rv:j:{claim.id}")],
                [b("more", f"rv:m:{claim.id}"), b("coupon", f"rv:c:{claim.id}")],
                [b("reship", f"rv:rs:{claim.id}"), b("replace", f"rv:rp:{claim.id}")],
                [b("reject", f"rv:r:{claim.id}")]]
    refund = await session.scalar(select(Refund).where(Refund.claim_id == claim.id,
                                                       Refund.status == REFUND_DUE))
    if refund is None:
        return []
    rows = [[b("paid", f"rv:p:{refund.id}")]]
    if refund.auto and rt.clock.now() <= refund.payout_due_at:
        rows.append([b("reverse", f"rv:x:{claim.id}")])
    return rows
