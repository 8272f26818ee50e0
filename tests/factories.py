"""Factories for domain objects and people, so tests read as stories."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from groupbot.models import Member
from groupbot.orders import NewItem, create_order
from groupbot.people import Person, ensure_community, register_group, upsert_member
from groupbot.runtime import Runtime


@dataclass
class Community:
    """A sandbox group with the bot in it, an organizer (admin) and members."""

    organizer: Any
    members: list[Any]
    group: Any


async def community_with_bot(bot, *names: str, language_code: str = "zh-hans") -> Community:
    wang = bot.sb.add_user("王团长", language_code=language_code)
    members = [bot.sb.add_user(n, language_code=language_code) for n in names]
    group = bot.sb.add_group("芒果团 3号楼", members=[wang, *members], admins=[wang])
    await bot.sb.add_bot_to_group(group, by=wang)
    await bot.settle()
    bot.replies(group)
    return Community(wang, members, group)


async def started(bot, *users) -> None:
    """The users open the private chat with the bot (/start), replies consumed."""
    for user in users:
        await bot.say(user, "/start")
        bot.replies(user)


async def member(rt: Runtime, session, telegram_id: int, name: str = "小明", **kw) -> Member:
    return await upsert_member(session, Person(telegram_id=telegram_id, first_name=name, **kw))


async def order_for(rt: Runtime, session, member: Member, product, *, quantity=10,
                    price="5.00", discount="0", group=None, source="api", external_id=None):
    order, _ = await create_order(
        session, rt, member=member, group=group, source=source, external_id=external_id,
        items=[NewItem(product, quantity, Decimal(price))], discount=Decimal(discount),
    )
    return order


async def group_row(rt: Runtime, session, chat_id: int = -1001, title: str = "芒果团"):
    community = await ensure_community(session, rt.settings)
    rt.community_id = community.id
    group, _ = await register_group(session, community, chat_id=chat_id, title=title,
                                    chat_type="supergroup", admins=[])
    return group
