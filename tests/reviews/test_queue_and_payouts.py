"""/queue with leases that lapse by themselves, /payouts with "mark paid", /claim N."""

import pytest

from handlers.ticks import tick_now
from tests.reviews.helpers import REVIEW_SETTINGS, cast, fresh, submitted_claim, t

pytestmark = pytest.mark.settings(**REVIEW_SETTINGS)


async def test_queue_take_hold_and_lapse(bot):
    c = cast(bot)
    first = await submitted_claim(bot, c.ming)
    bot.clock.advance(hours=1)
    second = await submitted_claim(bot, c.ming, units=1)
    _sheet, card1, _sheet2, card2 = bot.replies(c.room)
    bot.replies(c.ming)
    await bot.say(c.zhao, "/queue")
    [listing] = bot.replies(c.zhao)
    assert listing["text"].splitlines() == [
        "待审核 2 个（最早提交的在前；等会员补照片的 0 个）",
        f"#{first} · 小明 · ¥10.00 · 还剩 47 小时 0 分",
        f"#{second} · 小明 · ¥5.00 · 还剩 48 小时 0 分",
    ]
    await bot.tap(c.zhao, listing, f"rv:t:{first}")
    sheet, private_card, taken = bot.replies(c.zhao)  # the card comes to the private chat
    assert sheet["photo"] and private_card["text"].startswith(f"📋 售后申请 #{first}")
    assert taken["text"] == t("reviews.taken", claim=first, until="2026-11-20 11:15")
    assert "🔒 赵审核 正在处理（到 2026-11-20 11:15）" in fresh(bot, card1)["text"]
    # Li cannot take or decide it while Zhao holds it.
    query = await bot.sb.tap(c.li, card1, f"rv:a:{first}")
    await bot.settle()
    assert bot.sb.answer_of(query)["text"] == t("reviews.refuse.held", name="赵审核",
                                                until="2026-11-20 11:15")
    await bot.say(c.li, "/queue", chat=c.room)
    [room_listing] = bot.texts(c.room)
    assert f"#{first} · 小明 · ¥10.00 · 还剩 47 小时 0 分 · 🔒 赵审核" in room_listing
    # 15 minutes later the hold lapses by itself; the cards stop showing it.
    bot.clock.advance(minutes=16)
    await tick_now(bot.app)
    await bot.settle()
    assert "正在处理" not in fresh(bot, card1)["text"]
    assert "正在处理" not in fresh(bot, private_card)["text"]
    await bot.tap(c.li, card1, f"rv:a:{first}")
    assert "✅ 已通过，退款 ¥10.00 · 李审核" in fresh(bot, private_card)["text"]
    await bot.say(c.li, f"/claim {first}")
    [history] = bot.texts(c.li)
    assert [line.split(" · ", 1)[1] for line in history.splitlines()[1:]] == [
        "小明 · 提交申请，计算退款 ¥10.00", "赵审核 · 开始处理", "系统 · 处理超时，释放",
        "李审核 · 通过，退款 ¥10.00"]


async def test_payouts_mark_paid_once_with_a_reference(bot):
    c = cast(bot)
    claim_id = await submitted_claim(bot, c.ming)
    _sheet, card = bot.replies(c.room)
    await bot.tap(c.li, card, f"rv:a:{claim_id}")
    bot.replies(c.ming)
    await bot.say(c.zhao, "/payouts")
    [listing] = bot.replies(c.zhao)
    assert listing["text"].splitlines() == [
        "待打款 1 笔", f"#{claim_id} · 小明 · ¥10.00 · 截止 2026-11-25 10:00"]
    await bot.tap(c.zhao, listing, "rv:p:1")
    [ask] = bot.replies(c.zhao)
    assert ask["text"] == t("reviews.ask.paid", claim=claim_id, amount="¥10.00", member="小明")
    await bot.say(c.zhao, "WX20261120-0001")
    assert bot.texts(c.zhao) == [t("reviews.paid_done", claim=claim_id,
                                   reference="WX20261120-0001")]
    assert bot.sb.buttons(fresh(bot, ask)) == []
    assert bot.texts(c.ming) == [
        f"💰 售后申请 #{claim_id} 的退款 ¥10.00 已打款，参考号：WX20261120-0001。"]
    assert "💰 已打款 ¥10.00 · 参考号 WX20261120-0001 · 赵审核" in fresh(bot, card)["text"]
    assert bot.sb.buttons(fresh(bot, card)) == []
    # The stale "mark paid" button in the listing: already paid, by whom.
    query = await bot.sb.tap(c.zhao, listing, "rv:p:1")
    await bot.settle()
    assert bot.sb.answer_of(query)["text"] == t(
        "reviews.refuse.already_paid", claim=claim_id, name="赵审核", at="2026-11-20 10:00",
        reference="WX20261120-0001")
    await bot.say(c.zhao, "/payouts")
    assert bot.texts(c.zhao) == [t("reviews.payouts.empty")]
    await bot.say(c.ming, "/claims")
    assert "已退款 · ¥10.00" in bot.texts(c.ming)[0]


async def test_a_card_survives_a_restart_and_a_stale_tap_is_answered(bot):
    c = cast(bot)
    claim_id = await submitted_claim(bot, c.ming, post=False)
    await bot.restart()  # the claim was committed, the card not posted yet
    await tick_now(bot.app)
    await bot.settle()
    _sheet, card = bot.replies(c.room)
    await tick_now(bot.app)
    await bot.settle()
    assert bot.replies(c.room) == []  # posted once
    await bot.say(c.zhao, "/queue")
    [listing] = bot.replies(c.zhao)
    await bot.tap(c.li, card, f"rv:a:{claim_id}")
    await bot.restart()
    query = await bot.sb.tap(c.zhao, listing, f"rv:t:{claim_id}")  # a stale listing
    await bot.settle()
    assert bot.sb.answer_of(query)["text"].startswith(f"售后申请 #{claim_id} 已由 李审核 于")
