"""The summary card pinned at the top of a member's topic: who they are, what they bought, their
claims (status, amounts, evidence sheet), coupons and earlier conversations with ratings — so
the next agent never makes the member repeat the problem."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import messages
from groupbot.aftercare import history as aftercare_history
from groupbot.desk.records import desk_locale, desk_name
from groupbot.models import Claim, Coupon, Member, Order, Refund, ReviewCard
from groupbot.models.desk import CONV_CLOSED, Conversation, DeskTopic
from groupbot.money import fmt, from_minor
from groupbot.runtime import Runtime

RECENT = 5


def _day(rt: Runtime, when: datetime) -> str:
    return when.astimezone(rt.settings.tz).strftime("%m-%d")


def _sheet_link(card: ReviewCard | None) -> str:
    """A link to the claim's card in the reviewers' supergroup (t.me/c/… works for members)."""
    if card is None or not str(card.chat_id).startswith("-100"):
        return ""
    return f"https://t.me/c/{str(card.chat_id)[4:]}/{card.message_id}"


async def render_card(session: AsyncSession, rt: Runtime, topic_id: int) -> str:
    locale = desk_locale(rt)

    def t(key: str, **values: object) -> str:
        return messages.t(locale, f"desk.card.{key}", **values)

    topic = await session.get(DeskTopic, topic_id)
    assert topic is not None
    member = await session.get(Member, topic.member_id)
    assert member is not None
    convs = list(await session.scalars(select(Conversation).where(
        Conversation.topic_id == topic_id).order_by(Conversation.id.desc())))
    lines = [t("title", member=messages.mention(member.telegram_id, member.full_name),
               username=f"@{member.username}" if member.username else "—")]
    if convs:
        current = convs[0]
        state = messages.t(locale, f"desk.state.{current.state}")
        agent = await desk_name(session, current.agent_id) or "—"
        lines.append(t("current", number=current.id, state=state, agent=agent,
                       opened=_day(rt, current.opened_at)))
        if current.transfer_note:
            lines.append(t("transfer_note", note=current.transfer_note))
    orders = list(await session.scalars(select(Order).where(Order.member_id == member.id)
                                        .order_by(Order.id.desc()).limit(RECENT)))
    lines.append(t("orders"))
    for order in orders:
        goods = "、".join(f"{i.product.name}×{i.quantity}" for i in order.items)
        paid = sum(i.paid_minor for i in order.items)
        lines.append(t("order", number=order.id, day=_day(rt, order.placed_at),
                       status=messages.t(locale, f"orders.status.{order.status}"), goods=goods,
                       paid=fmt(from_minor(paid, order.currency), order.currency)))
    if not orders:
        lines.append(t("none"))
    claims = list(await session.scalars(select(Claim).where(Claim.member_id == member.id)
                                        .order_by(Claim.id.desc()).limit(RECENT)))
    lines.append(t("claims"))
    for claim in claims:
        refund = await session.scalar(select(Refund).where(Refund.claim_id == claim.id))
        card = await session.scalar(select(ReviewCard).where(ReviewCard.claim_id == claim.id)
                                    .order_by(ReviewCard.id).limit(1))
        status = messages.t(locale, f"claims.status.{claim.status}") if messages.has(
            locale, f"claims.status.{claim.status}") else claim.status
        asked = fmt(from_minor(claim.refund_minor, claim.currency), claim.currency)
        granted = fmt(from_minor(refund.amount_minor, refund.currency), refund.currency) \
            if refund else "—"
        link = _sheet_link(card)
        lines.append(t("claim", number=claim.id, status=status, asked=asked, granted=granted,
                       order=claim.order_id, photos=len(claim.photos)))
        if link:
            lines.append(t("sheet", link=link))
    if not claims:
        lines.append(t("none"))
    coupons = list(await session.scalars(select(Coupon).where(Coupon.member_id == member.id)
                                         .order_by(Coupon.id.desc()).limit(RECENT)))
    lines.append(t("coupons"))
    for coupon in coupons:
        state = t("coupon_used") if coupon.redeemed_at else t("coupon_open",
                                                              until=_day(rt, coupon.expires_at))
        lines.append(t("coupon", amount=fmt(from_minor(coupon.amount_minor, coupon.currency),
                                            coupon.currency), state=state))
    if not coupons:
        lines.append(t("none"))
    lines += await aftercare_history.of_member(session, rt, member.id, locale)
    earlier = [c for c in convs if c.state == CONV_CLOSED][:RECENT]
    lines.append(t("earlier"))
    for conv in earlier:
        lines.append(t("conversation", number=conv.id, day=_day(rt, conv.opened_at),
                       agent=await desk_name(session, conv.agent_id) or "—",
                       rating=conv.rating or "—",
                       closed_by=messages.t(locale, f"desk.closed_by.{conv.closed_by}")))
    if not earlier:
        lines.append(t("none"))
    return "\n".join(lines)
