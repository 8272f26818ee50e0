"""The claim steps that resolutions adapt: 少发/漏发 asks for the packing slip or label (the
goods are not required by the evidence checks), damage in transit asks 外包装是否完好？ and
the answer is stored and shown to reviewers."""

import pytest
from sqlalchemy import select

from groupbot.evidence.findings import NumberRead, PhotoFindings
from groupbot.evidence.verdict import verdict
from groupbot.models import Claim
from tests.handlers.test_claims import delivered_order, open_claim, photo
from tests.resolutions.helpers import SETTINGS, cast, t
from tests.reviews.helpers import card_in, submitted_claim

pytestmark = pytest.mark.settings(**SETTINGS)


async def test_damage_in_transit_asks_about_the_outer_packaging(bot):
    _c, ming = await delivered_order(bot, quantity=3)
    await open_claim(bot, ming)
    await bot.say(ming, "1")
    [reason] = bot.replies(ming)
    await bot.tap(ming, reason, "cl:r:crushed")
    [question] = bot.replies(ming)
    assert question["text"] == t("resolutions.packaging.ask")
    assert [label for label, _ in bot.sb.buttons(question)] == [
        "📦 外包装完好", "💥 外包装破损", "📷 拍照说明"]
    await bot.tap(ming, question, "cl:pk:damaged")
    [describe] = bot.replies(ming)
    assert describe["text"] == t("claims.ask_description")
    await bot.tap(ming, describe, "cl:skip")
    bot.replies(ming)
    await bot.send_photos(ming, [photo()])
    [received] = bot.replies(ming)
    await bot.tap_label(ming, received, "照片传完了")
    [summary] = bot.replies(ming)
    assert t("resolutions.packaging.summary", answer="破损") in summary["text"]
    await bot.tap(ming, summary, "cl:submit")
    async with bot.rt.tx() as s:
        claim = await s.scalar(select(Claim))
    assert (claim.reason, claim.packaging) == ("crushed", "damaged")


async def test_a_rotten_claim_does_not_ask_about_packaging(bot):
    _c, ming = await delivered_order(bot, quantity=3)
    await open_claim(bot, ming)
    await bot.say(ming, "1")
    [reason] = bot.replies(ming)
    await bot.tap(ming, reason, "cl:r:rotten")
    assert bot.texts(ming) == [t("claims.ask_description")]


async def test_a_missing_item_asks_for_the_packing_slip(bot):
    _c, ming = await delivered_order(bot, quantity=3)
    await open_claim(bot, ming)
    await bot.say(ming, "1")
    [reason] = bot.replies(ming)
    await bot.tap(ming, reason, "cl:r:missing")
    [describe] = bot.replies(ming)
    await bot.tap(ming, describe, "cl:skip")
    assert bot.htmls(ming) == [t("resolutions.ask_slip_photos", max=6, count=0)]


async def test_the_reviewer_card_shows_the_packaging_answer(bot):
    c = cast(bot)
    claim_id = await submitted_claim(bot, c.ming, reason="crushed", post=False)
    async with bot.rt.tx() as s:
        (await s.get(Claim, claim_id)).packaging = "intact"
    from handlers.ticks import tick_now

    await tick_now(bot.app)
    await bot.settle()
    assert "外包装：完好" in card_in(bot, c.room, claim_id)["text"]


def _label(number: str | None, goods: bool) -> PhotoFindings:
    numbers = (NumberRead(number, number, "barcode", True),) if number else ()
    return PhotoFindings(waybill_found=True, numbers=numbers, tracking_match=bool(number),
                         goods_found=goods)


def test_a_packing_slip_without_goods_meets_the_missing_item_evidence():
    slip = [_label("SF1234567890", goods=False)]
    assert verdict(slip, expected=["SF1234567890"]).unmet == ("no_goods",)
    assert verdict(slip, expected=["SF1234567890"], goods_required=False).unmet == ()
    unreadable = [_label(None, goods=False)]
    assert verdict(unreadable, expected=["SF1234567890"], goods_required=False).unmet == (
        "number_unreadable",)
    nothing = [PhotoFindings(goods_found=True)]
    assert verdict(nothing, expected=["SF1234567890"], goods_required=False).unmet == (
        "no_waybill",)
