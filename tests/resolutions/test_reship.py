"""Reship and replace as reviewer decisions: a linked order at no charge, stock from the deal,
its own notices; the claim closes as reshipped / replaced and refunds nothing."""

import pytest
from sqlalchemy import func, select

from groupbot.models import Claim, Deal, Order, OrderItem, Refund
from groupbot.models.resolutions import Reship
from groupbot.people import member_by_telegram_id
from groupbot.reviews.decisions import RESHIP, decide
from tests.resolutions.helpers import SETTINGS, cast, order_of, organizer, t
from tests.reviews.helpers import fresh, submitted_claim

pytestmark = pytest.mark.settings(**SETTINGS)


async def _refunds(bot) -> int:
    async with bot.rt.tx() as s:
        return int(await s.scalar(select(func.count(Refund.id))))


async def test_a_missing_item_is_reshipped_with_its_own_notices_and_no_money(bot):
    c = cast(bot)
    wang = await organizer(bot)
    claim_id = await submitted_claim(bot, c.ming, reason="missing", units=2,
                                     description="少了两个")
    _sheet, card = bot.replies(c.room)
    assert [label for label, _ in bot.sb.buttons(card)] == [
        "✅ 通过", "✏️ 调整金额", "📷 补充照片", "🎁 发优惠券", "📦 补发", "🔁 换货", "❌ 不通过"]
    bot.replies(c.ming)
    query = await bot.sb.tap(c.li, card, f"rv:rs:{claim_id}")
    await bot.settle()
    assert bot.sb.answer_of(query)["text"] == t("reviews.done.reship", claim=claim_id)
    async with bot.rt.tx() as s:
        row = await s.scalar(select(Reship))
        linked = await s.get(Order, row.reship_order_id)
        items = list(await s.scalars(select(OrderItem).where(OrderItem.order_id == linked.id)))
        original = await s.get(OrderItem, 1)
        claim = await s.get(Claim, claim_id)
    assert (row.kind, row.original_order_id, linked.source, linked.status) == (
        "reship", 1, "reship", "placed")
    assert [(i.quantity, i.paid_minor, i.unit_price_minor) for i in items] == [(2, 0, 0)]
    assert original.refunded_minor == 0 and claim.status == "reshipped"
    assert await _refunds(bot) == 0
    assert "📦 已补发（订单 #2）· 李审核 2026-11-20 10:00" in fresh(bot, card)["text"]
    assert bot.sb.buttons(fresh(bot, card)) == []
    assert bot.texts(c.ming) == [
        f"📦 售后申请 #{claim_id}：我们给你补发，补发订单 #2 不收费，发货后会通知你单号。"]
    [to_ship] = bot.texts(wang)
    assert to_ship.startswith(f"📦 待补发：订单 #2（售后 #{claim_id}，原订单 #1）给 小明：")
    assert "• 沃柑 × 2个：¥0.00" in to_ship and to_ship.endswith("/ship 2 快递公司 单号")
    await bot.say(wang, "/reships")
    assert bot.htmls(wang) == ["\n".join([
        t("resolutions.reships.title", count=1),
        t("resolutions.reships.item_reship", order=2, original=1, claim=claim_id,
          products="沃柑"),
        t("resolutions.reships.how")])]
    await bot.say(wang, "/ship 2 顺丰 SF9876543210123")
    assert bot.texts(wang) == [t("orders.ship_done", count=1)]
    assert bot.texts(c.ming) == [
        f"📦 你的补发（售后 #{claim_id}，原订单 #1）已发出：补发订单 #2，顺丰，单号 "
        "SF9876543210123。补发不收费。"]
    await bot.say(wang, "/reships")
    assert bot.texts(wang) == [t("resolutions.reships.empty")]
    await bot.say(wang, "/delivered 2")
    bot.replies(wang)
    [delivered] = bot.texts(c.ming)
    assert delivered.startswith("📦 补发订单 #2（原订单 #1）已送达，请马上检查。")
    assert "2026-11-22 10:00 前（48 小时内）" in delivered  # its own claim window
    await bot.say(c.ming, "/claims")
    assert "已补发" in bot.texts(c.ming)[0]
    await bot.say(c.li, f"/claim {claim_id}")
    assert "李审核 · 补发（补发订单 #2），不退款" in bot.texts(c.li)[0]


