"""Ratings: one request per case (a decided claim, a desk conversation with a person), one
rating per request, an optional comment, a low one opens a case, none after an idle close with
no agent; and no member-facing text ties a coupon to a rating."""

from __future__ import annotations

import re

import pytest

import messages
from groupbot.analytics.period import last_days
from groupbot.analytics.promises import aftercare
from tests.aftercare.helpers import cases, ratings, stars, t
from tests.desk.helpers import DESK_ID, agent_says, desk_chat, in_conversation, tick
from tests.factories import started
from tests.reviews.helpers import REVIEW_SETTINGS, card_in, cast, submitted_claim

pytestmark = pytest.mark.settings(service_chat_id=DESK_ID, **REVIEW_SETTINGS)


async def test_a_decided_claim_is_rated_once_an_hour_later_with_a_comment(bot):
    c = cast(bot)
    claim_id = await submitted_claim(bot, c.ming)
    await tick(bot)
    card = card_in(bot, c.room, claim_id)
    await bot.tap(c.li, card, f"rv:a:{claim_id}")
    bot.replies(c.ming)
    bot.clock.advance(minutes=59)
    await tick(bot)
    assert bot.htmls(c.ming) == []
    bot.clock.advance(minutes=1)
    await tick(bot)
    [ask] = bot.replies(c.ming)
    assert ask["html"] == t("aftercare.rating.claim", claim=claim_id)
    assert bot.sb.buttons(ask) == stars("ac:r:1")
    await bot.tap(c.ming, ask, "ac:r:1:4")
    assert bot.htmls(c.ming) == [t("aftercare.answer.rate_thanks", score=4)]
    assert bot.sb.buttons(bot.sb.message_snapshot(ask)) == []
    await bot.say(c.ming, "退款很快，谢谢")
    assert bot.htmls(c.ming) == [t("aftercare.answer.comment_thanks")]
    [rating] = await ratings(bot)
    assert (rating.subject, rating.subject_id, rating.score, rating.comment) == (
        "claim", claim_id, 4, "退款很快，谢谢")
    assert await cases(bot) == []  # 4 stars: nothing to follow up
    bot.clock.advance(days=1)
    await tick(bot)
    assert bot.htmls(c.ming) == []  # asked once
    async with bot.rt.tx() as s:
        period = last_days(7, bot.rt.settings.tz, bot.rt.clock.now())
        assert await aftercare(s, bot.rt.community_id, period, bot.rt.clock.now()) == (
            4.0, 0, 0)


async def test_a_low_desk_rating_opens_a_case_and_an_idle_close_without_agent_asks_none(bot):
    desk = await desk_chat(bot)
    ming, thread = await in_conversation(bot, desk)
    await agent_says(bot, desk.lee, desk, thread, "/close")
    [closing] = bot.replies(ming)
    await bot.tap(ming, closing, "desk:rate:1:1")
    [case] = await cases(bot)
    assert bot.htmls(ming) == [t("desk.member.rate_sorry", score=1, number=case.id),
                               t("aftercare.case.opened", number=case.id,
                                 due="2026-11-22 00:00")]
    assert [(r.subject, r.subject_id, r.score) for r in await ratings(bot)] == [("desk", 1, 1)]
    assert case.reason == "mood" and case.rating_id == 1

    hong = bot.sb.add_user("小红")
    await started(bot, hong)
    await bot.say(hong, "/service")  # nobody answers, and 小红 says nothing more
    bot.replies(hong)
    bot.clock.advance(minutes=5)
    await tick(bot)
    [closed] = bot.replies(hong)
    assert closed["html"] == t("desk.member.closed_idle", minutes=4)
    assert bot.sb.buttons(closed) == []
    assert len(await ratings(bot)) == 1


def test_no_member_facing_text_ties_a_coupon_to_a_rating():
    coupon = re.compile(r"券|coupon", re.IGNORECASE)
    rating = re.compile(r"评价|评分|好评|差评|打分|分数|星|⭐|\brat(e|es|ed|ing)\b|\breviews?\b"
                        r"|\bstars?\b|\bscores?\b", re.IGNORECASE)
    planted = "五星好评返 5 元优惠券"  # what the scan is for (no 好评返现)
    assert coupon.search(planted) and rating.search(planted)
    for locale in messages.LOCALES:
        for key, text in messages.catalog(locale).items():
            if key.startswith(("commands.", "demo.")) or ".agent." in key or ".card." in key:
                continue  # staff texts and the demo narrator, not what a member reads
            if coupon.search(text):
                assert not rating.search(text), (locale, key, text)
