"""7-day no-reason returns: the address, the return courier and number (format checked), the
reminder, the organizer's /returned N, the refund through the reviewers, the escalation, and
each refusal (fresh produce, outside 7 days, bad tracking number)."""

import pytest
from sqlalchemy import select

from groupbot.models import Claim, OrderItem, Refund
from groupbot.models.resolutions import ReturnRequest
from handlers.ticks import tick_now
from tests.resolutions.helpers import ADDRESS, SETTINGS, cast, order_of, organizer, t
from tests.reviews.helpers import card_in, fresh

pytestmark = pytest.mark.settings(**SETTINGS)


async def _later(bot, **delta):
    bot.clock.advance(**delta)
    await tick_now(bot.app)
    await bot.settle()


async def test_a_return_from_address_to_refund(bot):
    c = cast(bot)
    wang = await organizer(bot)
    order_id = await order_of(bot, c.ming, product="蜂蜜", unit="瓶", quantity=2, price="39.00",
                              perishable=False)
    bot.replies(c.ming)
    await bot.say(c.ming, "/myorders")
    cards = bot.replies(c.ming)
    labels = [label for label, _ in bot.sb.buttons(cards[-1])]
    assert labels == ["✅ 没问题", "❗ 有问题", "📷 申请售后", "🚚 查看物流", "↩️ 退货退款"]
    await bot.tap_label(c.ming, cards[-1], "退货退款")
    assert bot.htmls(c.ming) == [t(
        "resolutions.return.opened", claim=1, order=order_id, product="蜂蜜", units=2,
        unit="瓶", amount="¥78.00", address=ADDRESS, days=2)]
    # A number that is not SF's format is refused, and the return keeps waiting for it.
    await bot.say(c.ming, "顺丰 12345")
    assert bot.htmls(c.ming) == [t("resolutions.refuse.tracking_bad_format", courier="顺丰",
                                   number="12345")]
    await bot.say(c.ming, "顺丰")
    assert bot.htmls(c.ming) == [t("resolutions.refuse.tracking_missing")]
    await bot.say(c.ming, "顺丰 SF 1234 5678 90123")
    assert bot.htmls(c.ming) == [t("resolutions.return.shipped", claim=1, courier="顺丰",
                                   tracking="SF1234567890123")]
    # Not in the reviewers' queue before the goods are back.
    await tick_now(bot.app)
    await bot.settle()
    assert bot.replies(c.room) == []
    await bot.say(wang, "/returned 1")
    assert bot.htmls(wang) == [t("resolutions.returned.done", claim=1)]
    assert bot.htmls(c.ming) == [t("resolutions.return.received", claim=1, amount="¥78.00",
                                   due="2026-11-22 10:00", payout_days=3)]
    await tick_now(bot.app)
    await bot.settle()
    card = card_in(bot, c.room, 1)
    assert "↩️ 退货：顺丰 SF1234567890123 · 收货 2026-11-20 10:00（退货运费由买家承担）" in card["text"]
    assert "计算退款：¥78.00" in card["text"]
    await bot.tap(c.li, card, "rv:a:1")
    assert "✅ 已通过，退款 ¥78.00 · 李审核" in fresh(bot, card)["text"]
    async with bot.rt.tx() as s:
        refund = await s.scalar(select(Refund))
        item = await s.get(OrderItem, 1)
    assert (refund.amount_minor, item.refunded_minor, item.paid_minor) == (7800, 7800, 7800)
    await bot.say(c.li, "/claim 1")
    [history] = bot.texts(c.li)
    assert "小明 · 申请 7 天无理由退货，收货后退款 ¥78.00" in history
    assert "小明 · 会员寄回退货，填写了快递单号" in history
    assert "王团长 · 团长确认收到退货，退款进入审核" in history
    assert "李审核 · 通过，退款 ¥78.00" in history
    # Confirmed twice: said who did it first.
    await bot.say(wang, "/returned 1")
    assert bot.htmls(wang) == [t("resolutions.refuse.return_already_received", claim=1,
                                 at="2026-11-20 10:00", name="王团长")]


