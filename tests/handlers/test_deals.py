"""Deals in a group: the card, joining, limits, stock, closing, the order-time warning."""

import messages
from handlers.ticks import tick_now
from tests.factories import community_with_bot, started

DEAL = "/deal 阳山水蜜桃 25.8/斤 20:00 限购5 库存6"


def t(key, **values):
    return messages.t("zh-Hans", key, **values)


async def post_deal(bot, c, text=DEAL):
    await bot.say(c.organizer, text, chat=c.group)
    [card] = bot.replies(c.group)
    return card


async def tick(bot, **advance):
    if advance:
        bot.clock.advance(**advance)
    await tick_now(bot.app)
    await bot.settle()


async def test_deal_card_join_and_the_combined_order_warning(bot):
    c = await community_with_bot(bot, "小明", "小红")
    ming, hong = c.members
    await started(bot, ming)
    card = await post_deal(bot, c)
    assert "接龙：阳山水蜜桃" in card["text"] and "单价：¥25.80/斤" in card["text"]
    assert [label for label, _ in bot.sb.buttons(card)] == [
        "接龙 1斤", "接龙 2斤", "其他数量", "取消我的"]

    await bot.tap_label(ming, card, "接龙 2斤")
    await bot.tap_label(hong, card, "接龙 1斤")
    # Within the merge window nothing is posted yet; a minute later one warning per member.
    await tick(bot)
    assert bot.texts(c.group) == []
    await tick(bot, seconds=61)
    warnings = bot.replies(c.group)
    assert len(warnings) == 2
    first = warnings[0]
    assert first["text"].startswith("小明 亲，看到你买了阳山水蜜桃")
    assert "48小时内" in first["text"]
    mention = [e for e in first["entities"] if e["type"] == "text_mention"]
    assert mention and mention[0]["user"]["id"] == ming.id
    [(label, link)] = bot.sb.buttons(first)
    assert link.startswith(f"https://t.me/{bot.sb.bot['username']}?start=o")
    # Ming started the bot: his confirmation is in the private chat. Hong hasn't: nothing yet.
    [confirm] = bot.replies(ming)
    assert "请核对你的订单" in confirm["text"] and "阳山水蜜桃 × 2斤：¥51.60" in confirm["text"]
    assert bot.replies(hong) == []
    # Hong follows the deep link: the confirmation is sent when she arrives.
    await bot.say(hong, "/start " + link.split("start=")[1])
    await tick(bot)
    texts = bot.texts(hong)
    assert any("阳山水蜜桃 × 1斤：¥25.80" in x for x in texts)
    # The card's live count was edited.
    edited = [m for m in bot.sb.bot_messages(c.group) if m["message_id"] == card["message_id"]][0]
    assert "已接龙 2 人，共 3斤" in edited["text"]


async def test_several_perishable_orders_within_a_minute_make_one_warning(bot):
    c = await community_with_bot(bot, "小明")
    [ming] = c.members
    card1 = await post_deal(bot, c)
    card2 = await post_deal(bot, c, "/deal 麒麟西瓜 39/个 20:00")
    await bot.tap_label(ming, card1, "接龙 1")
    await bot.tap_label(ming, card2, "接龙 1")
    await tick(bot, seconds=61)
    [warning] = bot.texts(c.group)
    assert "阳山水蜜桃、麒麟西瓜" in warning


async def test_limits_stock_and_closing_refuse_clearly_and_change_nothing(bot):
    c = await community_with_bot(bot, "小明", "小红")
    ming, hong = c.members
    card = await post_deal(bot, c, "/deal 阳山水蜜桃 25.8/斤 20:00 限购2 库存3")
    await bot.tap_label(ming, card, "接龙 2")
    query = await bot.tap_label(hong, card, "接龙 2")
    assert bot.sb.answer_of(query)["text"] == t("deals.refuse.over_stock", left=1, unit="斤")
    # Hong types a quantity over the limit via "other quantity".
    await bot.say(hong, "/start d1")
    assert bot.texts(hong) == [t("deals.ask_quantity", product="阳山水蜜桃", unit="斤")]
    await bot.say(hong, "三个")
    assert bot.texts(hong) == [t("deals.quantity_not_a_number")]
    await bot.say(hong, "5")
    assert bot.texts(hong) == [t("deals.refuse.over_limit", limit=2, unit="斤")]
    await bot.say(hong, "1")
    joined, confirmation = bot.texts(hong)
    assert joined == t("deals.result.joined", product="阳山水蜜桃", quantity=1, unit="斤")
    assert confirmation.startswith("请核对你的订单 #2")
    # Closing time passes: final list, buttons gone, taps refused.
    await tick(bot, hours=12)
    final = bot.texts(c.group)[-1]
    assert final.startswith("📋 接龙结束：阳山水蜜桃")
    assert "1. 小明 × 2斤" in final and "2. 小红 × 1斤" in final
    closed = [m for m in bot.sb.bot_messages(c.group) if m["message_id"] == card["message_id"]][0]
    assert bot.sb.buttons(closed) == []
    await bot.say(ming, "/start d1")
    bot.replies(ming)
    await bot.say(ming, "1")
    assert bot.texts(ming) == [t("deals.refuse.deal_closed", product="阳山水蜜桃")]


