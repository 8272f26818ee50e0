"""Reading waybill barcodes: zxing-cpp on the whole photo, then on straightened regions.

zxing-cpp alone reads a clear label in ~20 ms but misses small, skewed or blurred ones. So
when the whole-photo pass does not give the order's number, barcode-like regions are found
first (strong, consistently oriented gradients: the structure tensor), each is rotated so
its bars stand upright, and zxing reads (a) the sharpened, enlarged crop and (b) synthetic
"pure" images made from the crop's column profile over horizontal bands - averaging along
the bars removes JPEG noise and blur spread that break thin modules.

When zxing cannot read a region at all - thin bars merged by blur - blurred.py fits the
Code 128 symbols to the region's bar profile (regions.bar_profiles) instead.

Checksums catch most misreads, not all: a text that is not the order's is only reported
when read twice or by the plain whole-photo pass, so a lucky wrong decode of a blurred
crop does not become a "number mismatch".
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np
import zxingcpp

from . import blurred
from .findings import Box
from .regions import (  # noqa: F401 - re-exported: the reader's public names
    MAX_REGIONS,
    Region,
    bar_profiles,
    candidate_regions,
    find_regions,
    scan_regions,
)
from .tracking import match_number

# Retail codes are product barcodes, not waybills: read them but never take them for the
# tracking number.
RETAIL = {"EAN13", "EAN8", "UPCA", "UPCE", "EAN-13", "EAN-8", "UPC-A", "UPC-E", "ISBN"}


@dataclass(frozen=True, slots=True)
class BarcodeHit:
    text: str
    symbology: str
    box: Box | None
    region: Region | None  # None for the whole-photo pass
    confirmed: bool  # whole-photo read or read more than once
    matched: str | None  # the order's number it equals
    # GS1 data (FNC1 first: SSCC pallet labels, GTINs with batch/expiry): a logistics or
    # product code, never a courier's tracking number.
    gs1: bool = False


@dataclass(frozen=True, slots=True)
class BarcodeResult:
    hits: tuple[BarcodeHit, ...]
    regions: tuple[Region, ...]
    # Candidates with many bar edges that did not line up (Region.bars_bent): never read as
    # barcodes nor taken as a waybill's bars; only label OCR looks around them.
    bent: tuple[Region, ...] = ()

    @property
    def matched(self) -> BarcodeHit | None:
        return next((h for h in self.hits if h.matched), None)


def _fmt(b: zxingcpp.Barcode) -> str:
    return str(b.format).split(".")[-1].replace(" ", "")


def _is_gs1(b: zxingcpp.Barcode) -> bool:
    return b.symbology_identifier in ("]C1", "]e0") or str(b.content_type).endswith("GS1")


def _quad_box(b: zxingcpp.Barcode) -> Box:
    p = b.position
    pts = np.array(
        [
            [p.top_left.x, p.top_left.y],
            [p.top_right.x, p.top_right.y],
            [p.bottom_right.x, p.bottom_right.y],
            [p.bottom_left.x, p.bottom_left.y],
        ],
        dtype=np.float32,
    )
    x0, y0 = pts.min(axis=0)
    x1, y1 = pts.max(axis=0)
    return int(x0), int(y0), int(np.ceil(x1)), int(np.ceil(y1))


def _sharpen(img: np.ndarray, amount: float, sigma: float) -> np.ndarray:
    f = img.astype(np.float32)
    blur = cv2.GaussianBlur(f, (0, 0), sigma)
    return np.clip(f + amount * (f - blur), 0, 255).astype(np.uint8)


def _attempts(crop: np.ndarray):
    """Images to try for one upright crop, cheapest and most likely first."""
    h, w = crop.shape
    for target in (700, 1000):
        f = target / w
        big = cv2.resize(crop, None, fx=f, fy=f, interpolation=cv2.INTER_CUBIC)
        yield _sharpen(big, 1.0, max(1.0, f * 0.8))
    for band in ((0.3, 0.7), (0.15, 0.45), (0.55, 0.85), (0.4, 0.6)):
        rows = crop[int(h * band[0]) : max(int(h * band[1]), int(h * band[0]) + 1)]
        prof = rows.astype(np.float32).mean(axis=0)[None]
        for up in (3, 5):
            p = cv2.resize(prof, (w * up, 1), interpolation=cv2.INTER_CUBIC)
            for sigma in (0.7, 1.2):
                blur = cv2.GaussianBlur(p, (0, 0), sigma * up)
                for amount in (1.0, 3.0, 6.0):
                    yield _stretch(p + amount * (p - blur))


def _stretch(profile: np.ndarray) -> np.ndarray:
    """Contrast-stretch a 1-row profile and repeat it into a small 'pure' barcode image."""
    lo, hi = np.percentile(profile, 2), np.percentile(profile, 98)
    q = np.clip((profile - lo) / (hi - lo + 1e-6) * 255, 0, 255).astype(np.uint8)
    return np.repeat(q, 16, axis=0)


def read_barcodes(
    gray: np.ndarray, expected: tuple[str, ...] = (), *, time_budget_s: float = 1.0
) -> BarcodeResult:
    """All barcodes read, stopping early once one equals an expected number.

    ``time_budget_s`` is CPU time of this thread, not wall time: on a busy machine the same
    photo gets the same attempts (and so the same answer); the engine's per-photo timeout
    bounds the wall time.
    """
    start = time.thread_time()
    hits: list[BarcodeHit] = []
    for b in zxingcpp.read_barcodes(gray):
        if b.valid and b.text:
            hits.append(
                BarcodeHit(
                    b.text, _fmt(b), _quad_box(b), None, True, match_number(b.text, expected),
                    _is_gs1(b),
                )
            )
    if any(h.matched for h in hits):
        return BarcodeResult(tuple(hits), ())
    found_regions, bent_regions = scan_regions(gray)
    regions = tuple(r for r, _ in found_regions)
    bent = tuple(bent_regions)
    seen = {h.text for h in hits}
    counts: Counter[str] = Counter()
    first: dict[str, BarcodeHit] = {}
    done = [h.box for h in hits if h.box]
    for region, crop in found_regions:
        if any(_overlap(region.box, b) > 0.5 for b in done):
            continue  # the whole-photo pass already read this code
        for img in _attempts(crop):
            if time.thread_time() - start > time_budget_s:
                break
            found = [
                b
                for b in zxingcpp.read_barcodes(img, try_rotate=False, try_downscale=False)
                if b.valid
            ]
            for b in found:
                counts[b.text] += 1
                matched = match_number(b.text, expected)
                if b.text not in first:
                    first[b.text] = BarcodeHit(
                        b.text, _fmt(b), region.box, region, False, matched, _is_gs1(b)
                    )
                if matched:
                    hit = BarcodeHit(b.text, _fmt(b), region.box, region, True, matched)
                    return BarcodeResult(tuple([*hits, hit]), regions, bent)
            if found and all(counts[b.text] >= 2 for b in found):
                break  # this region is read and confirmed: next region
        else:  # zxing could not read it (too blurred?): fit the symbols to the profile
            for text in _blurred_reads(gray, region):
                counts[text] += 1
                matched = match_number(text, expected)
                first.setdefault(text, BarcodeHit(text, "Code128", region.box, region, False, None))
                if matched:
                    hit = BarcodeHit(text, "Code128", region.box, region, True, matched)
                    return BarcodeResult(tuple([*hits, hit]), regions, bent)
                if counts[text] >= 2 or time.thread_time() - start > time_budget_s:
                    break
    for text, hit in first.items():
        if text not in seen and counts[text] >= 2:
            hits.append(
                BarcodeHit(hit.text, hit.symbology, hit.box, hit.region, True, None, hit.gs1)
            )
    return BarcodeResult(tuple(hits), regions, bent)


def _blurred_reads(gray: np.ndarray, region: Region) -> Iterator[str]:
    """Texts the blurred-code reader gets from the region's bands, lazily."""
    profiles, scale = bar_profiles(gray, region)
    for profile in profiles:
        text = blurred.decode_profile(profile, scale)
        if text:
            yield text


def _overlap(a: Box, b: Box) -> float:
    """Intersection over the smaller box."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return 0.0
    small = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return w * h / max(small, 1)


def is_tracking_symbology(symbology: str) -> bool:
    return symbology.replace("-", "").upper() not in {s.replace("-", "") for s in RETAIL}


def is_not_a_waybill_code(hit: BarcodeHit) -> bool:
    """A product (EAN/UPC) or GS1 logistics code: where it is, there is no waybill."""
    return hit.gs1 or not is_tracking_symbology(hit.symbology)
