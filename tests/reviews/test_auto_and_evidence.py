"""Auto-approval (when switched on) and its reversal; the evidence stored at submit names an
earlier claim whose photo is re-used."""

import pytest
from sqlalchemy import select

from groupbot.models import Claim, OrderItem
from tests.reviews.helpers import GOOD, REVIEW_SETTINGS, cast, fresh, submitted_claim, t

AUTO = dict(REVIEW_SETTINGS, auto_approve_enabled=True)


@pytest.mark.settings(**AUTO)
async def test_auto_approved_then_reversed_back_into_the_queue(bot):
    c = cast(bot)
    claim_id = await submitted_claim(bot, c.ming)
    _sheet, card = bot.replies(c.room)
    assert "✅ 已通过，退款 ¥10.00 · 自动审核" in card["text"]
    assert [label for label, _ in bot.sb.buttons(card)] == ["💰 标记已打款", "↩️ 撤回自动通过"]
    assert bot.texts(c.ming)[-1].startswith(f"✅ 你的售后申请 #{claim_id} 已通过，退款 ¥10.00")
    await bot.tap(c.li, card, f"rv:x:{claim_id}")
    assert fresh(bot, card)["text"].startswith(f"📋 售后申请 #{claim_id} · 待审核")
    assert bot.texts(c.ming) == [t("reviews.member.reversed", claim=claim_id)]
    async with bot.rt.tx() as s:
        assert await s.scalar(select(OrderItem.refunded_minor)) == 0
    await bot.say(c.li, f"/claim {claim_id}")
    history = bot.texts(c.li)[0]
    assert "系统 · 自动通过，退款 ¥10.00" in history and "李审核 · 撤回自动通过（¥10.00）" in history


@pytest.mark.settings(**AUTO)
async def test_no_auto_approval_without_a_matched_number_or_above_the_limit(bot):
    c = cast(bot)
    await submitted_claim(bot, c.ming, findings={**GOOD, "tracking_match": False,
                                                 "numbers": ["YT999"]})
    _sheet, card = bot.replies(c.room)
    assert "待审核" in card["text"] and "单号一致 ✗ 读到的是 YT999" in card["text"]
    await submitted_claim(bot, c.ming, units=5, colors=[(1, 2, 3)])  # ¥25 > ¥20
    _sheet, card = bot.replies(c.room)
    assert "待审核" in card["text"]


@pytest.mark.settings(**REVIEW_SETTINGS)
async def test_a_reused_photo_names_the_earlier_claim(bot):
    c = cast(bot)
    first = await submitted_claim(bot, c.ming, colors=[(9, 9, 9)])
    second = await submitted_claim(bot, c.ming, colors=[(9, 9, 9)])
    async with bot.rt.tx() as s:
        evidence = (await s.get(Claim, second)).evidence
    assert evidence["reused"] == [{"photo": 1, "claim_id": first, "kind": "exact",
                                   "distance": 0}]
    assert "reused_photo" in evidence["unmet"]
    *_, card = bot.replies(c.room)
    assert f"⚠️ 第 1 张照片与售后申请 #{first} 的照片相同或几乎相同" in card["text"]
