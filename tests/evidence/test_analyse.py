"""The whole per-photo pipeline on generated claim photos."""

from __future__ import annotations

from groupbot.evidence import analyse_photo

from .conftest import TRACKING


def test_label_photo_matches(label_photo: bytes):
    f = analyse_photo(label_photo, [TRACKING])
    assert f.ok and f.error is None
    assert f.waybill_found and f.waybill_box is not None
    assert f.tracking_match and f.matched_number == TRACKING
    assert any(n.source == "barcode" and n.matches for n in f.numbers)
    assert f.goods_found and f.goods_score > 0.5 and f.goods_box is not None
    assert f.damage_score is not None and 0 <= f.damage_score <= 1
    assert len(f.phash) == 16
    assert f.width == 1024 and f.height == 768


def test_wrong_number_is_a_mismatch_never_a_match(label_photo: bytes):
    wrong = TRACKING[:-1] + ("7" if TRACKING[-1] != "7" else "8")
    f = analyse_photo(label_photo, [wrong])
    assert not f.tracking_match
    assert f.matched_number is None
    assert TRACKING in [n.normalized for n in f.numbers]
    assert all(not n.matches for n in f.numbers)
    assert f.waybill_found


def test_number_spelled_differently_by_the_order(label_photo: bytes):
    f = analyse_photo(label_photo, ["sf 7751-6719-05686"])
    assert f.tracking_match and f.matched_number == "sf 7751-6719-05686"


def test_photo_without_label(fruit_photo: bytes):
    f = analyse_photo(fruit_photo, [TRACKING])
    assert f.ok
    assert not f.waybill_found and not f.tracking_match and f.numbers == ()
    assert f.goods_found


def test_damage_signal_orders_damaged_above_fresh(fruit_photo: bytes, fresh_photo: bytes):
    damaged = analyse_photo(fruit_photo, [], ocr_mode="off")
    fresh = analyse_photo(fresh_photo, [], ocr_mode="off")
    assert damaged.damage_score > fresh.damage_score


def test_findings_serialise(label_photo: bytes):
    d = analyse_photo(label_photo, [TRACKING]).to_dict()
    assert d["tracking_match"] is True and d["numbers"][0]["source"] == "barcode"
