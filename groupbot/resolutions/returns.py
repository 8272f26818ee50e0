"""7-day no-reason returns of non-perishables (退货退款).

A return is a claim (reason ``changed_mind``, status ``return_open``) with a ``returns`` row:
the member picks 退货退款 within the policy's window, gets the return address, types the
return courier and number (checked against the courier's format where known), is reminded
once after ``return_reminder_days`` without one, and the organizer confirms receipt with
``/returned N``. Only then does the claim enter the reviewers' queue as ``pending_review``;
its refund is the claim's computed amount (the buyer pays the return shipping, so nothing is
added for it) and is approved, capped and paid exactly like any claim's — the same
``order_items.refunded_minor`` CHECK holds across claims and returns. A shipped return not
confirmed within ``return_confirm_days`` is escalated to the organizers once.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

import messages
from groupbot import claims, drafts, notify, orders, people, permissions, policy, texts
from groupbot.claiming import claimable
from groupbot.models import Claim, ClaimEvent, ClaimItem, ClaimReview, Member, Order
from groupbot.models.claims import CLAIM_PENDING
from groupbot.models.orders import ORDER_DELIVERED, ORDER_SHIPPED
from groupbot.models.resolutions import (
    CLAIM_RETURN_OPEN,
    RETURN_OPEN,
    RETURN_RECEIVED,
    RETURN_SHIPPED,
    ReturnRequest,
)
from groupbot.money import fmt, from_minor, to_minor
from groupbot.notify import Sender
from groupbot.orders import local_time
from groupbot.refusal import Refusal
from groupbot.resolutions import tracking
from groupbot.reviews import records
from groupbot.runtime import Runtime

KIND = "return"  # the draft that waits for the return courier and number
REASON = policy.Reason.CHANGED_MIND.value


def _rules(rt: Runtime) -> policy.PolicyRules:
    return policy.rules_for(rt.settings)


def may_return(rt: Runtime, order: Order) -> policy.Decision:
    """Whether /myorders offers 退货退款 (and /return N accepts it) now."""
    return policy.check_return(_rules(rt), orders.perishable(order), order.delivered_at,
                               order.shipped_at, rt.clock.now())


async def returnable(session: AsyncSession, order: Order) -> list[claims.ItemRoom]:
    return [r for r in await claims.item_rooms(session, order)
            if r.available > 0 and not r.open_claim]


async def start(session: AsyncSession, rt: Runtime, member: Member, order: Order,
                item_id: int) -> Refusal | tuple[Claim, ReturnRequest]:
    """Open a return of every unit still returnable on ``item_id``: a claim not yet in the
    queue, the return row with the address, and the draft that waits for the number."""
    if order.member_id != member.id:
        return Refusal.of("not_your_order")
    decision = may_return(rt, order)
    if not decision.ok:
        return decision
    rules = _rules(rt)
    if not rules.return_to:
        return Refusal.of("no_return_address")
    room = next((r for r in await returnable(session, order) if r.item.id == item_id), None)
    if room is None:
        return Refusal.of("nothing_left")
    now = rt.clock.now()
    if order.status == ORDER_SHIPPED:  # asking to return it says it arrived
        order.status, order.delivered_at = ORDER_DELIVERED, now
    money = await claims.quote(session, order, {str(item_id): room.available})
    claim = Claim(community_id=rt.community_id, order_id=order.id, member_id=member.id,
                  submission_key=f"return:{uuid.uuid4().hex}", status=CLAIM_RETURN_OPEN,
                  reason=REASON, currency=order.currency,
                  refund_minor=to_minor(money.total, order.currency), submitted_at=now,
                  review_due_at=policy.review_due_at(rules, now))
    session.add(claim)
    await session.flush()
    [line] = money.lines
    session.add(ClaimItem(claim_id=claim.id, order_item_id=item_id,
                          damaged_units=line.damaged_units,
                          amount_minor=to_minor(line.amount, order.currency)))
    back = ReturnRequest(community_id=rt.community_id, claim_id=claim.id, order_id=order.id,
                         member_id=member.id, status=RETURN_OPEN, address=rules.return_to,
                         requested_at=now)
    session.add(back)
    session.add(ClaimEvent(claim_id=claim.id, actor_member_id=member.id,
                           action="return_requested",
                           details={"refund_minor": claim.refund_minor,
                                    "items": {str(item_id): room.available}}, at=now))
    await drafts.begin(session, rt, member, KIND, "tracking", {"claim_id": claim.id})
    await notify.cancel(session, f"order:{order.id}:claim_reminder")
    await session.flush()
    await session.refresh(claim, ["items"])
    return claim, back


def opened_message(rt: Runtime, claim: Claim, back: ReturnRequest, order: Order) -> texts.Text:
    item = next(i for i in order.items if i.id == claim.items[0].order_item_id)
    return texts.text(
        "resolutions.return.opened", claim=claim.id, order=order.id,
        product=item.product.name, units=claim.items[0].damaged_units, unit=item.product.unit,
        amount=fmt(from_minor(claim.refund_minor, claim.currency), claim.currency),
        address=back.address, days=_rules(rt).return_remind_days)


async def of_claim(session: AsyncSession, rt: Runtime, claim_id: int) -> ReturnRequest | None:
    return await session.scalar(select(ReturnRequest).where(
        ReturnRequest.claim_id == claim_id, ReturnRequest.community_id == rt.community_id))


async def record_tracking(session: AsyncSession, rt: Runtime, member: Member, claim_id: int,
                          typed: str) -> Refusal | ReturnRequest:
    """The member's return courier and number (``顺丰 SF1234567890123``)."""
    back = await of_claim(session, rt, claim_id)
    if back is None or back.member_id != member.id:
        return Refusal.of("return_not_found", claim=claim_id)
    if back.status != RETURN_OPEN:
        return Refusal.of("return_already_shipped", claim=claim_id,
                          tracking=back.tracking_number or "")
    checked = tracking.parse(typed)
    if not checked.ok:
        return Refusal.of(checked.code, courier=checked.courier, number=checked.number)
    now = rt.clock.now()
    back.courier, back.tracking_number = checked.courier, checked.number
    back.status, back.shipped_at = RETURN_SHIPPED, now
    records.audit(session, claim_id, member, "return_shipped", now, courier=checked.courier,
                  tracking=checked.number)
    draft = await drafts.current(session, member, KIND)
    if draft is not None:
        await drafts.finish(session, draft)
    return back


