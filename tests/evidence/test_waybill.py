"""A waybill is a courier's shipping label, not any barcode (generated photos only)."""

from __future__ import annotations

import numpy as np
import pytest

from groupbot.evidence import analyse_photo
from tools.evidence.layouts import COURIERS, draw_label, tracking_number
from tools.evidence.make_waybills import clear_conditions, compose
from tools.evidence.negatives import NEGATIVES


@pytest.mark.parametrize("courier", COURIERS, ids=[c.code for c in COURIERS])
def test_each_couriers_label_is_a_waybill_with_its_number(courier):
    rng = np.random.default_rng(7)
    number = tracking_number(courier.code, rng)
    flat, _ = draw_label(courier, number, rng)
    photo, *_ = compose(flat, clear_conditions(), rng)
    f = analyse_photo(photo, [number])
    assert f.waybill_found and f.tracking_match and f.matched_number == number


@pytest.mark.parametrize("kind", sorted(NEGATIVES))
def test_product_shelf_pallet_receipt_and_page_are_not_waybills(kind: str):
    """EAN/UPC packs, price tags, SSCC pallet labels (FROM/TO blocks and GS1-128 bars),
    receipts (a long Code 128) and printed pages were called waybills before."""
    for seed in (3, 4):
        rng = np.random.default_rng(seed)
        photo, *_ = compose(NEGATIVES[kind](rng), clear_conditions(), rng)
        f = analyse_photo(photo, ["SF7751671905686"])
        assert f.ok and not f.waybill_found and f.waybill_box is None, (kind, seed, f.numbers)
        assert not f.tracking_match
