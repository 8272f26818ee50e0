"""Who gets a broadcast: all groups, chosen groups, members who started the bot, the members
who ordered from a deal, or everyone. Resolved when sending starts (later joiners included)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from groupbot.models import Deal, Group, Member, Order
from groupbot.models.orders import ORDER_CANCELLED
from groupbot.people import active_groups
from groupbot.runtime import Runtime

ALL_GROUPS = "all_groups"
GROUPS = "groups"
MEMBERS = "members"
DEAL = "deal"
EVERYONE = "everyone"
KINDS = (ALL_GROUPS, GROUPS, MEMBERS, DEAL, EVERYONE)


@dataclass(frozen=True)
class Recipient:
    key: str  # "g:<group id>" / "m:<member id>", unique per broadcast
    chat_id: int


@dataclass(frozen=True)
class Reach:
    """How many would get it now (for the preview), and who cannot be reached privately."""

    groups: int
    members: int
    unreachable: int = 0
    titles: tuple[str, ...] = ()
    deal_id: int | None = None
    product: str | None = None

    @property
    def total(self) -> int:
        return self.groups + self.members


def spec(kind: str, ids: list[int] | None = None) -> dict[str, Any]:
    if kind not in KINDS:
        raise ValueError(kind)
    return {"kind": kind, "ids": sorted(set(ids or []))}


def _reachable():
    return Member.started_at.is_not(None) & Member.blocked_at.is_(None)


async def _groups(session: AsyncSession, rt: Runtime, target: dict[str, Any]) -> list[Group]:
    kind = target["kind"]
    if kind in (ALL_GROUPS, EVERYONE):
        return await active_groups(session, rt)
    if kind == GROUPS:
        chosen = set(target.get("ids") or [])
        return [g for g in await active_groups(session, rt) if g.id in chosen]
    return []


def _member_query(rt: Runtime, target: dict[str, Any]):
    kind = target["kind"]
    if kind in (MEMBERS, EVERYONE):
        return select(Member.id, Member.telegram_id).where(_reachable())
    if kind == DEAL:
        deal_id = (target.get("ids") or [0])[0]
        return (
            select(Member.id, Member.telegram_id)
            .join(Order, Order.member_id == Member.id)
            .join(Deal, Deal.id == Order.deal_id)
            .where(Deal.id == deal_id, Deal.community_id == rt.community_id,
                   Order.status != ORDER_CANCELLED, _reachable())
        )
    return None


async def recipients(session: AsyncSession, rt: Runtime, target: dict[str, Any]) -> list[Recipient]:
    found = [Recipient(f"g:{g.id}", g.chat_id) for g in await _groups(session, rt, target)]
    query = _member_query(rt, target)
    if query is not None:
        rows = await session.execute(query.order_by(Member.id))
        found += [Recipient(f"m:{member_id}", chat_id) for member_id, chat_id in rows.all()]
    return found


async def reach(session: AsyncSession, rt: Runtime, target: dict[str, Any]) -> Reach:
    groups = await _groups(session, rt, target)
    query = _member_query(rt, target)
    members = 0
    if query is not None:
        members = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    unreachable, deal_id, product = 0, None, None
    if target["kind"] == DEAL:
        deal_id = (target.get("ids") or [0])[0]
        deal = await session.get(Deal, deal_id)
        product = deal.product.name if deal is not None else None
        ordered = await session.scalar(
            select(func.count(func.distinct(Order.member_id)))
            .where(Order.deal_id == deal_id, Order.status != ORDER_CANCELLED)
        ) or 0
        unreachable = ordered - members
    titles = tuple(g.title for g in groups) if target["kind"] == GROUPS else ()
    return Reach(len(groups), members, unreachable, titles, deal_id, product)


async def recent_deals(session: AsyncSession, rt: Runtime, limit: int = 8) -> list[tuple[Deal, int]]:
    """The newest deals and how many members ordered from each, for the deal picker."""
    people = (
        select(func.count(func.distinct(Order.member_id)))
        .where(Order.deal_id == Deal.id, Order.status != ORDER_CANCELLED)
        .scalar_subquery()
    )
    rows = await session.execute(
        select(Deal, people).where(Deal.community_id == rt.community_id)
        .order_by(Deal.id.desc()).limit(limit)
    )
    return [(deal, count or 0) for deal, count in rows.all()]