async def ask_tracking_again(session: AsyncSession, rt: Runtime, member: Member,
                             claim_id: int) -> Refusal | ReturnRequest:
    """The reminder's button: wait for the number again (the draft may have been replaced)."""
    back = await of_claim(session, rt, claim_id)
    if back is None or back.member_id != member.id:
        return Refusal.of("return_not_found", claim=claim_id)
    if back.status != RETURN_OPEN:
        return Refusal.of("return_already_shipped", claim=claim_id,
                          tracking=back.tracking_number or "")
    await drafts.begin(session, rt, member, KIND, "tracking", {"claim_id": claim_id})
    return back


async def confirm_received(session: AsyncSession, rt: Runtime, organizer: Member | None,
                           claim_id: int) -> Refusal | tuple[ReturnRequest, Claim]:
    """``/returned N``: the goods are back. Once (a conditional update); the claim goes to
    the reviewers' queue with its refund, the member is told."""
    if (refused := await permissions.refuse(session, rt.settings, rt.community_id, organizer,
                                            permissions.CONFIRM_RETURN)) is not None:
        return refused
    back = await of_claim(session, rt, claim_id)
    if back is None:
        return Refusal.of("return_not_found", claim=claim_id)
    now = rt.clock.now()
    won = await session.execute(
        update(ReturnRequest).where(ReturnRequest.id == back.id,
                                    ReturnRequest.status != RETURN_RECEIVED)
        .values(status=RETURN_RECEIVED, received_at=now,
                received_by=organizer.id if organizer else None)
        .execution_options(synchronize_session=False))
    await session.refresh(back)
    if won.rowcount != 1:
        return Refusal.of("return_already_received", claim=claim_id,
                          at=back.received_at, name=await records.name_of(session,
                                                                          back.received_by))
    rules = _rules(rt)
    await session.execute(
        update(Claim).where(Claim.id == claim_id, Claim.status == CLAIM_RETURN_OPEN)
        .values(status=CLAIM_PENDING, review_due_at=policy.review_due_at(rules, now))
        .execution_options(synchronize_session=False))
    claim = await session.get(Claim, claim_id, populate_existing=True)
    assert claim is not None
    session.add(ClaimReview(claim_id=claim.id, version=1, auto=False))
    records.audit(session, claim.id, organizer, "return_received", now)
    member = await session.get(Member, claim.member_id)
    assert member is not None
    await notify.enqueue(session, rt, notify.Outgoing(
        key=f"return:{back.id}:received", kind="return_received",
        chat_id=member.telegram_id, member_id=member.id, order_id=claim.order_id,
        message=texts.text(
            "resolutions.return.received", claim=claim.id,
            amount=fmt(from_minor(claim.refund_minor, claim.currency), claim.currency),
            due=local_time(rt, claim.review_due_at), payout_days=rules.payout_days)))
    await notify.cancel(session, f"return:{back.id}:remind")
    return back, claim


