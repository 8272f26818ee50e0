"""A waybill is a courier's shipping label, not any barcode (generated photos only)."""

from __future__ import annotations

import numpy as np
import pytest

from groupbot.evidence import analyse_photo
from groupbot.evidence.barcode import Region, read_barcodes
from groupbot.evidence.safety import load_image
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


@pytest.mark.parametrize("seed", [1, 10])
def test_number_by_bars_in_perspective_is_read_by_label_ocr(seed: int):
    """A label at 50 degrees in strong perspective on a curved box: its bars' edges do not
    line up, so no region passes the barcode check and zxing reads nothing; label OCR
    around the best such region still finds the number (it never ran before: g2-0004)."""
    rng = np.random.default_rng(seed)
    courier = COURIERS[seed % len(COURIERS)]
    number = tracking_number(courier.code, rng)
    flat, _ = draw_label(courier, number, rng)
    c = clear_conditions() | {"angle": 50.0, "tilt": 0.25, "frac": 0.6, "curve": 0.05}
    photo, *_ = compose(flat, c, rng)
    gray = np.asarray(load_image(photo).convert("L"))
    res = read_barcodes(gray, (number,))
    assert not res.hits and not res.regions and res.bent
    f = analyse_photo(photo, [number])
    assert f.tracking_match and f.matched_number == number and f.waybill_found
    other = number[:-3] + ("0" if number[-3] != "0" else "1") + number[-2:]
    assert not analyse_photo(photo, [other]).tracking_match


def test_bent_region_is_neither_a_barcode_nor_a_waybills_bars():
    bent = Region(1.0, ((50.0, 50.0), (80.0, 40.0), 0.0), 0.0, crossings=40, consistency=0.2)
    assert bent.bars_bent and not bent.barcode_like
    assert not Region(1.0, ((50.0, 50.0), (80.0, 40.0), 0.0), 0.0, 6, 0.2).bars_bent
    assert not Region(1.0, ((50.0, 50.0), (80.0, 40.0), 0.0), 0.0, 40, 0.9).bars_bent
