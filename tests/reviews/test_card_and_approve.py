"""A submitted claim reaches the reviewers as a card; one approves, the other is too late."""

import pytest

from tests.reviews.helpers import REVIEW_SETTINGS, cast, fresh, submitted_claim, t

pytestmark = pytest.mark.settings(**REVIEW_SETTINGS)


async def test_card_then_approve_once_and_the_member_is_told(bot):
    c = cast(bot)
    claim_id = await submitted_claim(bot, c.ming)
    sheet, card = bot.replies(c.room)
    assert sheet["photo"] and sheet["caption"] == t("reviews.sheet.title_claim", claim=claim_id)
    text = card["text"]
    assert text.startswith(f"📋 售后申请 #{claim_id} · 待审核")
    assert "会员：小明（近 90 天其他售后 0 次，已退款 ¥0.00）" in text
    assert "• 沃柑：实付 ¥50.00 共 10个，坏 2个 → 退 ¥10.00" in text
    assert "问题：腐烂 / 发霉" in text and "说明：打开箱子两个烂了" in text
    assert "计算退款：¥10.00（实付 ÷ 数量 × 坏的数量）" in text
    assert "照片检查（仅供参考，不是结论）：单号一致 ✓ · 看到商品 ✓ · 损坏信号 0.82" in text
    assert "审核截止：2026-11-22 10:00（还剩 48 小时 0 分）" in text
    assert [label for label, _ in bot.sb.buttons(card)] == [
        "✅ 通过", "✏️ 调整金额", "📷 补充照片", "🎁 发优惠券", "📦 补发", "🔁 换货", "❌ 不通过"]
    bot.replies(c.ming)

    bot.clock.advance(minutes=5)
    first = await bot.sb.tap(c.li, card, f"rv:a:{claim_id}")
    second = await bot.sb.tap(c.zhao, card, f"rv:a:{claim_id}")
    await bot.settle()
    assert bot.sb.answer_of(first)["text"] == t("reviews.done.approve", claim=claim_id)
    assert bot.sb.answer_of(second)["text"] == t(
        "reviews.refuse.already_decided", claim=claim_id, name="李审核", at="2026-11-20 10:05",
        status="已通过")
    edited = fresh(bot, card)["text"]
    assert "✅ 已通过，退款 ¥10.00 · 李审核 2026-11-20 10:05" in edited
    assert "待打款，截止 2026-11-25 10:05" in edited
    assert [label for label, _ in bot.sb.buttons(fresh(bot, card))] == ["💰 标记已打款"]
    assert bot.texts(c.ming) == [
        f"✅ 你的售后申请 #{claim_id} 已通过，退款 ¥10.00，会在 2026-11-25 10:05 前"
        "（3 个工作日内）退回。"]


async def test_a_second_copy_a_crash_left_is_brought_up_to_date_when_it_is_tapped(bot):
    """A crash between a card's send and its record posts the card once more after the
    restart; the first copy is nowhere recorded. A tap on it adopts it: it is then refreshed
    with the other copies, and its stale buttons go."""
    from telegram import InlineKeyboardMarkup

    from handlers.ticks import tick_now

    c = cast(bot)
    claim_id = await submitted_claim(bot, c.ming)
    _sheet, card = bot.replies(c.room)
    assert bot.texts(c.ming) == [  # the order's own notices, before the claim
        "请核对你的订单 #1：\n• 沃柑 × 10个：¥50.00\n合计：¥50.00",
        "📦 你的订单 #1 已发货：顺丰，单号 SF1234567890。收到后请及时检查。",
        "🍑 订单 #1 已送达，请现在就检查沃柑。\n如有坏果，不要丢弃，请在 2026-11-22 10:00 前"
        "（48小时内）把所有坏果和快递单号拍在一张照片里，申请售后。"]
    # The copy Telegram accepted just before the SIGKILL: sent, never recorded.
    await bot.app.bot.send_message(
        c.room.id, card["html"],
        reply_markup=InlineKeyboardMarkup.de_json(card["reply_markup"], bot.app.bot))
    [orphan] = bot.replies(c.room)
    assert orphan["text"] == card["text"]

    bot.clock.advance(minutes=5)
    first = await bot.sb.tap(c.li, card, f"rv:a:{claim_id}")
    await bot.settle()
    assert bot.sb.answer_of(first)["text"] == t("reviews.done.approve", claim=claim_id)
    late = await bot.sb.tap(c.zhao, orphan, f"rv:a:{claim_id}")
    await bot.settle()
    assert bot.sb.answer_of(late)["text"] == t(
        "reviews.refuse.already_decided", claim=claim_id, name="李审核", at="2026-11-20 10:05",
        status="已通过")
    await tick_now(bot.app)
    await bot.settle()
    for copy in (card, orphan):
        shown = fresh(bot, copy)
        assert "✅ 已通过，退款 ¥10.00 · 李审核 2026-11-20 10:05" in shown["text"]
        assert [label for label, _ in bot.sb.buttons(shown)] == ["💰 标记已打款"]
    assert bot.replies(c.room) == []
    assert bot.texts(c.ming) == [
        f"✅ 你的售后申请 #{claim_id} 已通过，退款 ¥10.00，会在 2026-11-25 10:05 前"
        "（3 个工作日内）退回。"]
