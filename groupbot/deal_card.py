"""The deal card (接龙) in its group: drawn in the group's language, posted once after its deal
is committed (groupbot.posts), its live count edited at most every ``deal_card_edit_seconds``.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import messages
from groupbot import notify, policy, posts
from groupbot.claiming import claimable
from groupbot.models import DEAL_CLOSED, Deal, Group, Member, Order, Post
from groupbot.models.orders import ORDER_CANCELLED
from groupbot.money import fmt, from_minor
from groupbot.runtime import Runtime


async def entries(session: AsyncSession, deal: Deal) -> list[tuple[Member, int]]:
    rows = await session.execute(
        select(Member, Order)
        .join(Order, Order.member_id == Member.id)
        .where(Order.deal_id == deal.id, Order.status != ORDER_CANCELLED)
        .order_by(Order.placed_at, Order.id)
    )
    return [(member, sum(i.quantity for i in order.items)) for member, order in rows.all()]


async def card(session: AsyncSession, rt: Runtime, deal: Deal, locale: str) -> tuple[str, list]:
    """The deal card's text and buttons (none once closed)."""
    people = await entries(session, deal)
    price = fmt(from_minor(deal.unit_price_minor, deal.currency), deal.currency)
    unit = deal.product.unit
    lines = [messages.t(locale, "deals.card_title", product=deal.product.name)]
    lines.append(messages.t(locale, "deals.card_price", price=price, unit=unit))
    if deal.product.perishable:
        lines.append(messages.t(locale, "deals.card_perishable", hours=policy.rules_for(rt.settings).perishable_hours))
    if deal.per_member_limit:
        lines.append(messages.t(locale, "deals.card_limit", limit=deal.per_member_limit, unit=unit))
    if deal.stock is not None:
        lines.append(messages.t(locale, "deals.card_stock", left=deal.stock - deal.reserved,
                                unit=unit))
    closes = deal.closes_at.astimezone(rt.settings.tz).strftime("%m-%d %H:%M")
    key = "deals.card_closed" if deal.status == DEAL_CLOSED else "deals.card_closes"
    lines.append(messages.t(locale, key, when=closes))
    total = sum(q for _, q in people)
    lines.append("")
    lines.append(messages.t(locale, "deals.card_count", people=len(people), units=total, unit=unit))
    for n, (member, quantity) in enumerate(people, 1):
        lines.append(messages.t(locale, "deals.card_entry", n=n, name=member.full_name,
                                quantity=quantity, unit=unit))
    if deal.status == DEAL_CLOSED:
        return "\n".join(lines), []
    buttons = [
        [(messages.t(locale, "deals.join_button", quantity=1, unit=unit), f"deal:{deal.id}:j:1"),
         (messages.t(locale, "deals.join_button", quantity=2, unit=unit), f"deal:{deal.id}:j:2")],
        [(messages.t(locale, "deals.other_button"), rt.deep_link(f"d{deal.id}")),
         (messages.t(locale, "deals.cancel_button"), f"deal:{deal.id}:x")],
    ]
    return "\n".join(lines), buttons


# --- the card, posted once -------------------------------------------------------------------

CARD = "deal_card"


async def intend_card(session: AsyncSession, rt: Runtime, deal: Deal) -> Post:
    """Record, with the deal, that its card must be posted (after this commit, once)."""
    return await posts.intend(session, rt, key=_card_key(deal.id), kind=CARD,
                              chat_id=deal.card_chat_id, subject_id=deal.id)


def _card_key(deal_id: int) -> str:
    return f"deal:{deal_id}:card"


async def _draw_card(session: AsyncSession, rt: Runtime, post: Post) -> posts.Drawn | None:
    deal = await session.get(Deal, post.subject_id)
    if deal is None:
        return None
    # Always the group's language (finding 6: not the organizer's, then the group's).
    text, buttons = await card(session, rt, deal, await _deal_locale(session, rt, deal))
    return text, buttons, None


async def _card_posted(session: AsyncSession, rt: Runtime, post: Post, message_id: int) -> None:
    deal = await session.get(Deal, post.subject_id)
    if deal is not None:
        # A second copy (after a crash) is the one kept up to date; both copies' buttons work.
        deal.card_message_id = message_id


# Not posted again once its request has left (groupbot/posts.py): a second card in the group
# is noise every member sees. A card whose answer a crash cut has no message id yet; the
# first tap on it tells it (adopt_card), and from then on it is edited like any other.
posts.KINDS[CARD] = posts.PostKind(_draw_card, _card_posted, again_if_unanswered=False)


async def adopt_card(session: AsyncSession, rt: Runtime, deal_id: int, chat_id: int,
                     message_id: int) -> bool:
    """A tap on the deal's card in its group while the deal knows no card message: that is
    its card (posted, its answer lost to a crash). Recorded, and redrawn on the next refresh
    (its count may be behind). False when the deal already knows its card."""
    deal = await session.get(Deal, deal_id)
    if deal is None or deal.card_message_id is not None or deal.card_chat_id != chat_id:
        return False
    deal.card_message_id, deal.card_dirty = message_id, True
    post = await session.scalar(select(Post).where(Post.key == _card_key(deal_id)))
    if post is not None and post.message_id is None:
        post.message_id, post.sent_at, post.linked_at = message_id, rt.clock.now(), rt.clock.now()
    return True


async def refresh_cards(rt: Runtime, sender: notify.Sender) -> None:
    """Edit dirty cards, each at most once per ``deal_card_edit_seconds``."""
    now = rt.clock.now()
    quiet = timedelta(seconds=rt.settings.deal_card_edit_seconds)
    async with rt.tx() as session:
        deals = list(await session.scalars(claimable(select(Deal), of=Deal).where(
            Deal.community_id == rt.community_id, Deal.card_dirty.is_(True),
            Deal.card_message_id.is_not(None))))
        due = [d for d in deals if d.card_edited_at is None or now - d.card_edited_at >= quiet]
        for deal in due:
            deal.card_dirty, deal.card_edited_at = False, now
        rendered = [(d, *await card(session, rt, d, await _deal_locale(session, rt, d)))
                    for d in due]
    for deal, text, buttons in rendered:
        try:
            await sender.edit(deal.card_chat_id, deal.card_message_id, text, buttons)
        except notify.SendError:
            async with rt.tx() as session:  # try again on a later tick
                fresh = await session.get(Deal, deal.id)
                if fresh is not None:
                    fresh.card_dirty = True


async def _deal_locale(session: AsyncSession, rt: Runtime, deal: Deal) -> str:
    return group_locale(rt, await session.get(Group, deal.group_id))


def group_locale(rt: Runtime, group: Group | None) -> str:
    return messages.pick_locale(None, group.locale if group else None, rt.settings.default_locale)


