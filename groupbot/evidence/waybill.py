"""Is there a waybill in the photo? A shipping label, not just any barcode.

A waybill is a barcode (read or at least seen as bars), a tracking-number line, and a label
layout: a courier's name or sender / recipient blocks. Product codes (EAN/UPC), GS1
logistics codes (SSCC pallet labels, GTIN with batch) and the regions they sit in are not
evidence of one; a receipt's or a price tag's Code 128 is not either, unless its label says
it belongs to a courier.

Evidence, strongest first:
1. a number on the photo is the order's tracking number;
2. a barcode or printed number in a courier's prefixed grammar (SF, YT, JT, JD, EMS S10);
3. an all-digit number of a courier's grammar, or bars nothing could decode, plus
   courier words on the label around them (read by OCR, only when 1 and 2 are missing).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .barcode import BarcodeResult, Region, is_not_a_waybill_code
from .couriers import fits_any, fits_strong, has_label_words
from .findings import Box, NumberRead


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def courier_regions(res: BarcodeResult) -> list[Region]:
    """Verified bar regions that are not where a product or GS1 code was read."""
    excluded = [h.box for h in res.hits if is_not_a_waybill_code(h) and h.box]
    return [r for r in res.regions if r.barcode_like and not any(_overlaps(r.box, b) for b in excluded)]


def decide(
    numbers: Sequence[NumberRead],
    res: BarcodeResult,
    read_words: Callable[[Region], list[str]] | None,
) -> bool:
    """Whether the photo shows a waybill. ``read_words`` OCRs the label around a region
    (None: no OCR allowed, then only rules 1 and 2 can say yes)."""
    if any(n.matches for n in numbers):
        return True
    codes = {h.text for h in res.hits if is_not_a_waybill_code(h)}
    reads = [n for n in numbers if n.text not in codes]
    regions = courier_regions(res)
    bars_seen = bool(regions) or any(n.source == "barcode" for n in reads)
    if bars_seen and any(n.tracking_like and fits_strong(n.normalized) for n in reads):
        return True
    weak = any(n.tracking_like and fits_any(n.normalized) for n in reads)
    undecoded = bool(regions)
    if not (weak or undecoded) or read_words is None:
        return False
    # Where to look for the label's words: the region of the weak read, else the best one.
    boxes = [n.box for n in reads if n.box and fits_any(n.normalized)]
    ordered = sorted(regions, key=lambda r: not any(_overlaps(r.box, b) for b in boxes))
    if not ordered:
        ordered = [h.region for h in res.hits if h.region is not None and h.text not in codes]
    return any(has_label_words(read_words(r)) for r in ordered[:1])
