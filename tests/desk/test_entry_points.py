"""Where a member finds "talk to a person": under a rejected claim (the desk's card then shows
the claim with its status), under /myorders, and after two messages the bot did not understand."""

from __future__ import annotations

import pytest

from groupbot.models import Product
from tests.desk.helpers import DESK_ID, desk_chat, said_in_topic, t, tick
from tests.factories import member, order_for, started
from tests.reviews.helpers import REVIEW_SETTINGS, cast, fresh, submitted_claim

pytestmark = pytest.mark.settings(service_chat_id=DESK_ID, **REVIEW_SETTINGS)


async def test_a_rejected_claim_offers_a_person_who_sees_the_claim(bot):
    desk = await desk_chat(bot)
    c = cast(bot)
    claim_id = await submitted_claim(bot, c.ming)
    await tick(bot)  # what the claim owes anyone goes out first
    _sheet, card = bot.replies(c.room)
    bot.replies(c.ming)
    await bot.tap(c.zhao, card, f"rv:r:{claim_id}")
    [picker] = bot.replies(c.room)
    await bot.tap(c.zhao, picker, f"rv:rr:{claim_id}:batch_variation")
    await bot.sb.send_text(c.zhao, c.room, "照片里的果子是完好的", reply_to=fresh(bot, picker))
    await bot.settle()
    [notice] = [m for m in bot.replies(c.ming) if m["text"].startswith(f"售后申请 #{claim_id} 没有通过")]
    assert bot.sb.buttons(notice) == [(t("desk.button"), "desk:start"),
                                      (t("aftercare.unhappy_button"), f"ac:un:{claim_id}")]

    await bot.tap(c.ming, notice, "desk:start")
    assert bot.htmls(c.ming) == [t("desk.member.queued", ahead=0)]
    await bot.say(c.ming, "为什么不通过？")
    thread = bot.sb.topics(desk.chat)[0].thread_id
    card_text = said_in_topic(bot, desk, thread)[0]
    assert t("desk.card.claim", number=claim_id, status="未通过", asked="¥10.00", granted="—",
             order=1, photos=1) in card_text


async def test_myorders_and_two_misunderstood_messages_offer_a_person(bot):
    await desk_chat(bot)
    ming = bot.sb.add_user("小明")
    await started(bot, ming)
    await bot.say(ming, "嗯嗯")
    assert bot.htmls(ming) == [t("fallback.unexpected")]
    await bot.say(ming, "你好？")
    assert bot.htmls(ming) == [t("desk.offer")]
    assert bot.sb.buttons(bot.last(ming)) == [(t("desk.button"), "desk:start")]

    async with bot.rt.tx() as session:
        buyer = await member(bot.rt, session, ming.id, "小明")
        product = Product(community_id=bot.rt.community_id, name="芒果", unit="个")
        session.add(product)
        await session.flush()
        await order_for(bot.rt, session, buyer, product)
    await tick(bot)  # whatever the new order owes the member goes out first
    bot.replies(ming)
    await bot.say(ming, "/myorders")
    title = bot.replies(ming)[0]
    assert title["html"] == t("orders.myorders_title")
    assert bot.sb.buttons(title) == [(t("desk.button"), "desk:start")]