def _due(rt: Runtime, status: str, done: Any, since: Any, cutoff: datetime) -> Any:
    """Returns in ``status`` whose ``done`` mark is unset and ``since`` is past ``cutoff``,
    oldest first, claimed for this process (SKIP LOCKED)."""
    return claimable(select(ReturnRequest).where(
        ReturnRequest.community_id == rt.community_id, ReturnRequest.status == status,
        done.is_(None), since <= cutoff).order_by(since).limit(100))


async def remind_due(rt: Runtime, sender: Sender) -> None:
    """Remind, once, a member who has not given the return's tracking number in time."""
    async with rt.tx() as session:
        cutoff = rt.clock.now() - timedelta(days=_rules(rt).return_remind_days)
        due = await session.scalars(_due(rt, RETURN_OPEN, ReturnRequest.reminded_at,
                                         ReturnRequest.requested_at, cutoff))
        for back in list(due):
            back.reminded_at = rt.clock.now()
            member = await session.get(Member, back.member_id)
            assert member is not None
            await notify.enqueue(session, rt, notify.Outgoing(
                key=f"return:{back.id}:remind", kind="return_reminder",
                chat_id=member.telegram_id, member_id=member.id, order_id=back.order_id,
                message=texts.text("resolutions.return.reminder", claim=back.claim_id,
                                   address=back.address),
                buttons=[[(texts.text("resolutions.return.tracking_button"),
                           f"rs:rtt:{back.claim_id}")]]))


async def escalate_due(rt: Runtime, sender: Sender) -> None:
    """A return on its way back for ``return_confirm_days`` and not confirmed: organizers."""
    async with rt.tx() as session:
        cutoff = rt.clock.now() - timedelta(days=_rules(rt).return_escalate_days)
        due = await session.scalars(_due(rt, RETURN_SHIPPED, ReturnRequest.escalated_at,
                                         ReturnRequest.shipped_at, cutoff))
        found = list(due)
        organizers = await people.organizers_reachable(session, rt) if found else []
        for back in found:
            back.escalated_at = rt.clock.now()
            member = await session.get(Member, back.member_id)
            assert member is not None
            for organizer in organizers:
                await notify.enqueue(session, rt, notify.Outgoing(
                    key=f"return:{back.id}:escalated:{organizer.id}", kind="return_escalated",
                    chat_id=organizer.telegram_id, member_id=organizer.id,
                    order_id=back.order_id,
                    message=texts.text(
                        "resolutions.return.escalated", claim=back.claim_id,
                        order=back.order_id, courier=back.courier or "",
                        tracking=back.tracking_number or "",
                        shipped=local_time(rt, back.shipped_at) if back.shipped_at else "",
                        days=_rules(rt).return_escalate_days,
                        member=texts.Safe(messages.mention(member.telegram_id,
                                                           member.full_name)))))
