"""The review clocks on a frozen clock: re-announce, escalation, payout reminder (no sleeping)."""

import pytest

from handlers.ticks import tick_now
from tests.reviews.helpers import REVIEW_SETTINGS, cast, submitted_claim, t

WANG_ID = 7_000_003
pytestmark = pytest.mark.settings(**REVIEW_SETTINGS, organizer_ids=frozenset({WANG_ID}))


async def later(bot, **delta):
    bot.clock.advance(**delta)
    await tick_now(bot.app)
    await bot.settle()


async def test_reannounce_after_24_hours_then_escalate_past_the_deadline(bot):
    c = cast(bot)
    wang = bot.sb.add_user("王团长", user_id=WANG_ID)
    await bot.say(wang, "/start")
    bot.replies(wang)
    claim_id = await submitted_claim(bot, c.ming)
    bot.replies(c.room)
    await later(bot, hours=23, minutes=59)
    assert bot.texts(c.room) == []
    await later(bot, minutes=1)
    [again] = bot.replies(c.room)
    assert again["text"] == ("⏰ 售后申请 #1 已等待 24 小时，审核截止 2026-11-22 10:00"
                             "（还剩 24 小时 0 分）。")
    assert bot.sb.buttons(again) == [("🔒 我来处理", f"rv:t:{claim_id}")]
    await later(bot, hours=6)
    assert bot.texts(c.room) == []  # once
    await later(bot, hours=18)
    assert bot.texts(wang) == [t("reviews.clock.escalate", claim=claim_id, days=2,
                                 due="2026-11-22 10:00")]
    await later(bot, hours=5)
    assert bot.texts(wang) == []  # once
    await bot.restart()
    await later(bot, hours=1)
    assert bot.texts(wang) == [] and bot.texts(c.room) == []  # the rows remember


async def test_payout_reminder_after_three_business_days(bot):
    c = cast(bot)
    claim_id = await submitted_claim(bot, c.ming)  # Friday 10:00 in Shanghai
    _sheet, card = bot.replies(c.room)
    await bot.tap(c.li, card, f"rv:a:{claim_id}")
    bot.replies(c.room)
    await later(bot, days=4, hours=23)  # Wednesday 09:00: not yet due (Mon, Tue, Wed 10:00)
    assert bot.texts(c.room) == []
    await later(bot, hours=1)
    [reminder] = bot.replies(c.room)
    assert reminder["text"] == t("reviews.clock.payout", claim=claim_id, amount="¥10.00",
                                 due="2026-11-25 10:00", days=3)
    assert bot.sb.buttons(reminder) == [("💰 标记已打款", "rv:p:1")]
    await later(bot, days=1)
    assert bot.texts(c.room) == []
