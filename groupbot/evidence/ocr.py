"""Printed-number fallback: RapidOCR (PP-OCR models that ship inside the wheel).

Only used when the barcode did not give the order's number: on the label around each
barcode region (the number is printed just above or below the bars, and its digits are
larger than the bar modules, so text survives blur that defeats the barcode), and - when
asked - on the whole photo. RapidOCR never downloads: its three ONNX models are package
data of rapidocr_onnxruntime (tests/evidence/test_offline.py checks).

Blurred digits are read differently from one try to the next (5/8/3). Each line that holds
a number is therefore recognised again under small variations (padding, scale, a light
deconvolution) and the readings vote: a number counts only when it wins, so a lucky
misreading can neither make a match nor a mismatch.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from .barcode import Region
from .findings import Box
from .tracking import canonical, looks_like_tracking, match_in_text, tokens_from_text

log = logging.getLogger(__name__)

_local = threading.local()
LABEL_MAX_SIDE = 960  # OCR input cap: detection cost grows with area
FULL_MAX_SIDE = 1280
MAX_VOTED_LINES = 3


@dataclass(frozen=True, slots=True)
class TextNumber:
    token: str  # normalised number as read (the winning reading)
    line: str  # the whole OCR line it came from
    box: Box
    votes: int
    matched: str | None  # the order's number it is, if any


def _engine():
    # One engine per thread: RapidOCR keeps per-call state on the instance. Pool threads
    # are few and long-lived, so each loads the models once.
    eng = getattr(_local, "engine", None)
    if eng is None:
        from rapidocr_onnxruntime import RapidOCR  # slow import: only when OCR is needed

        logging.getLogger("RapidOCR").setLevel(logging.WARNING)
        eng = RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1,
                       **{"Det.limit_side_len": 480})
        _local.engine = eng
    return eng


def _deconvolve(gray: np.ndarray, sigma: float, rounds: int = 8) -> np.ndarray:
    """Richardson-Lucy with a Gaussian PSF: undoes some of the camera/JPEG blur."""
    obs = gray.astype(np.float32) / 255 + 1e-3
    est = obs.copy()
    for _ in range(rounds):
        conv = cv2.GaussianBlur(est, (0, 0), sigma)
        est *= cv2.GaussianBlur(obs / (conv + 1e-6), (0, 0), sigma)
    return np.clip(est * 255, 0, 255).astype(np.uint8)


def _line_variants(line: np.ndarray) -> list[np.ndarray]:
    g = cv2.cvtColor(line, cv2.COLOR_BGR2GRAY)
    out = [
        cv2.copyMakeBorder(g, 6, 6, 6, 6, cv2.BORDER_REPLICATE),
        cv2.copyMakeBorder(g, 12, 12, 12, 12, cv2.BORDER_REPLICATE),
        _deconvolve(cv2.copyMakeBorder(g, 6, 6, 6, 6, cv2.BORDER_REPLICATE), 1.0),
        cv2.resize(g, None, fx=0.75, fy=0.75, interpolation=cv2.INTER_AREA),
        cv2.resize(g, None, fx=1.3, fy=1.3, interpolation=cv2.INTER_CUBIC),
    ]
    return [cv2.cvtColor(v, cv2.COLOR_GRAY2BGR) for v in out if min(v.shape[:2]) >= 8]


def _key(token: str, expected: Sequence[str]) -> tuple[str, str | None]:
    """Readings vote by what they mean: the order's number they match, else themselves."""
    hit = match_in_text(token, expected) if expected else None
    if hit:
        return "=" + hit[1], hit[1]
    return canonical(token), None


