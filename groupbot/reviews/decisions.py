"""Deciding a claim exactly once: approve, adjust, coupon, reject or ask for more photos.

The winner is whoever's conditional ``UPDATE claims SET status=… WHERE status='pending_review'``
changes a row. On PostgreSQL a second transaction blocks on that row and, once the first
commits, re-checks the WHERE and changes nothing; on SQLite writers are serialised by the
database lock. A refund is also unique per claim, and every order line's ``refunded_minor``
is increased in the same transaction under its CHECK (refunded <= paid), so two claims of one
order can never refund more than was paid, whatever the code above them does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from groupbot import permissions, policy
from groupbot.aftercare import ratings as aftercare_ratings
from groupbot.models import Claim, Coupon, Member, Order, OrderItem, Refund
from groupbot.models.claims import (
    CLAIM_APPROVED,
    CLAIM_MORE_PHOTOS,
    CLAIM_PENDING,
    CLAIM_REJECTED,
)
from groupbot.models.resolutions import CLAIM_REPLACED, CLAIM_RESHIPPED
from groupbot.models.reviews import CLAIM_COUPON, REFUND_DUE
from groupbot.money import from_minor, to_minor
from groupbot.orders import perishable
from groupbot.refunds import cap_for_adjustment, validate_adjusted_amount
from groupbot.refusal import Allowed, Refusal, Result
from groupbot.resolutions import reship
from groupbot.reviews import notices, records
from groupbot.reviews.split import split_amount
from groupbot.runtime import Runtime

APPROVE, ADJUST, COUPON, REJECT, MORE = "approve", "adjust", "coupon", "reject", "more_photos"
RESHIP, REPLACE = reship.KINDS  # goods instead of money (groupbot.resolutions.reship)
STATUS_AFTER = {APPROVE: CLAIM_APPROVED, ADJUST: CLAIM_APPROVED, COUPON: CLAIM_COUPON,
                REJECT: CLAIM_REJECTED, MORE: CLAIM_MORE_PHOTOS, RESHIP: CLAIM_RESHIPPED,
                REPLACE: CLAIM_REPLACED}
# The permission each decision needs (groupbot/permissions.py); checked again here, whoever
# calls, because a decision moves money.
NEEDS = {APPROVE: permissions.DECIDE_CLAIM, ADJUST: permissions.ADJUST_AMOUNT,
         COUPON: permissions.OFFER_COUPON, REJECT: permissions.DECIDE_CLAIM,
         MORE: permissions.DECIDE_CLAIM, RESHIP: permissions.RESHIP_GOODS,
         REPLACE: permissions.RESHIP_GOODS}
# Policy reasons a reviewer picks from; the member reads each in plain words (reviews.reject.*).
REJECT_REASONS = ("batch_variation", "subjective", "changed_mind", "buyer_fault", "late",
                  "no_evidence", "not_this_order", "reused_photo", "no_damage")


class OverRefund(Exception):
    """The database refused the refund: it would exceed what was paid for an order line."""


def _no(code: str, **params: Any) -> Refusal:
    return Refusal.of(code, **params)


@dataclass(frozen=True)
class Line:
    order_item_id: int
    computed: int
    paid: int
    refunded: int

    @property
    def cap(self) -> int:
        return max(self.paid - self.refunded, 0)


async def lines_of(session: AsyncSession, claim: Claim) -> list[Line]:
    out = []
    for ci in claim.items:
        oi = await session.get(OrderItem, ci.order_item_id, populate_existing=True)
        assert oi is not None
        out.append(Line(ci.order_item_id, ci.amount_minor, oi.paid_minor, oi.refunded_minor))
    return out


def adjust_cap(claim: Claim, lines: list[Line]) -> Decimal:
    """The most a reviewer may refund on this claim: what is left on its order lines."""
    cur = claim.currency
    return sum((cap_for_adjustment(from_minor(x.paid, cur), from_minor(x.refunded, cur), cur)
                for x in lines), Decimal(0))


async def open_claim(
    session: AsyncSession, rt: Runtime, claim_id: int, reviewer: Member | None
) -> Claim | Refusal:
    """The claim if this reviewer may decide it now, else why not (before showing a prompt)."""
    claim = await session.get(Claim, claim_id)
    if claim is None or claim.community_id != rt.community_id:
        return _no("not_found", claim=claim_id)
    if claim.status != CLAIM_PENDING:
        return await already(session, claim)
    review = await records.review_of(session, claim.id)
    me = reviewer.id if reviewer else None
    if (review is not None and review.lease_member_id not in (None, me)
            and review.lease_until is not None and review.lease_until > rt.clock.now()):
        return _no("held", name=await records.name_of(session, review.lease_member_id),
                   until=review.lease_until)
    return claim


async def decide(
    session: AsyncSession, rt: Runtime, claim_id: int, reviewer: Member | None, action: str, *,
    amount: str | Decimal | None = None, reason: str | None = None, note: str | None = None,
    auto: bool = False,
) -> Result:
    """Decide a pending claim once. The loser of a race gets ``already_decided``.

    ``reviewer`` must be allowed the decision by the permission table (else ``not_permitted``);
    ``auto`` is the policy's own approval (groupbot.reviews.auto), which reviewers can reverse.
    """
    if not auto and (refused := await permissions.refuse(
            session, rt.settings, rt.community_id, reviewer, NEEDS[action])) is not None:
        return refused
    now = rt.clock.now()
    claim = await open_claim(session, rt, claim_id, None if auto else reviewer)
    if isinstance(claim, Refusal):
        return claim
    review = await records.review_of(session, claim.id)
    me = reviewer.id if reviewer else None
    lines = await lines_of(session, claim)
    shares, how, checked = await _amounts(rt, claim, lines, action, amount, reason)
    if isinstance(checked, Refusal):
        return checked
    if action in reship.KINDS and (short := await reship.stock_refusal(session, claim)):
        return _no("out_of_stock", **short)
    won = await session.execute(
        update(Claim).where(Claim.id == claim.id, Claim.status == CLAIM_PENDING)
        .values(status=STATUS_AFTER[action]).execution_options(synchronize_session=False))
    if won.rowcount != 1:
        await session.refresh(claim)
        return await already(session, claim)
    await session.refresh(claim)
    review = review or await records.ensure_review(session, claim.id)
    review.decision, review.decided_by, review.decided_at = action, me, now
    review.reject_reason = reason if action == REJECT else None
    review.note, review.auto = note, auto
    review.lease_member_id = review.lease_until = None
    review.version += 1
    member = await session.get(Member, claim.member_id)
    assert member is not None
    details: dict[str, Any] = {"auto": auto} if auto else {}
    if action in (APPROVE, ADJUST):
        refund = await _refund(session, rt, claim, lines, shares, how, reason, reviewer, auto, now)
        details.update(amount_minor=refund.amount_minor, how=how, reason=reason)
        what = "adjusted" if how == "adjusted" else "approved"
        await notices.tell_member(
            session, rt, claim, member, what, review.version,
            buttons=[*notices.service_button(rt), *notices.unhappy_button(claim)]
            if what == "adjusted" else (),
            amount=notices.money(claim, refund.amount_minor),
            computed=notices.money(claim, claim.refund_minor), reason=reason or "",
            due=refund.payout_due_at, days=policy.rules_for(rt.settings).payout_days)
    elif action == COUPON:
        coupon = Coupon(community_id=claim.community_id, member_id=claim.member_id,
                        claim_id=claim.id, currency=claim.currency, amount_minor=checked,
                        issued_by=me, issued_at=now,
                        expires_at=policy.coupon_expires_at(policy.rules_for(rt.settings), now))
        session.add(coupon)
        details.update(coupon_minor=checked, expires_at=coupon.expires_at.isoformat())
        await notices.tell_member(session, rt, claim, member, "coupon", review.version,
                                  amount=notices.money(claim, checked),
                                  expires=coupon.expires_at)
    elif action in reship.KINDS:  # goods, not money: nothing refunded, the cap untouched
        row = await reship.create(session, rt, claim, action, reviewer, now)
        details.update(order_id=row.reship_order_id, note=note)
        await notices.tell_member(session, rt, claim, member, STATUS_AFTER[action],
                                  review.version, order=row.reship_order_id,
                                  note=notices.note_line(note))
    elif action == REJECT:
        details.update(reason=reason, note=note)
        span = policy.window_span(policy.rules_for(rt.settings),
                                  perishable(await order_of(session, claim)))
        await notices.tell_member(session, rt, claim, member, "rejected", review.version,
                                  buttons=[*notices.service_button(rt),
                                           *notices.unhappy_button(claim)],
                                  why=notices.reject_reason(reason or "no_evidence", span),
                                  note=notices.note_line(note))
    else:
        details.update(note=note)
        await notices.tell_member(
            session, rt, claim, member, "more_photos", review.version,
            buttons=[("reviews.member.add_photos_button", f"cl:more:{claim.id}")],
            note=notices.note_line(note))
    records.audit(session, claim.id, reviewer, "auto_approved" if auto else action, now,
                  **details)
    await aftercare_ratings.after_claim_decided(session, rt, claim, member, action)
    return Allowed.of(action=action, claim=claim.id)


async def _amounts(rt: Runtime, claim: Claim, lines: list[Line], action: str,
                   amount: str | Decimal | None, reason: str | None):
    """(shares per line, how, checked): ``checked`` is a Refusal when the input is refused,
    the coupon amount in minor units for a coupon, else None."""
    cur = claim.currency
    if action == APPROVE:
        shares = [min(x.computed, x.cap) for x in lines]
        if sum(shares) <= 0:
            return [], "", _no("nothing_left")
        return shares, "computed", None
    if action == ADJUST:
        cap = adjust_cap(claim, lines)
        check = validate_adjusted_amount(amount if amount is not None else "", cap, cur)
        if not check.ok:
            return [], "", check
        if not (reason or "").strip():
            return [], "", _no("reason_missing")
        wanted = to_minor(check.params["amount"], cur)
        shares = split_amount(wanted, [x.computed for x in lines], [x.cap for x in lines])
        return shares, "adjusted", None
    if action == COUPON:
        value = Decimal(str(amount)) if amount is not None else Decimal(-1)
        decision = policy.check_coupon_amount(policy.rules_for(rt.settings), value)
        if not decision.ok:
            return [], "", _no(decision.code, **dict(decision.params))
        return [], "", to_minor(value, cur)
    if action == REJECT and reason not in REJECT_REASONS:
        return [], "", _no("reason_unknown")
    return [], "", None


async def _refund(session: AsyncSession, rt: Runtime, claim: Claim, lines: list[Line],
                  shares: list[int], how: str, reason: str | None, reviewer: Member | None,
                  auto: bool, now: datetime) -> Refund:
    rules = policy.rules_for(rt.settings)
    refund = Refund(
        claim_id=claim.id, community_id=claim.community_id, member_id=claim.member_id,
        currency=claim.currency, amount_minor=sum(shares), computed_minor=claim.refund_minor,
        how="auto" if auto else how, adjust_reason=reason if how == "adjusted" else None,
        lines={str(x.order_item_id): s for x, s in zip(lines, shares, strict=True) if s},
        auto=auto, decided_by=reviewer.id if reviewer else None, decided_at=now,
        payout_due_at=policy.payout_due_at(rules, now), status=REFUND_DUE,
    )
    session.add(refund)
    try:
        await session.flush()
        for x, share in zip(lines, shares, strict=True):
            if share:
                await session.execute(
                    update(OrderItem).where(OrderItem.id == x.order_item_id)
                    .values(refunded_minor=OrderItem.refunded_minor + share)
                    .execution_options(synchronize_session=False))
    except IntegrityError as exc:  # the CHECK on order_items, or a second refund row
        raise OverRefund(str(exc.orig)) from exc
    return refund


async def already(session: AsyncSession, claim: Claim) -> Refusal:
    """Who decided this claim and when (for a double tap, a race or a stale card)."""
    review = await records.review_of(session, claim.id)
    if review is not None:
        await session.refresh(review)
    by = await records.name_of(session, review.decided_by) if review else ""
    return _no("already_decided", claim=claim.id, status=claim.status,
               name=by, at=review.decided_at if review else None,
               auto=bool(review and review.auto))


async def order_of(session: AsyncSession, claim: Claim) -> Order:
    order = await session.get(Order, claim.order_id)
    assert order is not None
    return order
