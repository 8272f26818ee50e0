"""Issue 11, finding 5: one claim window, asked of the policy by every place that shows it.

A non-perishable order three days after delivery is inside its 7-day window: the delivery
notice says 7 days, /myorders shows the claim button and /claim accepts. Fresh produce keeps
its 48 hours in all three places.
"""

from datetime import timedelta

import messages
from groupbot.orders import local_time
from handlers.ticks import tick_now
from tests.factories import community_with_bot, started


def t(key, **values):
    return messages.t("zh-Hans", key, **values)


async def delivered(bot, deal: str):
    """``deal`` is posted in the group, 小明 orders 2, the organizer ships and delivers."""
    c = await community_with_bot(bot, "小明")
    [ming] = c.members
    await started(bot, ming)
    await bot.say(c.organizer, f"/deal {deal} 20:00", chat=c.group)
    bot.replies(c.group)
    await bot.say(ming, "/start d1")
    await bot.say(ming, "2")
    await bot.say(c.organizer, "/ship 1 顺丰 SF1234567890")
    assert bot.texts(c.organizer) == [t("orders.ship_done", count=1)]
    await tick_now(bot.app)
    await bot.settle()
    bot.replies(ming)
    delivered_at = bot.clock.now()
    await bot.say(c.organizer, "/delivered 1")
    assert bot.texts(c.organizer) == [t("orders.delivered_done", count=1)]
    await tick_now(bot.app)
    await bot.settle()
    return c, ming, delivered_at


def claim_buttons(message: dict) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [b["text"] for row in rows for b in row if b.get("callback_data", "").startswith(
        "claim:new:")]


async def test_a_non_perishable_order_three_days_after_delivery_can_be_claimed(bot):
    c, ming, at = await delivered(bot, "保温杯 39/个 非生鲜")
    deadline = local_time(bot.rt, at + timedelta(days=7))
    [notice] = bot.replies(ming)
    assert notice["html"] == t("orders.delivered_days", order=1, products="保温杯",
                               deadline=deadline, days=7)
    assert "7 天内" in notice["text"] and "48" not in notice["text"]
    assert claim_buttons(notice) == [t("orders.claim_button")]

    bot.clock.advance(days=3)
    await tick_now(bot.app)  # the return visit (issue 14) was due the day after delivery
    await bot.settle()
    assert bot.htmls(ming) == [t("aftercare.visit.ask", products="保温杯")]
    await bot.say(ming, "/myorders")
    title, listed = bot.replies(ming)
    assert title["html"] == t("orders.myorders_title")
    assert claim_buttons(listed) == [t("orders.claim_button")]

    await bot.say(ming, "/claim")
    [pick] = bot.replies(ming)
    await bot.tap(ming, pick, "cl:o:1")
    [units] = bot.replies(ming)
    assert units["text"] == t("claims.ask_units", product="保温杯", bought=2, available=2,
                              unit="个")


async def test_fresh_produce_keeps_48_hours_everywhere(bot):
    c, ming, at = await delivered(bot, "沃柑 5/个")
    deadline = local_time(bot.rt, at + timedelta(hours=48))
    [notice] = bot.replies(ming)
    assert notice["html"] == t("orders.delivered", order=1, products="沃柑", deadline=deadline,
                               hours=48)

    bot.clock.advance(days=3)
    await tick_now(bot.app)  # the return visit (issue 14) was due the day after delivery
    await bot.settle()
    assert bot.htmls(ming) == [t("aftercare.visit.ask", products="沃柑")]
    await bot.say(ming, "/myorders")
    _title, listed = bot.replies(ming)
    assert claim_buttons(listed) == []  # the window closed a day ago
