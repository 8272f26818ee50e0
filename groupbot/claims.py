"""Refund claims: the guided draft, the checks, the money, submission and the audit trail.

The draft (groupbot.drafts, kind "claim") carries the member's answers step by step:
``order_id``, ``items`` ({order_item_id: damaged units}), ``reason``, ``description`` and
``photos``. Every rule comes from groupbot.policy and every amount from groupbot.refunds;
this module only puts them together with the database.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from groupbot import drafts, notify, orders, policy, texts
from groupbot.models import (
    Claim,
    ClaimEvent,
    ClaimItem,
    ClaimPhoto,
    ClaimReview,
    Draft,
    Member,
    Order,
)
from groupbot.models.claims import CLAIM_PENDING, CLAIM_REJECTED, OPEN_STATUSES
from groupbot.models.orders import ORDER_DELIVERED, ORDER_SHIPPED, OrderItem
from groupbot.money import from_minor, to_minor
from groupbot.refunds import ClaimLineInput, ClaimQuote, quote_claim
from groupbot.refusal import Allowed, Refusal
from groupbot.reviews.evidence import evidence_for
from groupbot.runtime import Runtime

KIND = "claim"


def rules(rt: Runtime) -> policy.PolicyRules:
    return policy.rules_for(rt.settings)


def perishable(order: Order) -> bool:
    return orders.perishable(order)


def _delivered(rt: Runtime, order: Order) -> datetime | None:
    """When the window starts (a shipped order's starts on the member's receipt report)."""
    return policy.effective_delivery_time(
        order.delivered_at, order.shipped_at,
        rt.clock.now() if order.status == ORDER_SHIPPED else None)


def window_decision(rt: Runtime, order: Order) -> policy.Decision:
    """Whether this order may be claimed now (a shipped order's window starts on receipt)."""
    return orders.claim_window(rt, order)


async def orders_to_claim(
    session: AsyncSession, rt: Runtime, member: Member
) -> list[tuple[Order, policy.Decision]]:
    """The member's orders with whether each can be claimed; delivered ones first."""
    rows = await session.scalars(
        select(Order)
        .where(Order.member_id == member.id, Order.community_id == rt.community_id)
        .where(Order.status.in_([ORDER_DELIVERED, ORDER_SHIPPED]))
        .order_by(Order.delivered_at.desc().nulls_last(), Order.id.desc())
        .limit(8)
    )
    return [(order, window_decision(rt, order)) for order in rows]


@dataclass(frozen=True)
class ItemRoom:
    """What is still claimable on an order item."""

    item: OrderItem
    already_claimed: int
    already_refunded_minor: int
    open_claim: bool

    @property
    def available(self) -> int:
        return self.item.quantity - self.already_claimed


async def item_rooms(session: AsyncSession, order: Order) -> list[ItemRoom]:
    claimed = dict(
        (
            await session.execute(
                select(ClaimItem.order_item_id, func.sum(ClaimItem.damaged_units))
                .join(Claim, Claim.id == ClaimItem.claim_id)
                .where(Claim.order_id == order.id, Claim.status != CLAIM_REJECTED)
                .group_by(ClaimItem.order_item_id)
            )
        ).all()
    )
    open_items = set(
        await session.scalars(
            select(ClaimItem.order_item_id)
            .join(Claim, Claim.id == ClaimItem.claim_id)
            .where(Claim.order_id == order.id, Claim.status.in_(OPEN_STATUSES))
        )
    )
    return [
        ItemRoom(item, int(claimed.get(item.id) or 0), item.refunded_minor, item.id in open_items)
        for item in order.items
    ]


async def begin(
    session: AsyncSession, rt: Runtime, member: Member, order: Order
) -> policy.Decision | Draft:
    """Start a claim on ``order`` (or return the refusal)."""
    if order.member_id != member.id:
        return Refusal.of("not_your_order")
    decision = window_decision(rt, order)
    if not decision.ok:
        return decision
    if order.status == ORDER_SHIPPED:
        # Starting a claim is the member's report that the parcel arrived: the window starts.
        order.status, order.delivered_at = ORDER_DELIVERED, rt.clock.now()
    rooms = await item_rooms(session, order)
    if all(r.open_claim or r.available <= 0 for r in rooms):
        code = "open_claim_exists" if any(r.open_claim for r in rooms) else "nothing_left"
        return Refusal.of(code)
    return await drafts.begin(
        session, rt, member, KIND, "items",
        {"order_id": order.id, "items": {}, "reason": None, "description": None, "photos": [],
         # Names this claim-to-be: a double tap on submit finds the claim it already made.
         # Not the draft's id: SQLite reuses the id of a deleted draft.
         "submission": uuid.uuid4().hex},
    )


async def choose_units(
    session: AsyncSession, rt: Runtime, draft: Draft, order: Order, item_id: int, units: int
) -> policy.Decision:
    room = next((r for r in await item_rooms(session, order) if r.item.id == item_id), None)
    if room is None:
        return Refusal.of("units_not_positive")
    if room.open_claim:
        return policy.check_open_claims(True)
    decision = policy.check_units(room.item.quantity, room.already_claimed, units)
    if decision.ok:
        drafts.advance(rt, draft, items={**draft.data["items"], str(item_id): units})
    return decision


def choose_reason(rt: Runtime, draft: Draft, order: Order, reason: str) -> policy.Decision:
    decision = policy.check_reason(rules(rt), perishable(order), reason)
    if decision.ok:  # damage reasons ask 外包装是否完好？ first (courier or supplier)
        drafts.advance(rt, draft, "packaging" if policy.asks_packaging(reason) else "description",
                       reason=reason, packaging=None)
    return decision


def set_packaging(rt: Runtime, draft: Draft, answer: str) -> bool:
    """The member's answer to 外包装是否完好？ (intact / damaged / photo)."""
    if answer not in policy.PACKAGING_ANSWERS or not policy.asks_packaging(draft.data["reason"]):
        return False
    drafts.advance(rt, draft, "description", packaging=answer)
    return True


def set_description(rt: Runtime, draft: Draft, text: str | None) -> policy.Decision:
    """Keep the member's words whole, or refuse a text over the limit (the step stays)."""
    text = (text or "").strip()
    decision = policy.check_description(rules(rt), text)
    if decision.ok:
        drafts.advance(rt, draft, "photos", description=text or None)
    return decision


def photo_room(rt: Runtime, draft: Draft) -> int:
    return rules(rt).max_photos - len(draft.data["photos"])


def add_photo(rt: Runtime, draft: Draft, photo: dict[str, Any]) -> policy.Decision:
    photos = list(draft.data["photos"])
    if any(p["file_unique_id"] == photo["file_unique_id"] for p in photos):
        return Refusal.of("photo_duplicate")
    if len(photos) >= rules(rt).max_photos:
        return policy.check_photos(rules(rt), len(photos) + 1)
    drafts.advance(rt, draft, photos=[*photos, photo])
    return Allowed.of(count=len(photos) + 1)


def remove_last_photo(rt: Runtime, draft: Draft) -> int:
    photos = list(draft.data["photos"])[:-1]
    drafts.advance(rt, draft, photos=photos)
    return len(photos)


async def quote(session: AsyncSession, order: Order, chosen: dict[str, int]) -> ClaimQuote:
    rooms = {r.item.id: r for r in await item_rooms(session, order)}
    lines = [
        ClaimLineInput(
            line_id=int(item_id),
            paid_line=from_minor(rooms[int(item_id)].item.paid_minor, order.currency),
            quantity=rooms[int(item_id)].item.quantity,
            damaged_units=units,
            units_already_refunded=rooms[int(item_id)].already_claimed,
            amount_already_refunded=from_minor(
                rooms[int(item_id)].already_refunded_minor, order.currency),
        )
        for item_id, units in sorted(chosen.items())
    ]
    return quote_claim(lines, order.currency)


def ready(rt: Runtime, draft: Draft) -> policy.Decision:
    """Everything the policy needs before submitting."""
    data = draft.data
    if not data["items"]:
        return Refusal.of("units_not_positive")
    if not data["reason"]:
        return Refusal.of("reason_unknown")
    return policy.check_photos(rules(rt), len(data["photos"]))


async def submit(
    session: AsyncSession, rt: Runtime, member: Member, draft: Draft, evidence: dict | None = None
) -> tuple[Claim, bool] | policy.Decision:
    """Turn the draft into a claim. (claim, created); a repeated submit returns the same one."""
    key = (f"claim:{draft.data['submission']}" if draft.data.get("submission")
           else f"draft:{draft.id}:{draft.updated_at.timestamp():.0f}")  # drafts begun earlier
    existing = await session.scalar(select(Claim).where(Claim.submission_key == key))
    if existing is not None:
        return existing, False
    order = await session.get(Order, draft.data["order_id"])
    assert order is not None
    rooms = {r.item.id: r for r in await item_rooms(session, order)}
    facts = policy.ClaimFacts(
        perishable=perishable(order), delivered_at=_delivered(rt, order),
        shipped=order.shipped_at is not None, now=rt.clock.now(), reason=draft.data["reason"],
        photos=len(draft.data["photos"]),
        lines=tuple(policy.ClaimLineFacts(
            rooms[int(item_id)].item.quantity, rooms[int(item_id)].already_claimed, units,
            rooms[int(item_id)].open_claim) for item_id, units in draft.data["items"].items()))
    decision = policy.judge_claim(rules(rt), facts)  # one call, with every fact
    if not decision.ok:
        return decision
    money = await quote(session, order, draft.data["items"])
    now = rt.clock.now()
    claim = Claim(
        community_id=rt.community_id, order_id=order.id, member_id=member.id,
        submission_key=key, status=CLAIM_PENDING, reason=draft.data["reason"],
        description=draft.data["description"], currency=order.currency,
        refund_minor=to_minor(money.total, order.currency), evidence=evidence,
        packaging=draft.data.get("packaging"), submitted_at=now, review_due_at=policy.review_due_at(rules(rt), now),
    )
    session.add(claim)
    await session.flush()
    for line in money.lines:
        session.add(ClaimItem(claim_id=claim.id, order_item_id=int(line.line_id),
                              damaged_units=line.damaged_units,
                              amount_minor=to_minor(line.amount, order.currency)))
    photos = [ClaimPhoto(claim_id=claim.id, community_id=rt.community_id,
                         position=position, file_id=photo["file_id"],
                         file_unique_id=photo["file_unique_id"],
                         phash=photo.get("phash"), findings=photo.get("findings"))
              for position, photo in enumerate(draft.data["photos"], 1)]
    session.add_all(photos)
    await session.flush()
    # The reviewers' card reads the claim-level verdict and re-used photos from here.
    claim.evidence = evidence or await evidence_for(
        session, rt.community_id, claim.id, photos, order.id,
        goods_required=policy.goods_photo_needed(claim.reason))
    session.add(ClaimReview(claim_id=claim.id, version=1, auto=False))
    session.add(ClaimEvent(claim_id=claim.id, actor_member_id=member.id, action="submitted",
                           details={"refund_minor": claim.refund_minor,
                                    "items": draft.data["items"]}, at=now))
    await drafts.finish(session, draft)
    await notify.cancel(session, f"order:{order.id}:claim_reminder")
    await session.flush()
    await session.refresh(claim, ["items", "photos"])
    return claim, True


async def member_claims(session: AsyncSession, member: Member, limit: int = 10) -> list[Claim]:
    rows = await session.scalars(
        select(Claim).where(Claim.member_id == member.id)
        .order_by(Claim.submitted_at.desc(), Claim.id.desc()).limit(limit)
    )
    return list(rows)


async def idle_out(rt: Runtime, sender: notify.Sender) -> None:
    """Close claim conversations after the silence timeout; the draft is kept."""
    async with rt.tx() as session:
        found = await drafts.idle_out(session, rt, KIND)
        for _draft, member in found:
            await notify.enqueue(session, rt, notify.Outgoing(
                key=f"draft:{_draft.id}:idle:{_draft.updated_at.timestamp():.0f}",
                kind="claim_idle", chat_id=member.telegram_id, member_id=member.id,
                message=texts.text("claims.idle_closed")))


async def _reminder_still_wanted(session: AsyncSession, row: Any, rt: Runtime) -> bool:
    """The claim-window reminder is pointless once a claim was filed or the window closed
    (e.g. the bot was down when it was due)."""
    if row.order_id is None:
        return True
    order = await session.get(Order, row.order_id)
    if order is None or order.delivered_at is None:
        return False
    if not window_decision(rt, order).ok:
        return False
    filed = await session.scalar(select(Claim.id).where(Claim.order_id == row.order_id).limit(1))
    return filed is None


notify.STILL_WANTED["order_claim_reminder"] = _reminder_still_wanted