async def test_a_wrong_item_is_replaced(bot):
    c = cast(bot)
    await organizer(bot)
    claim_id = await submitted_claim(bot, c.ming, reason="wrong_item", units=1)
    _sheet, card = bot.replies(c.room)
    bot.replies(c.ming)
    await bot.tap(c.zhao, card, f"rv:rp:{claim_id}")
    assert "🔁 已换货（订单 #2）· 赵审核" in fresh(bot, card)["text"]
    assert bot.texts(c.ming) == [
        f"🔁 售后申请 #{claim_id}：我们给你换货，换货订单 #2 不收费，发货后会通知你单号。"]
    async with bot.rt.tx() as s:
        assert (await s.get(Claim, claim_id)).status == "replaced"
    assert await _refunds(bot) == 0


async def test_a_reship_takes_the_deal_stock_and_is_refused_without_it(bot):
    c = cast(bot)
    await organizer(bot)
    first = await order_of(bot, c.ming, quantity=3, stock=4)  # one left in the deal
    async with bot.rt.tx() as s:
        from groupbot import claims
        from groupbot.models import Draft, Member

        member = await s.scalar(select(Member).where(Member.telegram_id == c.ming.id))
        order = await s.get(Order, first)
        draft = await claims.begin(s, bot.rt, member, order)
        assert isinstance(draft, Draft)
        await claims.choose_units(s, bot.rt, draft, order, order.items[0].id, 2)
        claims.choose_reason(bot.rt, draft, order, "missing")
        claims.add_photo(bot.rt, draft, {"file_id": "f1", "file_unique_id": "u1"})
        claim, _ = await claims.submit(s, bot.rt, member, draft)
        reviewer = await member_by_telegram_id(s, c.li.id)
        if reviewer is None:
            from groupbot.people import Person, upsert_member
            reviewer = await upsert_member(s, Person(c.li.id, c.li.first_name))
        refused = await decide(s, bot.rt, claim.id, reviewer, RESHIP)
        assert (refused.ok, refused.code, refused.params) == (
            False, "out_of_stock", {"left": 1, "wanted": 2})
        assert claim.status == "pending_review"
        deal = await s.get(Deal, order.deal_id)
        deal.stock = 5  # the organizer found two more
    async with bot.rt.tx() as s:
        reviewer = await member_by_telegram_id(s, c.li.id)
        assert (await decide(s, bot.rt, claim.id, reviewer, RESHIP)).ok
        deal = await s.get(Deal, order.deal_id)
        assert deal.reserved == 5  # the reship's two units came out of the deal


async def test_only_reviewers_reship_at_the_edge_and_in_the_service(bot):
    c = cast(bot)
    wang = await organizer(bot)
    claim_id = await submitted_claim(bot, c.ming, reason="missing")
    bot.replies(c.room)
    from handlers.common import keyboard

    await bot.app.bot.send_message(wang.id, "#", reply_markup=keyboard(
        [[("📦", f"rv:rs:{claim_id}")]]))
    [copy] = bot.replies(wang)
    query = await bot.sb.tap(wang, copy, f"rv:rs:{claim_id}")
    await bot.settle()
    assert bot.sb.answer_of(query)["text"] == t("permissions.refused.reviewer")
    async with bot.rt.tx() as s:
        organizer_row = await member_by_telegram_id(s, wang.id)
        refused = await decide(s, bot.rt, claim_id, organizer_row, RESHIP)
    assert (refused.ok, refused.code) == (False, "not_permitted")
    async with bot.rt.tx() as s:
        assert await s.scalar(select(func.count(Reship.id))) == 0
