"""Shipping and delivery notices, "I received it", /myorders, and undeliverable messages."""

import messages
from handlers.ticks import tick_now
from tests.factories import community_with_bot, started


def t(key, **values):
    return messages.t("zh-Hans", key, **values)


async def joined_order(bot, c, member):
    await bot.say(c.organizer, "/deal 沃柑 5/个 20:00", chat=c.group)
    [card] = bot.replies(c.group)
    await bot.tap_label(member, card, "接龙 2")
    bot.clock.advance(seconds=61)
    await tick_now(bot.app)
    await bot.settle()
    bot.replies(c.group)
    bot.replies(member)


async def test_shipped_then_received_by_the_member_with_the_claim_deadline(bot):
    c = await community_with_bot(bot, "小明")
    [ming] = c.members
    await started(bot, ming)
    await joined_order(bot, c, ming)
    await bot.say(c.organizer, "/ship 1 顺丰 SF1234567890")
    assert bot.texts(c.organizer) == [t("orders.ship_done", count=1)]
    assert bot.htmls(ming) == [t("orders.shipped", order=1, courier="顺丰",
                                 tracking="SF1234567890")]
    await bot.say(ming, "/myorders")
    title, listed = bot.replies(ming)
    assert "#1" in listed["text"] and "已发货" in listed["text"]
    await bot.tap_label(ming, listed, "我已收到")
    [reminder] = bot.texts(ming)
    assert "2026-11-22 10:01" in reminder and "48小时内" in reminder  # received 10:01 + 48 h
    # Tapping again changes nothing.
    query = await bot.tap_label(ming, listed, "我已收到")
    assert bot.sb.answer_of(query)["text"] == t("orders.already_delivered", order=1)
    assert bot.texts(ming) == []


async def test_a_member_who_blocked_the_bot_shows_up_in_undelivered(bot):
    c = await community_with_bot(bot, "小明")
    [ming] = c.members
    await started(bot, ming)
    await joined_order(bot, c, ming)
    bot.sb.block_bot(ming)
    await bot.say(c.organizer, "/ship 1 顺丰 SF1234567890")
    await tick_now(bot.app)
    await bot.settle()
    await bot.say(c.organizer, "/undelivered")
    [report] = bot.texts(c.organizer)[-1:]
    assert "小明" in report and t("orders.kind.order_shipped") in report
    assert t("orders.undelivered_blocked") in report
    # Not retried forever: later ticks send nothing more to the blocked chat.
    sends = len([x for x in bot.sb.calls if x[0] == "sendMessage"])
    bot.clock.advance(hours=1)
    await tick_now(bot.app)
    await bot.settle()
    assert len([x for x in bot.sb.calls if x[0] == "sendMessage"]) == sends


async def test_a_429_is_honoured_and_the_notice_sent_once(bot):
    c = await community_with_bot(bot, "小明")
    [ming] = c.members
    await started(bot, ming)
    await joined_order(bot, c, ming)
    bot.sb.fail_next("sendMessage", chat_id=ming.id, status=429, retry_after=3)
    await bot.say(c.organizer, "/ship 1 顺丰 SF1234567890")
    bot.clock.advance(seconds=5)
    await tick_now(bot.app)
    await bot.settle()
    notices = [x for x in bot.htmls(ming) if "已发货" in x]
    assert notices == [t("orders.shipped", order=1, courier="顺丰", tracking="SF1234567890")]
