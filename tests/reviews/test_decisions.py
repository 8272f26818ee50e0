"""Adjust, reject, coupon and "more photos", each as the reviewers and the member see it."""

import pytest

from handlers.common import keyboard
from handlers.ticks import tick_now
from tests.reviews.helpers import (
    REVIEW_SETTINGS,
    cast,
    fresh,
    jpeg,
    submitted_claim,
    t,
)

pytestmark = pytest.mark.settings(**REVIEW_SETTINGS)


async def _card(bot, c, **kw):
    claim_id = await submitted_claim(bot, c.ming, **kw)
    _sheet, card = bot.replies(c.room)
    bot.replies(c.ming)
    return claim_id, card


async def test_adjust_amount_typed_as_a_reply_is_validated_and_recorded(bot):
    c = cast(bot)
    claim_id, card = await _card(bot, c)
    await bot.tap(c.li, card, f"rv:j:{claim_id}")
    [prompt] = bot.replies(c.room)
    assert prompt["text"] == t("reviews.ask.adjust", claim=claim_id, cap="¥50.00",
                               computed="¥10.00").replace("<code>", "").replace("</code>", "")
    for typed, answer in [("八块", t("reviews.refuse.amount_not_a_number", text="八块")),
                          ("80 太多了", t("reviews.refuse.amount_exceeds_cap", cap="50.00")),
                          ("8", t("reviews.refuse.reason_missing"))]:
        await bot.sb.send_text(c.li, c.room, typed, reply_to=prompt)
        await bot.settle()
        assert bot.texts(c.room) == [answer]
    # The other reviewer's reply to the same prompt is not theirs to answer: silence.
    await bot.sb.send_text(c.zhao, c.room, "9 随便", reply_to=prompt)
    await bot.settle()
    assert bot.texts(c.room) == []
    await bot.sb.send_text(c.li, c.room, "¥8 只有一个是坏的", reply_to=prompt)
    await bot.settle()
    assert bot.texts(c.room) == [t("reviews.done.adjust", claim=claim_id)]
    assert "✅ 已通过，金额调整为 ¥8.00（原因：只有一个是坏的）· 李审核" in fresh(bot, card)["text"]
    [told] = bot.texts(c.ming)
    assert told.startswith(f"✅ 你的售后申请 #{claim_id} 已通过，退款金额调整为 ¥8.00（原计算 ¥10.00）。"
                           "原因：只有一个是坏的")
    await bot.say(c.li, f"/claim {claim_id}")
    [history] = bot.texts(c.li)
    assert "2026-11-20 10:00 · 小明 · 提交申请，计算退款 ¥10.00" in history
    assert "李审核 · 调整金额通过，退款 ¥8.00（只有一个是坏的）" in history


async def test_reject_with_a_policy_reason_and_a_note(bot):
    c = cast(bot)
    claim_id, card = await _card(bot, c)
    await bot.tap(c.zhao, card, f"rv:r:{claim_id}")
    [picker] = bot.replies(c.room)
    assert picker["text"] == t("reviews.ask.reject_reason", claim=claim_id)
    assert len(bot.sb.buttons(picker)) == 10  # nine policy reasons and "cancel"
    await bot.tap(c.zhao, picker, f"rv:rr:{claim_id}:batch_variation")
    note_prompt = fresh(bot, picker)
    assert note_prompt["text"] == t("reviews.ask.reject_note",
                                    reason="批次差异（大小/颜色/熟度）")
    await bot.sb.send_text(c.zhao, c.room, "照片里的果子是完好的", reply_to=note_prompt)
    await bot.settle()
    assert bot.texts(c.room) == [t("reviews.done.reject", claim=claim_id)]
    assert "❌ 未通过：批次差异（大小/颜色/熟度） · 赵审核" in fresh(bot, card)["text"]
    assert bot.texts(c.ming) == [
        f"售后申请 #{claim_id} 没有通过：" + t("reviews.reject.batch_variation")
        + "\n审核员留言：照片里的果子是完好的"]
    # A tap on the now stale "send without a note" does nothing more.
    assert bot.sb.buttons(fresh(bot, note_prompt)) == []