async def test_a_return_without_a_number_is_reminded_once_and_one_not_confirmed_escalates(bot):
    c = cast(bot)
    wang = await organizer(bot)
    order_id = await order_of(bot, c.ming, product="茶叶", unit="罐", quantity=1, price="88",
                              perishable=False)
    bot.replies(c.ming)
    await bot.say(c.ming, f"/return {order_id}")
    bot.replies(c.ming)
    await bot.say(c.ming, "/claims")  # another draft's command does not lose the return
    bot.replies(c.ming)
    await _later(bot, days=1, hours=23)
    assert bot.texts(c.ming) == []
    await _later(bot, hours=1)
    [reminder] = bot.replies(c.ming)
    assert reminder["html"] == t("resolutions.return.reminder", claim=1, address=ADDRESS)
    await _later(bot, days=1)
    assert bot.texts(c.ming) == []  # once
    await bot.tap_label(c.ming, reminder, "填写退货快递")
    assert bot.htmls(c.ming) == [t("resolutions.return.ask_tracking", claim=1)]
    await bot.say(c.ming, "中通 7312345678901")
    bot.replies(c.ming)
    await _later(bot, days=4, hours=23)
    assert bot.texts(wang) == []
    await _later(bot, hours=1)
    [escalated] = bot.htmls(wang)
    assert escalated.startswith("⚠️ 退货 #1（订单 #1，") and "/returned 1" in escalated
    await _later(bot, days=2)
    assert bot.texts(wang) == []  # once
    async with bot.rt.tx() as s:
        back = await s.scalar(select(ReturnRequest))
        assert back.reminded_at is not None and back.escalated_at is not None


async def test_refusals_fresh_produce_outside_seven_days_and_nothing_left(bot):
    c = cast(bot)
    await organizer(bot)
    fresh_order = await order_of(bot, c.ming)  # 沃柑, perishable
    honey = await order_of(bot, c.ming, product="蜂蜜", unit="瓶", quantity=1, price="39",
                           perishable=False)
    bot.replies(c.ming)
    await bot.say(c.ming, f"/return {fresh_order}")
    assert bot.htmls(c.ming) == [t("resolutions.refuse.return_perishable")]
    await bot.say(c.ming, f"/return {honey}")
    bot.replies(c.ming)
    await bot.say(c.ming, f"/return {honey}")
    assert bot.htmls(c.ming) == [t("resolutions.refuse.nothing_left")]
    bot.clock.advance(days=7, seconds=1)
    tea = await order_of(bot, c.ming, product="茶叶", unit="罐", quantity=1, price="88",
                         perishable=False)
    bot.clock.advance(days=7, seconds=1)
    bot.replies(c.ming)
    await bot.say(c.ming, f"/return {tea}")
    assert bot.htmls(c.ming) == [t("resolutions.refuse.return_window_closed", window_days=7,
                                   closes_at="2026-12-04 10:00")]
    await bot.say(c.ming, "/return")
    assert bot.htmls(c.ming) == [t("resolutions.return.usage")]
    xiao = bot.sb.add_user("小萧", language_code="zh-hans", started=True)
    await bot.say(xiao, f"/return {tea}")
    assert bot.htmls(xiao) == [t("orders.not_found", order=tea)]


async def test_only_organizers_confirm_a_return(bot):
    c = cast(bot)
    await organizer(bot)
    honey = await order_of(bot, c.ming, product="蜂蜜", unit="瓶", quantity=1, price="39",
                           perishable=False)
    await bot.say(c.ming, f"/return {honey}")
    bot.replies(c.ming)
    await bot.say(c.ming, "/returned 1")
    assert bot.htmls(c.ming) == [t("permissions.refused.organizer")]
    async with bot.rt.tx() as s:
        assert (await s.get(Claim, 1)).status == "return_open"


@pytest.mark.settings(**{**SETTINGS, "return_address": None})
async def test_no_return_address_set_refuses_clearly(bot):
    c = cast(bot)
    honey = await order_of(bot, c.ming, product="蜂蜜", unit="瓶", quantity=1, price="39",
                           perishable=False)
    bot.replies(c.ming)
    await bot.say(c.ming, f"/return {honey}")
    assert bot.htmls(c.ming) == [t("resolutions.refuse.no_return_address")]
