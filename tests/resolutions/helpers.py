"""Building blocks for the resolutions tests: the review cast plus an organizer, and orders
delivered (or only shipped) to a member, written through the services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from groupbot.models import Deal, Order, Product
from groupbot.orders import NewItem, create_order
from groupbot.people import Person, mark_started, upsert_member
from groupbot.shipping import mark_delivered, mark_shipped
from handlers.ticks import tick_now
from tests.reviews.helpers import LI_ID, REVIEW_CHAT, ZHAO_ID, Cast, cast, t  # noqa: F401

WANG_ID = 7_000_015
ADDRESS = "上海市浦东新区花木路 88 号 王团长 13800000000"
SETTINGS = dict(reviewer_ids=frozenset({LI_ID, ZHAO_ID}), reviewers_chat_id=REVIEW_CHAT,
                organizer_ids=frozenset({WANG_ID}), return_address=ADDRESS,
                # the weekly digest and the return visits (a day after delivery) would
                # interleave with these clocks
                analytics_digest_weekday=0, aftercare_visit_days=30)
TRACKING = "SF1234567890"


async def organizer(bot) -> Any:
    wang = bot.sb.add_user("王团长", user_id=WANG_ID, language_code="zh-hans")
    await bot.say(wang, "/start")
    bot.replies(wang)
    return wang


async def order_of(bot, user, *, product: str = "沃柑", unit: str = "个", quantity: int = 10,
                   price: str = "5.00", perishable: bool = True, deliver: bool = True,
                   courier: str = "顺丰", tracking: str | None = TRACKING,
                   stock: int | None = None) -> int:
    """An order of ``user`` (shipped, and delivered unless ``deliver`` is False). With
    ``stock`` it comes from a deal with that stock (all of it reserved but this order's)."""
    rt = bot.rt
    async with rt.tx() as s:
        member = await upsert_member(s, Person(user.id, user.first_name,
                                               language_code=user.language_code))
        mark_started(member, rt.clock.now())
        item = Product(community_id=rt.community_id, name=product, unit=unit,
                       perishable=perishable)
        s.add(item)
        await s.flush()
        deal_id = None
        if stock is not None:
            from groupbot.models import Community
            from groupbot.people import register_group

            community = await s.get(Community, rt.community_id)
            group, _ = await register_group(s, community, chat_id=-100_555, title="芒果团",
                                            chat_type="supergroup", admins=[])
            deal = Deal(community_id=rt.community_id, group_id=group.id, product_id=item.id,
                        organizer_id=member.id, currency="CNY",
                        unit_price_minor=int(Decimal(price) * 100), stock=stock,
                        reserved=quantity, closes_at=rt.clock.now())
            s.add(deal)
            await s.flush()
            deal_id = deal.id
        order, _ = await create_order(s, rt, member=member, group=None,
                                      source="deal" if deal_id else "api", deal_id=deal_id,
                                      items=[NewItem(item, quantity, Decimal(price))])
        if tracking is not None:
            await mark_shipped(s, rt, order, courier, tracking)
        if deliver:
            await mark_delivered(s, rt, order)
        order_id = order.id
    await tick_now(bot.app)  # the order's own notices go out before the test goes on
    await bot.settle()
    return order_id


async def order_row(bot, order_id: int) -> Order:
    async with bot.rt.tx() as s:
        order = await s.get(Order, order_id)
        assert order is not None
        return order