async def test_coupon_for_a_small_flaw_is_redeemed_on_the_next_order(bot):
    from decimal import Decimal

    from groupbot.models import Coupon, Member, Product
    from groupbot.orders import NewItem, create_order
    from groupbot.people import member_by_telegram_id

    c = cast(bot)
    claim_id, card = await _card(bot, c)
    await bot.tap(c.li, card, f"rv:c:{claim_id}")
    [picker] = bot.replies(c.room)
    assert [label for label, _ in bot.sb.buttons(picker)] == ["¥5.00", "¥8.00", "¥10.00", "取消"]
    await bot.tap(c.li, picker, f"rv:cp:{claim_id}:800")
    assert "🎁 发放优惠券 ¥8.00 · 李审核" in fresh(bot, card)["text"]
    [told] = bot.texts(c.ming)
    assert told == (f"🎁 售后申请 #{claim_id}：这次是小瑕疵，送你一张 ¥8.00 优惠券，"
                    "下次下单自动抵扣，有效期到 2026-12-20 10:00。")
    async with bot.rt.tx() as s:
        member = await member_by_telegram_id(s, c.ming.id)
        product = Product(community_id=bot.rt.community_id, name="橙子", unit="个")
        s.add(product)
        await s.flush()
        order, _ = await create_order(s, bot.rt, member=member, group=None, source="deal",
                                      items=[NewItem(product, 2, Decimal("3.00"))])
        assert [i.paid_minor for i in order.items] == [0]  # ¥6 order, ¥8 coupon: pays 0
        coupon = await s.get(Coupon, 1)
        assert (coupon.redeemed_order_id, coupon.applied_minor) == (order.id, 600)
        again, _ = await create_order(s, bot.rt, member=member, group=None, source="deal",
                                      items=[NewItem(product, 2, Decimal("3.00"))])
        assert [i.paid_minor for i in again.items] == [600]  # used once
        assert isinstance(member, Member)
    bot.replies(c.li)
    await bot.say(c.li, f"/claim {claim_id}")
    history = bot.texts(c.li)[0]
    assert "李审核 · 发放优惠券 ¥8.00" in history and f"小明 · 优惠券在订单 #{order.id} 抵扣 ¥6.00" in history


async def test_more_photos_goes_back_to_the_member_and_returns_in_its_place(bot):
    c = cast(bot)
    first, card = await _card(bot, c)
    bot.clock.advance(minutes=10)
    second, _card2 = await _card(bot, c)
    await bot.tap(c.li, card, f"rv:m:{first}")
    [prompt] = bot.replies(c.room)
    await bot.sb.send_text(c.li, c.room, "请把快递单号和坏果拍在一起", reply_to=prompt)
    await bot.settle()
    assert bot.texts(c.room) == [t("reviews.done.more_photos", claim=first)]
    assert "📷 已请会员补充照片 · 李审核" in fresh(bot, card)["text"]
    [ask] = bot.replies(c.ming)
    assert ask["text"] == (f"📷 售后申请 #{first} 需要补充照片。\n审核员留言：请把快递单号和坏果拍在一起"
                           "\n请点下面的按钮发送照片，补充后会按原来的顺序继续审核。")
    await bot.say(c.li, "/queue")
    [queue] = bot.texts(c.li)
    assert f"#{first} ·" not in queue and f"#{second} ·" in queue and "等会员补照片的 1 个" in queue
    await bot.tap(c.ming, ask, f"cl:more:{first}")
    assert bot.texts(c.ming) == [t("reviews.more.ask", claim=first, room=5)]
    await bot.send_photos(c.ming, [jpeg((10, 200, 10))])
    [received] = bot.replies(c.ming)
    assert received["text"].startswith(t("reviews.more.received", count=1))
    await bot.tap(c.ming, received, "cl:mdone")
    assert bot.texts(c.ming) == [t("reviews.more.done", claim=first, count=1)]
    sheet, new_card = bot.replies(c.room)  # a fresh card with the new evidence sheet
    assert sheet["photo"] and new_card["text"].startswith(f"📋 售后申请 #{first} · 待审核")
    await bot.say(c.li, "/queue")
    [queue] = bot.texts(c.li)
    assert queue.index(f"#{first} ·") < queue.index(f"#{second} ·")  # its original place
    # The old card works too (same claim): approve from it.
    await bot.tap(c.zhao, fresh(bot, card), f"rv:a:{first}")
    await tick_now(bot.app)
    await bot.settle()
    assert "✅ 已通过，退款 ¥10.00 · 赵审核" in fresh(bot, new_card)["text"]
    assert "✅ 已通过，退款 ¥10.00 · 赵审核" in fresh(bot, card)["text"]


async def test_members_cannot_decide(bot):
    c = cast(bot)
    claim_id, _card_in_room = await _card(bot, c)
    # A copy of the card reached 小明, who is not in the reviewers' chat (its members are
    # reviewers): the permission table refuses his tap.
    await bot.app.bot.send_message(c.ming.id, "#1", reply_markup=keyboard(
        [[("✅", f"rv:a:{claim_id}")]]))
    [copy] = bot.replies(c.ming)
    query = await bot.sb.tap(c.ming, copy, f"rv:a:{claim_id}")
    await bot.settle()
    assert bot.sb.answer_of(query)["text"] == t("permissions.refused.reviewer")