async def test_double_tap_is_one_order(bot):
    c = await community_with_bot(bot, "小明")
    [ming] = c.members
    card = await post_deal(bot, c)
    q1 = await bot.tap_label(ming, card, "接龙 1")
    q2 = await bot.tap_label(ming, card, "接龙 1")
    assert bot.sb.answer_of(q1)["text"].startswith("已接龙")
    assert bot.sb.answer_of(q2)["text"] == t("deals.result.unchanged", quantity=1, unit="斤")


async def test_the_same_deal_sent_again_is_not_posted_twice(bot):
    # The organizer got no answer (the bot was down) and sent /deal again: Telegram delivers both.
    c = await community_with_bot(bot)
    card = await post_deal(bot, c)
    await bot.say(c.organizer, DEAL, chat=c.group)
    assert bot.texts(c.group) == [t("deals.spec.already_posted", deal=1, product="阳山水蜜桃")]
    # Another deal, or the same one once the first has been out a while, is posted as asked.
    await post_deal(bot, c, "/deal 阳山水蜜桃 26.8/斤 20:00 限购5 库存6")
    bot.clock.advance(minutes=11)
    again = await post_deal(bot, c)
    assert again["message_id"] != card["message_id"] and "接龙：阳山水蜜桃" in again["text"]


async def test_bad_deal_command_explains_what_is_missing(bot):
    c = await community_with_bot(bot)
    await bot.say(c.organizer, "/deal 阳山水蜜桃 20:00", chat=c.group)
    [reply] = bot.texts(c.group)
    assert reply.startswith(t("deals.spec.missing_price"))
    assert "用法：/deal" in reply


async def test_only_organizers_post_deals(bot):
    c = await community_with_bot(bot, "小明")
    await bot.say(c.members[0], DEAL, chat=c.group)
    assert bot.texts(c.group) == [t("permissions.refused.organizer")]


async def test_restart_between_order_and_warning_sends_exactly_one_warning(bot):
    c = await community_with_bot(bot, "小明")
    [ming] = c.members
    card = await post_deal(bot, c)
    await bot.tap_label(ming, card, "接龙 1")
    # The order and its warning are committed; the warning is due after the merge window.
    # The bot goes down before sending it and comes back later.
    await bot.stop()
    bot.clock.advance(minutes=5)
    await bot.start()
    await tick(bot)
    await tick(bot, minutes=5)
    warnings = [x for x in bot.texts(c.group) if "亲，看到你买了" in x]
    assert len(warnings) == 1


async def test_guided_deal_in_the_private_chat_is_posted_to_the_chosen_group(bot):
    c = await community_with_bot(bot, "小明")
    await bot.say(c.organizer, "/deal")
    [pick] = bot.replies(c.organizer)
    assert pick["text"] == t("deals.guide.pick_group")
    [(title, data)] = bot.sb.buttons(pick)
    assert title == "芒果团 3号楼"
    await bot.tap(c.organizer, pick, data)
    assert bot.texts(c.organizer) == [
        t("deals.guide.chosen", group="芒果团 3号楼") + "\n" + t("deals.guide.ask_name")]
    await bot.say(c.organizer, "麒麟西瓜")
    assert bot.texts(c.organizer) == [t("deals.guide.ask_price")]
    await bot.say(c.organizer, "39块")
    assert bot.texts(c.organizer) == [t("deals.spec.bad_price", value="39块")]
    await bot.say(c.organizer, "39/个")
    assert bot.texts(c.organizer) == [t("deals.guide.ask_time")]
    await bot.restart()  # the draft is in the database: the guide carries on
    await bot.say(c.organizer, "明天 18:00")
    assert bot.texts(c.organizer) == [t("deals.guide.ask_extras")]
    await bot.say(c.organizer, "限购2")
    assert bot.texts(c.organizer) == [t("deals.guide.posted", group="芒果团 3号楼", deal=1)]
    [card] = bot.replies(c.group)
    assert "接龙：麒麟西瓜" in card["text"] and "每人限购 2个" in card["text"]


async def test_a_card_whose_id_a_crash_cut_is_adopted_by_the_first_tap_and_kept_current(bot):
    # The card left whole, then the bot died before Telegram's answer: it is not posted again
    # (groupbot/posts.py) and the bot does not know its message id.
    from sqlalchemy import update

    from groupbot.models import Deal, Post

    c = await community_with_bot(bot, "小明")
    [ming] = c.members
    card = await post_deal(bot, c)
    async with bot.rt.tx() as session:
        await session.execute(update(Deal).values(card_message_id=None))
        await session.execute(update(Post).values(message_id=None, linked_at=None))
    q = await bot.tap_label(ming, card, "接龙 2斤")
    assert bot.sb.answer_of(q)["text"] == t("deals.result.joined", quantity=2, unit="斤",
                                            product="阳山水蜜桃")
    async with bot.rt.tx() as session:
        assert (await session.get(Deal, 1)).card_message_id == card["message_id"]
    await tick(bot, seconds=61)
    edited = [m for m in bot.sb.bot_messages(c.group) if m["message_id"] == card["message_id"]]
    assert "已接龙 1 人，共 2斤" in edited[0]["text"]
    assert [m for m in bot.sb.bot_messages(c.group) if "接龙：" in (m.get("text") or "")] == edited
