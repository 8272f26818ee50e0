"""Coupons: issued by a reviewer for a small flaw, redeemed once on a later order."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from groupbot import policy
from groupbot.models import ClaimEvent, Coupon, Member
from groupbot.money import from_minor, to_minor
from groupbot.refunds import allocate_coupon
from groupbot.runtime import Runtime


def choices(rt: Runtime) -> list[Decimal]:
    """The amounts offered as buttons: the policy's minimum, middle and maximum."""
    return policy.coupon_choices(policy.rules_for(rt.settings))


async def usable(session: AsyncSession, rt: Runtime, member: Member) -> Coupon | None:
    """The member's coupon that expires first and is still good now."""
    return await session.scalar(
        select(Coupon).where(
            Coupon.community_id == rt.community_id, Coupon.member_id == member.id,
            Coupon.redeemed_order_id.is_(None), Coupon.expires_at > rt.clock.now(),
            Coupon.currency == rt.settings.currency)
        .order_by(Coupon.expires_at, Coupon.id).limit(1))


async def take_for_order(
    session: AsyncSession, rt: Runtime, member: Member, order_total: Decimal
) -> tuple[Coupon, Decimal] | None:
    """Reserve the member's coupon for an order of ``order_total`` (before discounts are
    spread over the lines): (coupon, amount applied). Call :func:`attach` once the order has
    an id. Nothing is reserved for an order of zero."""
    coupon = await usable(session, rt, member)
    if coupon is None or order_total <= 0:
        return None
    use = allocate_coupon(order_total, from_minor(coupon.amount_minor, coupon.currency),
                          coupon.currency)
    return (coupon, use.applied) if use.applied > 0 else None


async def attach(session: AsyncSession, rt: Runtime, coupon: Coupon, order_id: int,
                 applied: Decimal) -> bool:
    """Mark the coupon redeemed by the order; False if another order took it first."""
    now = rt.clock.now()
    done = await session.execute(
        update(Coupon).where(Coupon.id == coupon.id, Coupon.redeemed_order_id.is_(None))
        .values(redeemed_order_id=order_id, redeemed_at=now,
                applied_minor=to_minor(applied, coupon.currency))
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        return False
    if coupon.claim_id is not None:  # the claim's audit trail shows where its coupon went
        session.add(ClaimEvent(claim_id=coupon.claim_id, actor_member_id=coupon.member_id,
                               action="coupon_redeemed", at=now,
                               details={"order_id": order_id,
                                        "amount_minor": to_minor(applied, coupon.currency)}))
    return True


async def of_order(session: AsyncSession, order_id: int) -> Coupon | None:
    # populate_existing: attach() redeems with a bulk UPDATE the loaded object doesn't see.
    return await session.scalar(select(Coupon).where(Coupon.redeemed_order_id == order_id)
                                .execution_options(populate_existing=True))


async def release(session: AsyncSession, rt: Runtime, coupon: Coupon) -> None:
    """The order that used the coupon was changed or cancelled: the member gets it back
    (it may be taken again by the same order's new price)."""
    if coupon.claim_id is not None:
        session.add(ClaimEvent(claim_id=coupon.claim_id, actor_member_id=coupon.member_id,
                               action="coupon_released", at=rt.clock.now(),
                               details={"order_id": coupon.redeemed_order_id}))
    coupon.redeemed_order_id, coupon.redeemed_at, coupon.applied_minor = None, None, None
    await session.flush()
