"""A coupon from an earlier claim comes off the member's next group-buy order: shown in the
confirmation, kept when the quantity changes, given back when the order is cancelled."""

from datetime import timedelta

from sqlalchemy import select

from groupbot.models import Coupon, Order
from groupbot.people import member_by_telegram_id
from handlers.ticks import tick_now
from tests.factories import community_with_bot, started


async def _give_coupon(bot, telegram_id: int, amount_minor: int) -> None:
    rt = bot.rt
    async with rt.tx() as s:
        member = await member_by_telegram_id(s, telegram_id)
        s.add(Coupon(community_id=rt.community_id, member_id=member.id, currency="CNY",
                     amount_minor=amount_minor, issued_at=rt.clock.now(),
                     expires_at=rt.clock.now() + timedelta(days=30)))


async def _order_and_coupon(bot):
    async with bot.rt.tx() as s:
        order = await s.scalar(select(Order))
        coupon = await s.scalar(select(Coupon))
        return ([i.paid_minor for i in order.items], order.status,
                coupon.redeemed_order_id, coupon.applied_minor)


async def test_coupon_comes_off_the_next_deal_order_and_returns_when_cancelled(bot):
    c = await community_with_bot(bot, "小明")
    [ming] = c.members
    await started(bot, ming)
    await _give_coupon(bot, ming.id, 800)
    await bot.say(c.organizer, "/deal 阳山水蜜桃 25.8/斤 20:00", chat=c.group)
    [card] = bot.replies(c.group)

    await bot.tap_label(ming, card, "接龙 2斤")
    bot.clock.advance(seconds=61)
    await tick_now(bot.app)
    await bot.settle()
    [confirm] = bot.replies(ming)
    assert "阳山水蜜桃 × 2斤：¥43.60" in confirm["text"]
    assert "🎁 优惠券抵扣：-¥8.00" in confirm["text"] and "合计：¥43.60" in confirm["text"]
    assert await _order_and_coupon(bot) == ([4360], "placed", 1, 800)

    await bot.tap_label(ming, card, "接龙 1斤")  # a smaller order keeps the coupon
    assert await _order_and_coupon(bot) == ([1780], "placed", 1, 800)

    await bot.tap_label(ming, card, "取消我的")  # cancelled: the coupon is the member's again
    assert await _order_and_coupon(bot) == ([1780], "cancelled", None, None)
