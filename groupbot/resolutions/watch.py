"""The logistics watch: parcels that do not arrive.

A shipped order with no delivery after its courier's stall hours (the policy's
``parcel_stall_hours``, default 72, or ``courier_stall_hours``) gets a ``parcel_watch`` row and
its member is told we are checking with the courier, before they have to ask, with a
还没收到 button that opens a missing-parcel claim. The storefront's delivery exceptions (lost,
returned to sender, delayed) land on the same row and tell the member too. Organizers read
the list with ``/stalled``; anyone reads their own parcel with ``/track N``.

The periodic job claims in-transit orders with ``FOR UPDATE SKIP LOCKED`` (one process
flags each parcel once: the row is unique per order and written in the claiming
transaction).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from groupbot import claims, notify, policy, texts
from groupbot.claiming import claimable
from groupbot.models import Claim, ClaimEvent, ClaimItem, ClaimReview, Member, Order, Shipment
from groupbot.models.claims import CLAIM_PENDING
from groupbot.models.orders import ORDER_SHIPPED
from groupbot.models.resolutions import ParcelWatch
from groupbot.money import to_minor
from groupbot.notify import Sender
from groupbot.refusal import Refusal
from groupbot.runtime import Runtime

REASON = policy.Reason.NOT_ARRIVED.value


def _rules(rt: Runtime) -> policy.PolicyRules:
    return policy.rules_for(rt.settings)


def courier_of(order: Order) -> Shipment | None:
    return order.shipments[-1] if order.shipments else None


async def watch_of(session: AsyncSession, order_id: int) -> ParcelWatch | None:
    return await session.scalar(select(ParcelWatch).where(ParcelWatch.order_id == order_id))


async def _watch_row(session: AsyncSession, rt: Runtime, order: Order) -> ParcelWatch:
    row = await watch_of(session, order.id)
    if row is None:
        row = ParcelWatch(community_id=rt.community_id, order_id=order.id)
        session.add(row)
    return row


def _missing_button(order: Order) -> list[list[tuple[texts.Text, str]]]:
    return [[(texts.text("resolutions.watch.not_arrived_button"), f"rs:nr:{order.id}")]]


async def stall_watch(rt: Runtime, sender: Sender) -> None:
    """Flag the parcels past their courier's stall hours (each once) and tell their members."""
    rules = _rules(rt)
    now = rt.clock.now()
    bound = now - timedelta(hours=policy.shortest_stall_hours(rules))
    async with rt.tx() as session:
        flagged = select(ParcelWatch.order_id).where(ParcelWatch.stalled_at.is_not(None))
        candidates = await session.scalars(claimable(
            select(Order).where(Order.community_id == rt.community_id,
                                Order.status == ORDER_SHIPPED, Order.shipped_at <= bound,
                                Order.id.not_in(flagged))
            .order_by(Order.shipped_at, Order.id).limit(200), of=Order))
        for order in list(candidates):
            shipment = courier_of(order)
            courier = shipment.courier if shipment else None
            assert order.shipped_at is not None
            if policy.stalled_since(rules, courier, order.shipped_at) > now:
                continue
            try:  # another process may flag it first: its row wins, this one skips it
                async with session.begin_nested():
                    row = await _watch_row(session, rt, order)
                    row.stalled_at = now
                    await session.flush()
            except IntegrityError:
                continue
            member = await session.get(Member, order.member_id)
            assert member is not None
            await notify.enqueue(session, rt, notify.Outgoing(
                key=f"order:{order.id}:stalled", kind="order_stalled",
                chat_id=member.telegram_id, member_id=member.id, order_id=order.id,
                message=texts.text(
                    "resolutions.watch.stalled", order=order.id,
                    courier=courier or "", tracking=shipment.tracking_number if shipment else "",
                    hours=policy.stall_hours_for(rules, courier)),
                buttons=_missing_button(order)))


async def record_exception(session: AsyncSession, rt: Runtime, order: Order, kind: str,
                           note: str | None) -> bool:
    """The storefront reports a delivery exception; False when it already said just this."""
    row = await _watch_row(session, rt, order)
    if row.exception == kind and (row.note or None) == (note or None):
        return False
    now = rt.clock.now()
    row.exception, row.exception_at, row.note = kind, now, note or None
    member = await session.get(Member, order.member_id)
    assert member is not None
    await notify.enqueue(session, rt, notify.Outgoing(
        key=f"order:{order.id}:exception:{kind}:{uuid.uuid4().hex[:8]}",
        kind="order_exception", chat_id=member.telegram_id, member_id=member.id,
        order_id=order.id,
        message=texts.text(f"resolutions.watch.exception.{kind}", order=order.id,
                           note=texts.text("resolutions.watch.note", note=note) if note else ""),
        buttons=_missing_button(order) if kind in ("lost", "returned") else None))
    return True


