"""Where the barcodes are: regions of strong, consistently oriented gradients, verified as
bars, straightened; and the bar profiles across them for the blurred-code reader."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .findings import Box

DETECT_MAX_SIDE = 1280
MAX_REGIONS = 4
# Tuned on the dev set: real barcodes show >= 18 strong edges, fruit texture <= 8.
MIN_CROSSINGS = 16
MIN_CONSISTENCY = 0.5
PROFILE_SCALE = 4.0  # profile samples per photo pixel (fewer for long regions)
PROFILE_MAX_LEN = 2400  # samples
PROFILE_MAX_ROWS = 400  # rows averaged at most (tall bars: their middle is enough)
PROFILE_PAD = 0.3  # crop padding along the bars' profile, of the region's length: the quiet zones
PROFILE_BANDS = ((0.3, 0.7), (0.15, 0.5), (0.5, 0.85))  # rows averaged: middle, upper, lower


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
    def bars_bent(self) -> bool:
        """Many edges that do not line up across the region: bars seen in perspective or on
        a curved box (or print that is not bars). Not evidence of a barcode on its own, but
        where label OCR may still find the number when nothing better is there."""
        return self.crossings >= MIN_CROSSINGS and not self.barcode_like

    @property
    def box(self) -> Box:
        pts = cv2.boxPoints(self.rect)
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


def scan_regions(
    gray: np.ndarray, max_regions: int = MAX_REGIONS
) -> tuple[list[tuple[Region, np.ndarray]], list[Region]]:
    """Verified barcode-like regions with their straightened crops, best first; and the
    candidates whose bars did not line up (``Region.bars_bent``), best first."""
    out, bent = [], []
    for cand in candidate_regions(gray, max_regions + 2):
        crop, _ = _upright_crop(gray, cand)
        if min(crop.shape) < 8:
            continue
        crop, _ = _refine_angle(crop)
        crossings, corr = _profile_stats(crop)
        region = Region(cand.score, cand.rect, cand.theta, crossings, corr)
        if region.barcode_like:
            out.append((region, crop))
        elif region.bars_bent:
            bent.append(region)
    return out[:max_regions], bent


def find_regions(
    gray: np.ndarray, max_regions: int = MAX_REGIONS
) -> list[tuple[Region, np.ndarray]]:
    """Verified barcode-like regions with their straightened crops, best first."""
    return scan_regions(gray, max_regions)[0]


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


def bar_profiles(gray: np.ndarray, region: Region) -> tuple[list[np.ndarray], float]:
    """Profiles across a region's bars for blurred.decode_profile, and their samples per
    photo pixel: the region straightened and enlarged (cubic), its residual tilt removed
    (the sharpest profile wins, searched at half the scale), rows averaged over
    PROFILE_BANDS - averaging along the bars takes out most of the noise. Each band is a
    separate reading."""
    (cx, cy), _, _ = region.rect
    base = float(np.degrees(region.theta))
    m = cv2.getRotationMatrix2D((cx, cy), base, 1.0)
    pts = cv2.transform(cv2.boxPoints(region.rect)[None], m)[0]
    length, height = pts.max(axis=0) - pts.min(axis=0)
    length = length * (1 + 2 * PROFILE_PAD) + 16
    scale = min(PROFILE_SCALE, PROFILE_MAX_LEN / length)
    if min(length, height * 0.9) * scale < 16:
        return [], scale
    # Only the area the rotated crop can reach, as float (not the whole photo).
    r = int(np.hypot(length, height) / 2) + 4
    x0, y0 = max(0, int(cx) - r), max(0, int(cy) - r)
    src = gray[y0 : int(cy) + r + 1, x0 : int(cx) + r + 1].astype(np.float32)
    cx, cy = cx - x0, cy - y0

    def warp(angle: float, k: float) -> np.ndarray:
        size = (int(length * k), int(min(height * 0.9 * k, PROFILE_MAX_ROWS * k / scale)))
        m = cv2.getRotationMatrix2D((cx, cy), angle, k)
        m[0, 2] += size[0] / 2 - cx
        m[1, 2] += size[1] / 2 - cy
        return cv2.warpAffine(src, m, size, flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)

    def sharpness(crop: np.ndarray) -> float:
        h = crop.shape[0]
        return float(np.abs(np.diff(crop[int(h * 0.2) : int(h * 0.8)].mean(axis=0))).sum())

    tilt = max(
        (0.0, -0.5, 0.5, -1.0, 1.0, -1.5, 1.5, -2.0, 2.0),
        key=lambda da: sharpness(warp(base + da, scale / 2)),
    )
    crop = warp(base + tilt, scale)
    h = crop.shape[0]
    bands = [crop[int(h * a) : max(int(h * b), int(h * a) + 1)] for a, b in PROFILE_BANDS]
    return [b.mean(axis=0) for b in bands], scale