def _vote(readings: list[str], expected: Sequence[str]) -> tuple[str, int, str | None] | None:
    tallies: Counter[str] = Counter()
    example: dict[str, tuple[str, str | None]] = {}
    for text in readings:
        seen = set()
        for tok in tokens_from_text(text):
            if len(tok) < 6:
                continue
            key, matched = _key(tok, expected)
            if key not in seen:  # one vote per reading
                seen.add(key)
                tallies[key] += 1
                example.setdefault(key, (tok, matched))
    if not tallies:
        return None
    # A reading that lost characters ("194359697209" of "JT8194359697209") supports the
    # full reading that contains it rather than competing with it.
    forms = {k: canonical(k[1:]) if k.startswith("=") else k for k in tallies}
    for k in list(tallies):
        if len(forms[k]) < 8:
            continue
        hosts = [h for h in tallies if h != k and forms[k] in forms[h] and len(forms[h]) > len(forms[k])]
        if len(hosts) == 1:
            tallies[hosts[0]] += tallies.pop(k)
    ranked = tallies.most_common(2)
    key, votes = ranked[0]
    if votes < 2 or (len(ranked) > 1 and ranked[1][1] == votes):
        return None  # no reading wins: nothing is read
    tok, matched = example[key]
    return tok, votes, matched


def _read(img: np.ndarray, back: np.ndarray | None, expected: Sequence[str]) -> list[TextNumber]:
    if min(img.shape[:2]) < 16:
        return []
    eng = _engine()
    bgr = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR) if img.ndim == 2 else img
    try:
        boxes, _ = eng.text_det(bgr)
        if boxes is None or len(boxes) == 0:
            return []
        lines = eng.get_crop_img_list(bgr, boxes)
        lines, _, _ = eng.text_cls(lines)
        first, _ = eng.text_rec(lines)
    except Exception:  # rapidocr raises on degenerate inputs; "nothing read" is honest
        log.debug("ocr failed", exc_info=True)
        return []
    candidates = [
        i for i, (text, _) in enumerate(first)
        if any(looks_like_tracking(t) or (expected and match_in_text(t, expected))
               for t in tokens_from_text(text))
    ]
    out = []
    for i in candidates[:MAX_VOTED_LINES]:
        variants = _line_variants(lines[i])
        try:
            again, _ = eng.text_rec(variants)
        except Exception:
            log.debug("ocr variant failed", exc_info=True)
            again = []
        won = _vote([first[i][0]] + [t for t, _ in again], expected)
        if won is None:
            continue
        pts = np.asarray(boxes[i], dtype=np.float32)
        if back is not None:
            pts = cv2.transform(pts[None], back)[0]
        (x0, y0), (x1, y1) = pts.min(axis=0), pts.max(axis=0)
        box = (int(x0), int(y0), int(x1), int(y1))
        out.append(TextNumber(won[0], first[i][0], box, won[1], won[2]))
    return out


def label_crop(gray: np.ndarray, region: Region) -> tuple[np.ndarray, np.ndarray] | None:
    """The label area around a barcode region, upright, scaled for OCR; and crop->photo map."""
    (cx, cy), (rw, rh), _ = region.rect
    if min(rw, rh) < 10 or max(rw, rh) / max(min(rw, rh), 1.0) > 12:
        return None  # a line or an edge, not a barcode
    m = cv2.getRotationMatrix2D((cx, cy), float(np.degrees(region.theta)), 1.0)
    pts = cv2.transform(cv2.boxPoints(region.rect)[None], m)[0]
    bw, bh = pts.max(axis=0) - pts.min(axis=0)
    # Bars plus about one bar height above and below, where couriers print the number.
    w, h = bw * 1.3, bh * 3.2
    scale = min(max(1.0, 720 / w), LABEL_MAX_SIDE / max(w, h))
    m[0, 2] += w / 2 - cx  # region centre to crop centre
    m[1, 2] += h / 2 - cy
    m *= scale
    size = (int(w * scale), int(h * scale))
    crop = cv2.warpAffine(gray, m, size, flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)
    return crop, cv2.invertAffineTransform(m)


def read_label(gray: np.ndarray, region: Region, expected: Sequence[str]) -> list[TextNumber]:
    got = label_crop(gray, region)
    if got is None:
        return []
    crop, back = got
    return _read(crop, back, expected)


def read_full(gray: np.ndarray, expected: Sequence[str]) -> list[TextNumber]:
    h, w = gray.shape[:2]
    f = min(1.0, FULL_MAX_SIDE / max(h, w))
    if f < 1:
        small = cv2.resize(gray, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
        back = np.array([[1 / f, 0, 0], [0, 1 / f, 0]], dtype=np.float32)
        return _read(small, back, expected)
    return _read(gray, None, expected)
