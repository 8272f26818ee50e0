"""One photo in, findings out: the pure, synchronous pipeline the worker pool runs."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Literal

import cv2
import numpy as np
from PIL import Image

from . import barcode, goods, ocr, waybill
from .couriers import misread
from .findings import Box, NumberRead, PhotoFindings
from .phash import phash_image, reuse_probes
from .safety import EvidenceError, check_dimensions, load_image
from .tracking import looks_like_tracking, match_number, normalize

log = logging.getLogger(__name__)

# "label": OCR the label around barcode regions when the barcode did not give the number.
# "full": also the whole photo (slow: ~1 s on one core; the engine uses it only when no
# photo of the claim matched). "off": barcodes only.
OcrMode = Literal["off", "label", "full"]
MAX_OCR_REGIONS = 2
# Bars in perspective or on a curved box fail the barcode check (their edges do not line up)
# and zxing cannot read them, yet the number printed by them is often legible: label OCR
# looks around the best such region when the verified ones gave nothing. One at most: fruit
# skin rarely shows that many edges, so goods photos seldom pay for it.
MAX_BENT_OCR_REGIONS = 1


def _problems(gray: np.ndarray) -> tuple[str, ...]:
    """Non-fatal quality hints, conservative so they rarely nag about a usable photo."""
    out = []
    h, w = gray.shape
    if min(h, w) < 320:
        out.append("low_resolution")
    mean = float(gray.mean())
    if mean < 35:
        out.append("too_dark")
    elif mean > 240 and float(gray.std()) < 20:
        out.append("overexposed")
    f = 640 / max(h, w)
    small = cv2.resize(gray, None, fx=f, fy=f, interpolation=cv2.INTER_AREA) if f < 1 else gray
    if float(cv2.Laplacian(small, cv2.CV_32F).var()) < 8:
        out.append("blurry")
    return tuple(out)


def _union(a: Box | None, b: Box | None) -> Box | None:
    if a is None or b is None:
        return a or b
    return min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])


def _barcode_numbers(res: barcode.BarcodeResult) -> list[NumberRead]:
    out = []
    for h in res.hits:
        if not (h.confirmed or h.matched):
            continue
        norm = normalize(h.text)
        tracking = barcode.is_tracking_symbology(h.symbology) and looks_like_tracking(norm)
        out.append(
            NumberRead(
                h.text,
                norm,
                "barcode",
                h.matched is not None,
                h.symbology,
                h.box,
                tracking or h.matched is not None,
            )
        )
    return out


def _text_numbers(found: list[ocr.TextNumber]) -> list[NumberRead]:
    return [
        NumberRead(
            t.line,
            t.token,
            "text",
            t.matched is not None,
            None,
            t.box,
            # A read breaking its courier's grammar (a dropped digit) is a misread: it makes
            # the number unreadable, not a different parcel's.
            t.matched is not None or (looks_like_tracking(t.token) and not misread(t.token)),
            t.confidence,
        )
        for t in found
    ]


def _read_numbers(
    gray: np.ndarray, expected: Sequence[str], mode: OcrMode, budget_s: float
) -> tuple[list[NumberRead], Box | None, bool]:
    """Numbers read, the box of the tracking-like ones, and whether a waybill is shown."""
    res = barcode.read_barcodes(gray, tuple(expected), time_budget_s=budget_s)
    numbers = _barcode_numbers(res)
    box = None
    for n in numbers:
        if n.tracking_like:
            box = _union(box, n.box)
    words = None if mode == "off" else (lambda region: ocr.read_context(gray, region))
    if any(n.matches for n in numbers) or mode == "off":
        return numbers, box, waybill.decide(numbers, res, words)
    text: list[NumberRead] = []
    for region in (*res.regions[:MAX_OCR_REGIONS], *res.bent[:MAX_BENT_OCR_REGIONS]):
        text += _text_numbers(ocr.read_label(gray, region, expected))
        if any(n.matches for n in text):
            break
    if mode == "full" and not any(n.matches for n in text):
        text += _text_numbers(ocr.read_full(gray, expected))
    seen = {n.normalized for n in numbers}
    for n in text:
        if n.normalized not in seen:
            seen.add(n.normalized)
            numbers.append(n)
            if n.tracking_like:
                box = _union(box, n.box)
    return numbers, box, waybill.decide(numbers, res, words)


def analyse_image(
    im: Image.Image,
    expected: Sequence[str] = (),
    *,
    ocr_mode: OcrMode = "label",
    barcode_budget_s: float = 1.0,
) -> PhotoFindings:
    """Findings for an already decoded, upright RGB image."""
    start = time.monotonic()
    try:
        check_dimensions(im.width, im.height)
    except EvidenceError as exc:  # callers holding a decoded image get the same refusal
        return PhotoFindings(error=exc.code, width=im.width, height=im.height)
    gray = np.asarray(im.convert("L"))
    g = goods.analyse_goods(im)
    numbers, box, waybill_found = _read_numbers(gray, expected, ocr_mode, barcode_budget_s)
    matched = next((n for n in numbers if n.matches), None)
    matched_exp = match_number(matched.normalized, expected) if matched else None
    if matched and matched_exp is None:  # matched via a glued label word ("NOSF...")
        matched_exp = next(iter(expected), None)
    if not waybill_found:
        box = None
    elif box is None:
        regions = barcode.find_regions(gray, 1)
        box = regions[0][0].box if regions else None
    return PhotoFindings(
        error=None,
        width=im.width,
        height=im.height,
        waybill_found=waybill_found,
        waybill_box=box,
        numbers=tuple(numbers),
        tracking_match=matched is not None,
        matched_number=matched_exp,
        goods_found=g.goods_found,
        goods_score=round(g.goods_score, 4),
        goods_box=g.box,
        damage_score=round(g.damage_score, 4) if g.goods_found else None,
        phash=phash_image(gray),
        reuse_probes=reuse_probes(gray),
        problems=_problems(gray),
        elapsed_ms=round((time.monotonic() - start) * 1000, 1),
    )


def analyse_photo(
    data: bytes,
    expected: Sequence[str] = (),
    *,
    max_bytes: int | None = None,
    ocr_mode: OcrMode = "label",
    barcode_budget_s: float = 1.0,
) -> PhotoFindings:
    """Analyse one photo's bytes against the order's expected tracking numbers.

    Never raises for a bad photo: refusals come back as ``PhotoFindings(error=code)``.
    """
    start = time.monotonic()
    try:
        im = load_image(data, max_bytes=max_bytes)
    except EvidenceError as exc:
        return PhotoFindings(error=exc.code, elapsed_ms=(time.monotonic() - start) * 1000)
    return analyse_image(im, expected, ocr_mode=ocr_mode, barcode_budget_s=barcode_budget_s)
