"""The generator's goods label says what can be seen, not what lies under the label."""

from __future__ import annotations

import numpy as np

from tools.evidence.make_waybills import _goods, generate, visible_goods
from tools.evidence.scene import _disc


def _fruit(w: int = 200, h: int = 100) -> list[np.ndarray]:
    return [_disc(w, h, 40, 50, 20), _disc(w, h, 150, 50, 20)]


def test_fruit_wholly_behind_the_label_is_not_goods_present():
    alpha = np.ones((100, 200), np.float32)  # the label covers the whole photo
    v = visible_goods("table-fresh", _fruit(), alpha)
    assert v == 0.0
    assert _goods("table-damaged", {}, v) == ("0", "")


def test_one_fruit_in_view_is_goods_present_and_a_third_of_one_is_not_scored():
    alpha = np.zeros((100, 200), np.float32)
    alpha[:, :100] = 1  # the left fruit is hidden, the right one in view
    assert visible_goods("table-fresh", _fruit(), alpha) == 1.0
    assert _goods("table-damaged", {}, 1.0) == ("1", "1")
    alpha[:, :] = 1
    alpha[:, 160:] = 0  # the right third of the right fruit
    v = visible_goods("table-fresh", _fruit(), alpha)
    assert 0.1 <= v < 0.5
    assert _goods("table-fresh", {}, v) == ("", "")


def test_a_dev_photo_mostly_covered_is_not_scored():
    goods_of = {"d1.jpg": ("1", "0"), "d2.jpg": ("0", "")}
    alpha = np.zeros((100, 200), np.float32)
    alpha[:, :150] = 1
    v = visible_goods("photo:d1.jpg", [], alpha)
    assert v == 0.25
    assert _goods("photo:d1.jpg", goods_of, v) == ("", "")
    assert _goods("photo:d1.jpg", goods_of, 0.8) == ("1", "0")
    assert _goods("photo:d2.jpg", goods_of, 0.25) == ("0", "")
    assert _goods("cardboard", goods_of, None) == ("0", "")


def test_generated_rows_note_what_was_visible():
    rows = [s.row for s in generate(5, 12, 0)]
    drawn = [r for r in rows if "background=table-" in r["notes"]]
    assert drawn and all("goods_visible=" in r["notes"] for r in drawn)
    for r in drawn:
        v = float(r["notes"].split("goods_visible=")[1])
        assert r["has_goods"] == ("1" if v >= 0.5 else "0" if v < 0.1 else "")
