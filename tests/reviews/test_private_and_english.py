"""A reviewer working from the private chat; members told in their own language."""

import pytest

from tests.reviews.helpers import REVIEW_SETTINGS, cast, fresh, submitted_claim, t

pytestmark = pytest.mark.settings(**REVIEW_SETTINGS)


async def test_take_from_the_queue_and_adjust_in_the_private_chat(bot):
    c = cast(bot)
    claim_id = await submitted_claim(bot, c.ming)
    _sheet, room_card = bot.replies(c.room)
    bot.replies(c.ming)
    await bot.say(c.li, "/queue")
    [listing] = bot.replies(c.li)
    await bot.tap(c.li, listing, f"rv:t:{claim_id}")
    _sheet, card, _taken = bot.replies(c.li)
    await bot.tap(c.li, card, f"rv:j:{claim_id}")
    [prompt] = bot.replies(c.li)
    await bot.tap(c.li, prompt, f"rv:q:{claim_id}")
    assert fresh(bot, prompt)["text"] == t("reviews.cancelled")
    await bot.say(c.li, "7 只坏了一个半")  # no prompt open any more: not an amount
    assert bot.texts(c.li) == [t("fallback.unexpected")]
    await bot.tap(c.li, card, f"rv:j:{claim_id}")
    [prompt] = bot.replies(c.li)
    await bot.say(c.li, "7.5")
    assert bot.texts(c.li) == [t("reviews.refuse.reason_missing")]
    assert bot.sb.buttons(fresh(bot, prompt)) == [("取消", f"rv:q:{claim_id}")]  # still open
    await bot.say(c.li, "7.5 只坏了一个半")
    assert bot.texts(c.li) == [t("reviews.done.adjust", claim=claim_id)]
    assert bot.sb.buttons(fresh(bot, prompt)) == []  # answered: its cancel button is gone
    for message in (card, room_card):
        assert "✅ 已通过，金额调整为 ¥7.50（原因：只坏了一个半）· 李审核" in fresh(bot, message)["text"]
    [told] = bot.texts(c.ming)
    assert "退款金额调整为 ¥7.50（原计算 ¥10.00）" in told


async def test_the_member_is_told_in_english_and_more_photos_without_a_note(bot):
    c = cast(bot, language_code="en")
    claim_id = await submitted_claim(bot, c.ming)
    _sheet, card = bot.replies(c.room)
    assert card["text"].startswith(f"📋 售后申请 #{claim_id} · 待审核")  # the room's language
    bot.replies(c.ming)
    await bot.tap(c.zhao, card, f"rv:m:{claim_id}")
    [prompt] = bot.replies(c.room)
    await bot.tap(c.zhao, prompt, f"rv:mn:{claim_id}")
    assert fresh(bot, prompt)["text"] == messages_en("reviews.done.more_photos", claim=claim_id)
    [told] = bot.replies(c.ming)
    assert told["text"] == (f"📷 Claim #{claim_id} needs more photos. \nTap the button below to "
                            "send them; the claim then continues in its original place in the "
                            "queue.")
    assert bot.sb.buttons(told) == [("📷 Add photos", f"cl:more:{claim_id}")]


def messages_en(key, **values):
    import messages

    return messages.t("en", key, **values)


@pytest.mark.settings(reviewer_ids=REVIEW_SETTINGS["reviewer_ids"])
async def test_without_a_reviewers_chat_each_reviewer_gets_the_card_privately(bot):
    c = cast(bot)
    for reviewer in (c.li, c.zhao):
        await bot.say(reviewer, "/start")
        welcome = bot.texts(reviewer)[0]
        assert "你是售后审核员" in welcome and "/queue — 待审核的售后申请" in welcome
    claim_id = await submitted_claim(bot, c.ming)
    assert bot.replies(c.room) == []
    bot.replies(c.ming)
    _s1, li_card = bot.replies(c.li)
    _s2, zhao_card = bot.replies(c.zhao)
    await bot.tap(c.zhao, zhao_card, f"rv:a:{claim_id}")
    for card in (li_card, zhao_card):
        assert "✅ 已通过，退款 ¥10.00 · 赵审核" in fresh(bot, card)["text"]
