"""Re-used photo detection: Telegram's file_unique_id and a 64-bit perceptual hash.

pHash: greyscale, 32x32 area resize, 2-D DCT, the 8x8 lowest frequencies compared with
their median. Resizing and recompression change few of the 64 bits; different pictures
differ in about half of them. A plain pHash breaks down once a few percent are cropped
off one side (the content shifts against the DCT basis), so:

* the stored hash (``PhotoFindings.phash``) covers the photo's central region, without a
  STORED_MARGIN border on each side;
* the new photo is hashed under REUSE_CROP_STEPS hypotheses of how much was cropped off
  each side (``reuse_probes``): for one of them its window shows the same central region
  of the original, and that probe is close to the stored hash.

The distance threshold was tuned with benchmarks/evidence.py on the dev set (copies resized,
recompressed and cropped up to 8% a side vs all pairs of different photos, every probe
counted) for at most 0.1% false positives.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence

import cv2
import numpy as np
from PIL import Image

from .findings import KnownPhoto, ReuseMatch

# Hamming distance at or below which two photos are "the same picture" (best probe).
REUSE_MAX_DISTANCE = 6
STORED_MARGIN = 0.08
REUSE_CROP_STEPS = (0.0, 0.04, 0.08)
_SMALL_SIDE = 256  # probes are cut from a small copy: 81 hashes cost a few ms


def phash_array(gray: np.ndarray) -> int:
    """64-bit pHash of an 8-bit greyscale array."""
    small = cv2.resize(gray, (32, 32), interpolation=cv2.INTER_AREA).astype(np.float32)
    dct = cv2.dct(small)
    low = dct[:8, :8].flatten()
    # The DC term only says how bright the picture is; the median ignores it.
    med = np.median(low[1:])
    bits = low > med
    value = 0
    for b in bits:
        value = (value << 1) | int(b)
    return value


def _small_gray(im: Image.Image | np.ndarray) -> np.ndarray:
    gray = np.asarray(im.convert("L")) if isinstance(im, Image.Image) else im
    h, w = gray.shape[:2]
    f = _SMALL_SIDE / max(h, w)
    if f < 1:
        size = (max(1, round(w * f)), max(1, round(h * f)))
        gray = cv2.resize(gray, size, interpolation=cv2.INTER_AREA)
    return gray


def _window(gray: np.ndarray, x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    h, w = gray.shape
    xa, xb = round(x0 * w), max(round(x1 * w), round(x0 * w) + 1)
    ya, yb = round(y0 * h), max(round(y1 * h), round(y0 * h) + 1)
    return gray[ya:yb, xa:xb]


def phash_image(im: Image.Image | np.ndarray) -> str:
    """The stored pHash of a photo (central region), 16 hex chars."""
    m = STORED_MARGIN
    return format_phash(phash_array(_window(_small_gray(im), m, m, 1 - m, 1 - m)))


def reuse_probes(im: Image.Image | np.ndarray) -> tuple[str, ...]:
    """pHashes of this photo under each crop hypothesis; the first is phash_image's."""
    gray = _small_gray(im)
    m = STORED_MARGIN
    out = []
    steps = REUSE_CROP_STEPS
    for cl, cr, ct, cb in itertools.product(steps, repeat=4):
        # Where the original's central region lies in this photo if it was cropped so.
        x0, x1 = (m - cl) / (1 - cl - cr), (1 - m - cl) / (1 - cl - cr)
        y0, y1 = (m - ct) / (1 - ct - cb), (1 - m - ct) / (1 - ct - cb)
        if min(x0, y0) < 0 or max(x1, y1) > 1:
            continue
        out.append(format_phash(phash_array(_window(gray, x0, y0, x1, y1))))
    return tuple(out)


def format_phash(value: int) -> str:
    return f"{value:016x}"


def parse_phash(text: str) -> int:
    if len(text) != 16:
        raise ValueError(f"pHash must be 16 hex chars, got {text!r}")
    return int(text, 16)


def hamming(a: str | int, b: str | int) -> int:
    ia = parse_phash(a) if isinstance(a, str) else a
    ib = parse_phash(b) if isinstance(b, str) else b
    return (ia ^ ib).bit_count()


def popcount(x: np.ndarray) -> np.ndarray:
    if hasattr(np, "bitwise_count"):  # numpy >= 2.0
        return np.bitwise_count(x)
    bits = np.unpackbits(x.view(np.uint8).reshape(*x.shape, 8), axis=-1)
    return bits.sum(axis=-1)


def find_reuse(
    phash: str | Sequence[str] | None,
    file_unique_id: str | None,
    known: Iterable[KnownPhoto],
    *,
    max_distance: int = REUSE_MAX_DISTANCE,
) -> ReuseMatch | None:
    """The earlier claim photo this one re-uses, if any.

    ``phash`` is the new photo's ``PhotoFindings.reuse_probes`` (best: finds cropped copies)
    or just its ``phash`` (finds resized / recompressed copies). An identical Telegram
    ``file_unique_id`` wins (the same file sent again); otherwise the known photo with the
    smallest pHash distance within ``max_distance``. The caller passes the community's
    known photos, excluding the current claim's own.
    """
    if phash is None:
        probes: list[int] = []
    elif isinstance(phash, str):
        probes = [parse_phash(phash)]
    else:
        probes = [parse_phash(p) for p in phash]
    candidates: list[KnownPhoto] = []
    values: list[int] = []
    for kp in known:
        if file_unique_id and kp.file_unique_id == file_unique_id:
            return ReuseMatch(kp.claim_id, "exact", 0, kp.photo_id, kp.claim_number)
        if not probes or not kp.phash:
            continue
        try:
            values.append(parse_phash(kp.phash))
        except ValueError:
            continue  # a malformed stored hash must not break the check for the rest
        candidates.append(kp)
    if not candidates:
        return None
    # Vectorised: a community may have tens of thousands of photos and we have 81 probes.
    stored = np.array(values, dtype=np.uint64)
    probe_arr = np.array(probes, dtype=np.uint64)
    dist = popcount(probe_arr[:, None] ^ stored[None, :]).min(axis=0)
    i = int(np.argmin(dist))
    d = int(dist[i])
    if d > max_distance:
        return None
    kp = candidates[i]
    return ReuseMatch(kp.claim_id, "similar", d, kp.photo_id, kp.claim_number)
