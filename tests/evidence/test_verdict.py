"""Claim verdict: which requirement is unmet, as codes."""

from __future__ import annotations

from groupbot.evidence import NumberRead, PhotoFindings, ReuseMatch, verdict


def _n(text: str, matches: bool) -> NumberRead:
    return NumberRead(text, text, "barcode", matches, "Code128")


GOODS = PhotoFindings(goods_found=True, goods_score=0.9, damage_score=0.8)
LABEL_OK = PhotoFindings(
    waybill_found=True,
    tracking_match=True,
    numbers=(_n("SF1234567890", True),),
    matched_number="SF1234567890",
)
BOTH_OK = PhotoFindings(
    goods_found=True,
    goods_score=0.9,
    damage_score=0.7,
    waybill_found=True,
    tracking_match=True,
    numbers=(_n("SF1234567890", True),),
)
BOTH_WRONG = PhotoFindings(
    goods_found=True, waybill_found=True, numbers=(_n("JD9999999999", False),)
)
BOTH_UNREAD = PhotoFindings(goods_found=True, waybill_found=True)


def test_complete():
    v = verdict([BOTH_OK, GOODS])
    assert v.ok and v.unmet == ()
    assert v.together_photo == 0 and v.matched_photo == 0 and v.tracking_match
    assert v.damage_score == 0.8


def test_not_together():
    v = verdict([GOODS, LABEL_OK])
    assert v.unmet == ("not_together",)


def test_missing_parts():
    assert verdict([GOODS]).unmet == ("no_waybill",)
    assert verdict([LABEL_OK]).unmet == ("no_goods",)
    assert verdict([]).unmet == ("no_photos",)
    assert verdict([PhotoFindings(error="truncated")]).unmet == ("bad_photo",)


def test_number_problems():
    assert verdict([BOTH_WRONG]).unmet == ("number_mismatch",)
    assert verdict([BOTH_UNREAD]).unmet == ("number_unreadable",)
    assert verdict([BOTH_WRONG, LABEL_OK]).tracking_match  # one photo with the right label
    assert verdict([BOTH_UNREAD], expected=[]).unmet == ()  # order has no number to compare


def test_reuse_and_errors():
    m = ReuseMatch(claim_id=5, kind="similar", distance=3, claim_number="C-5")
    v = verdict([BOTH_OK, PhotoFindings(error="timeout")], [m, None])
    assert v.unmet == ("reused_photo",)
    assert v.reused == ((0, m),)
    assert v.photo_errors == ((1, "timeout"),)