async def open_parcel_claim(session: AsyncSession, rt: Runtime, member: Member,
                            order: Order) -> Refusal | tuple[Claim, bool]:
    """还没收到: a claim for the whole parcel, straight to the reviewers (no photo can show a
    parcel that never came). (claim, created); a second tap finds the first claim."""
    if order.member_id != member.id:
        return Refusal.of("not_your_order")
    existing = await session.scalar(select(Claim).where(
        Claim.order_id == order.id, Claim.reason == REASON).order_by(Claim.id.desc()).limit(1))
    if existing is not None and existing.status != "rejected":
        return existing, False
    row = await watch_of(session, order.id)
    shipment = courier_of(order)
    now = rt.clock.now()
    decision = policy.check_parcel_claim(
        _rules(rt), shipment.courier if shipment else None, order.shipped_at,
        order.delivered_at, bool(row and row.exception), now)
    if not decision.ok:
        return Refusal.of(decision.code, **dict(decision.params))
    rooms = [r for r in await claims.item_rooms(session, order) if r.available > 0]
    if not rooms or any(r.open_claim for r in rooms):
        return Refusal.of("open_claim_exists" if rooms else "nothing_left")
    money = await claims.quote(session, order, {str(r.item.id): r.available for r in rooms})
    claim = Claim(community_id=rt.community_id, order_id=order.id, member_id=member.id,
                  submission_key=f"parcel:{uuid.uuid4().hex}", status=CLAIM_PENDING,
                  reason=REASON, currency=order.currency,
                  refund_minor=to_minor(money.total, order.currency),
                  evidence={"checked": False, "photos": 0, "reused": []}, submitted_at=now,
                  review_due_at=policy.review_due_at(_rules(rt), now))
    session.add(claim)
    await session.flush()
    for line in money.lines:
        session.add(ClaimItem(claim_id=claim.id, order_item_id=int(line.line_id),
                              damaged_units=line.damaged_units,
                              amount_minor=to_minor(line.amount, order.currency)))
    session.add(ClaimReview(claim_id=claim.id, version=1, auto=False))
    session.add(ClaimEvent(claim_id=claim.id, actor_member_id=member.id, action="submitted",
                           details={"refund_minor": claim.refund_minor, "parcel": True},
                           at=now))
    await session.flush()
    await session.refresh(claim, ["items"])
    return claim, True


@dataclass(frozen=True)
class Tracked:
    order: Order
    courier: str | None
    tracking_number: str | None
    shipped_at: datetime | None
    since: timedelta | None  # time since shipping (until delivery when delivered)
    state: str  # placed | shipped | delivered | cancelled | stalled | lost | returned | delayed


async def track(session: AsyncSession, rt: Runtime, order: Order) -> Tracked:
    shipment = courier_of(order)
    row = await watch_of(session, order.id)
    state = order.status
    if order.status == ORDER_SHIPPED and row is not None:
        state = row.exception or ("stalled" if row.stalled_at else state)
    since = None
    if order.shipped_at is not None:
        since = (order.delivered_at or rt.clock.now()) - order.shipped_at
    return Tracked(order, shipment.courier if shipment else None,
                   shipment.tracking_number if shipment else None, order.shipped_at, since,
                   state)


async def stalled(session: AsyncSession, rt: Runtime, limit: int = 50) -> list[Tracked]:
    """Parcels still in transit that stalled or have a reported exception (oldest first)."""
    rows = await session.scalars(
        select(Order).join(ParcelWatch, ParcelWatch.order_id == Order.id)
        .where(Order.community_id == rt.community_id, Order.status == ORDER_SHIPPED,
               or_(ParcelWatch.stalled_at.is_not(None), ParcelWatch.exception.is_not(None)))
        .order_by(Order.shipped_at, Order.id).limit(limit))
    return [await track(session, rt, order) for order in rows]


def may_track(order: Order) -> bool:
    return order.shipped_at is not None and bool(order.shipments)

