"""Reading waybill barcodes: zxing-cpp on the whole photo, then on straightened regions.

zxing-cpp alone reads a clear label in ~20 ms but misses small, skewed or blurred ones. So
when the whole-photo pass does not give the order's number, barcode-like regions are found
first (strong, consistently oriented gradients: the structure tensor), each is rotated so
its bars stand upright, and zxing reads (a) the sharpened, enlarged crop and (b) synthetic
"pure" images made from the crop's column profile over horizontal bands - averaging along
the bars removes JPEG noise and blur spread that break thin modules.

Checksums catch most misreads, not all: a text that is not the order's is only reported
when read twice or by the plain whole-photo pass, so a lucky wrong decode of a blurred
crop does not become a "number mismatch".
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass

import cv2
import numpy as np
import zxingcpp

from .findings import Box
from .tracking import match_number

DETECT_MAX_SIDE = 1280
MAX_REGIONS = 4
# Tuned on the dev set: real barcodes show >= 18 strong edges, fruit texture <= 8.
MIN_CROSSINGS = 16
MIN_CONSISTENCY = 0.5
# Retail codes are product barcodes, not waybills: read them but never take them for the
# tracking number.
RETAIL = {"EAN13", "EAN8", "UPCA", "UPCE", "EAN-13", "EAN-8", "UPC-A", "UPC-E", "ISBN"}


@dataclass(frozen=True, slots=True)
class Region:
    score: float
    rect: tuple[tuple[float, float], tuple[float, float], float]  # cv2.minAreaRect, full res
    theta: float  # dominant gradient direction (radians): bars are perpendicular to it
    crossings: int = 0  # bar edges along the straightened profile
    consistency: float = 0.0  # upper vs lower half profile correlation (bars run through)

    @property
    def barcode_like(self) -> bool:
        """Many edges that line up across the region: bars, not fruit texture or a border."""
        return self.crossings >= MIN_CROSSINGS and self.consistency >= MIN_CONSISTENCY

    @property
    def box(self) -> Box:
        pts = cv2.boxPoints(self.rect)
        x0, y0 = pts.min(axis=0)
        x1, y1 = pts.max(axis=0)
        return int(x0), int(y0), int(np.ceil(x1)), int(np.ceil(y1))


@dataclass(frozen=True, slots=True)
class BarcodeHit:
    text: str
    symbology: str
    box: Box | None
    region: Region | None  # None for the whole-photo pass
    confirmed: bool  # whole-photo read or read more than once
    matched: str | None  # the order's number it equals


@dataclass(frozen=True, slots=True)
class BarcodeResult:
    hits: tuple[BarcodeHit, ...]
    regions: tuple[Region, ...]

    @property
    def matched(self) -> BarcodeHit | None:
        return next((h for h in self.hits if h.matched), None)


def _fmt(b: zxingcpp.Barcode) -> str:
    return str(b.format).split(".")[-1].replace(" ", "")


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


def candidate_regions(gray: np.ndarray, max_regions: int = MAX_REGIONS) -> list[Region]:
    """Regions of strong, consistently oriented gradients, best first (not yet verified)."""
    h, w = gray.shape
    f = min(1.0, DETECT_MAX_SIDE / max(h, w))
    g = cv2.resize(gray, None, fx=f, fy=f, interpolation=cv2.INTER_AREA) if f < 1 else gray
    # Structure tensor, computed with few full-size temporaries (this runs on every photo).
    gx = cv2.Scharr(g, cv2.CV_32F, 1, 0)
    gy = cv2.Scharr(g, cv2.CV_32F, 0, 1)
    k = 21
    jxx = cv2.blur(gx * gx, (k, k))
    jyy = cv2.blur(gy * gy, (k, k))
    jxy = cv2.blur(np.multiply(gx, gy, out=gx), (k, k))
    del gx, gy
    tr = jxx + jyy
    # Coherence: 1 where all gradients in the window share one direction (bars), ~0 for text.
    coh = np.subtract(jxx, jyy)
    np.square(coh, out=coh)
    coh += 4 * np.square(jxy)
    np.sqrt(coh, out=coh)
    coh /= tr + 1e-6
    energy = np.sqrt(tr)
    del tr
    # Relative to the photo's strongest texture, with a floor so a flat photo finds nothing.
    ref = max(float(np.percentile(energy, 99.8)), 400.0)
    en = energy / ref
    mask = ((coh > 0.7) & (en > 0.3)).astype(np.uint8)
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((k // 2, k // 2), np.uint8))
    n, lab, stats, _ = cv2.connectedComponentsWithStats(mask)
    out = []
    for i in range(1, n):
        area = int(stats[i, cv2.CC_STAT_AREA])
        if area < k * k:
            continue
        x, y, bw, bh = (int(v) for v in stats[i, :4])
        sub = lab[y : y + bh, x : x + bw] == i
        ys, xs = np.nonzero(sub)
        pts = np.column_stack([xs + x, ys + y]).astype(np.float32) / f
        (cx, cy), (rw, rh), ang = cv2.minAreaRect(pts)
        if min(rw, rh) * f < 10 or max(rw, rh) > 12 * min(rw, rh):
            continue  # a line: label border, photo edge

        def s(j: np.ndarray, x=x, y=y, bw=bw, bh=bh, sub=sub) -> float:
            return float(j[y : y + bh, x : x + bw][sub].sum())

        theta = 0.5 * float(np.arctan2(2 * s(jxy), s(jxx) - s(jyy)))
        strength = float(
            (en[y : y + bh, x : x + bw][sub] * coh[y : y + bh, x : x + bw][sub]).mean()
        )
        out.append(Region(strength * np.sqrt(area), ((cx, cy), (rw, rh), ang), theta))
    out.sort(key=lambda r: -r.score)
    return out[:max_regions]


def _profile_stats(crop: np.ndarray) -> tuple[int, float]:
    h, w = crop.shape
    top = crop[int(h * 0.2) : max(int(h * 0.5), int(h * 0.2) + 1)].astype(np.float32).mean(0)
    bot = crop[int(h * 0.5) : max(int(h * 0.8), int(h * 0.5) + 1)].astype(np.float32).mean(0)
    dt, db = np.diff(top), np.diff(bot)
    corr = float(np.corrcoef(dt, db)[0, 1]) if dt.std() > 0 and db.std() > 0 else 0.0
    p = (top + bot) / 2
    p = p - cv2.GaussianBlur(p[None], (0, 0), max(3.0, w / 20))[0]
    # Ignore small wiggles (sensor noise, JPEG): bars swing across most of the range.
    p[np.abs(p) < 0.12 * float(np.percentile(np.abs(p), 95))] = 0
    sign = np.sign(p)
    sign = sign[sign != 0]
    return int((np.diff(sign) != 0).sum()), corr


def find_regions(
    gray: np.ndarray, max_regions: int = MAX_REGIONS
) -> list[tuple[Region, np.ndarray]]:
    """Verified barcode-like regions with their straightened crops, best first."""
    out = []
    for cand in candidate_regions(gray, max_regions + 2):
        crop, _ = _upright_crop(gray, cand)
        if min(crop.shape) < 8:
            continue
        crop, _ = _refine_angle(crop)
        crossings, corr = _profile_stats(crop)
        region = Region(cand.score, cand.rect, cand.theta, crossings, corr)
        if region.barcode_like:
            out.append((region, crop))
    return out[:max_regions]


def _upright_crop(gray: np.ndarray, region: Region) -> tuple[np.ndarray, np.ndarray]:
    """Crop rotated so the bars are vertical, with quiet-zone padding; also crop->photo map."""
    (cx, cy), _, _ = region.rect
    box = cv2.boxPoints(region.rect)
    m = cv2.getRotationMatrix2D((cx, cy), float(np.degrees(region.theta)), 1.0)
    pts = cv2.transform(box[None], m)[0]
    x0, y0 = pts.min(axis=0)
    x1, y1 = pts.max(axis=0)
    px, py = 0.12 * (x1 - x0) + 8, 0.08 * (y1 - y0) + 4
    m[0, 2] -= x0 - px
    m[1, 2] -= y0 - py
    size = (int(x1 - x0 + 2 * px), int(y1 - y0 + 2 * py))
    crop = cv2.warpAffine(gray, m, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return crop, cv2.invertAffineTransform(m)


def _refine_angle(crop: np.ndarray) -> tuple[np.ndarray, float]:
    """Small rotation that makes the bars most exactly vertical (sharpest column profile)."""
    h, w = crop.shape
    band = slice(int(h * 0.2), max(int(h * 0.8), int(h * 0.2) + 1))
    best = (-1.0, 0.0, crop)
    for a in (0.0, -1.0, 1.0, -2.0, 2.0, -3.0, 3.0):
        if a:
            m = cv2.getRotationMatrix2D((w / 2, h / 2), a, 1.0)
            r = cv2.warpAffine(
                crop, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
            )
        else:
            r = crop
        v = float(np.abs(np.diff(r[band].mean(axis=0))).sum())
        if v > best[0]:
            best = (v, a, r)
    return best[2], best[1]


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
    """All barcodes read, stopping early once one equals an expected number."""
    start = time.monotonic()
    hits: list[BarcodeHit] = []
    for b in zxingcpp.read_barcodes(gray):
        if b.valid and b.text:
            hits.append(
                BarcodeHit(
                    b.text, _fmt(b), _quad_box(b), None, True, match_number(b.text, expected)
                )
            )
    if any(h.matched for h in hits):
        return BarcodeResult(tuple(hits), ())
    found_regions = find_regions(gray)
    regions = tuple(r for r, _ in found_regions)
    seen = {h.text for h in hits}
    counts: Counter[str] = Counter()
    first: dict[str, BarcodeHit] = {}
    done = [h.box for h in hits if h.box]
    for region, crop in found_regions:
        if any(_overlap(region.box, b) > 0.5 for b in done):
            continue  # the whole-photo pass already read this code
        for img in _attempts(crop):
            if time.monotonic() - start > time_budget_s:
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
                    first[b.text] = BarcodeHit(b.text, _fmt(b), region.box, region, False, matched)
                if matched:
                    hit = BarcodeHit(b.text, _fmt(b), region.box, region, True, matched)
                    return BarcodeResult(tuple([*hits, hit]), regions)
            if found and all(counts[b.text] >= 2 for b in found):
                break  # this region is read and confirmed: next region
    for text, hit in first.items():
        if text not in seen and counts[text] >= 2:
            hits.append(BarcodeHit(hit.text, hit.symbology, hit.box, hit.region, True, None))
    return BarcodeResult(tuple(hits), regions)


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
