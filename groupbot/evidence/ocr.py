"""Printed-number fallback: RapidOCR (PP-OCR models that ship inside the wheel).

Only used when the barcode did not give the order's number: on the label around each
barcode region (the number is printed just above or below the bars, and its digits are
larger than the bar modules, so text survives blur that defeats the barcode), and - when
asked - on the whole photo. RapidOCR never downloads: its three ONNX models are package
data of rapidocr_onnxruntime (tests/evidence/test_offline.py checks).

All OCR runs in one dedicated thread per process with one engine: the text detector needs
a few hundred MB of activations per call, and glibc keeps each thread's peak in that
thread's heap, so two pool threads running OCR would each hold one. OCR is the rare path;
serialising it costs little and keeps peak memory within budget.

Blurred digits are read differently from one try to the next (5/8/3). Each line that holds
a number is therefore recognised again under small variations (padding, scale, a light
deconvolution) and the readings vote: a number counts only when it wins, so a lucky
misreading can neither make a match nor a mismatch.
"""

from __future__ import annotations

import ctypes
import logging
import os
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import cv2
import numpy as np

from .barcode import Region
from .couriers import fits_any, misread
from .findings import Box
from .tracking import canonical, looks_like_tracking, match_in_text, tokens_from_text

log = logging.getLogger(__name__)

LABEL_MAX_SIDE = 960  # label crop cap
FULL_MAX_SIDE = 1280
# The detector's input: its short side enlarged to DET_MIN_SIDE (small print is found more
# reliably, as in RapidOCR's default), the long side capped because its activations grow
# with area (a 736x2656 input takes ~400 MB).
DET_MIN_SIDE = 736
DET_MAX_SIDE = 1280
DET_MAX_PIXELS = 400_000
_state: dict = {"pid": None, "executor": None, "engine": None}
_state_lock = threading.Lock()
MAX_VOTED_LINES = 3
# A character read by fewer than this share of a line's variants is not read: the variants
# disagree on it, so any one reading of it is a guess.
MIN_CHAR_AGREEMENT = 0.5
# The label around a barcode for its words: 2.4 bar widths by 7 bar heights, which holds a
# 100x150 mm waybill's header and address blocks when its barcode is 60-80 mm wide.
CONTEXT_WIDEN, CONTEXT_HEIGHTEN, CONTEXT_MAX_SIDE = 2.4, 7.0, 1280
CONTEXT_MIN_SCORE = 0.6


@dataclass(frozen=True, slots=True)
class TextNumber:
    token: str  # normalised number as read (the winning reading)
    line: str  # the whole OCR line it came from
    box: Box
    votes: int
    matched: str | None  # the order's number it is, if any
    confidence: tuple[float, ...] = ()  # per character: share of the readings agreeing


def _engine():
    """The process's RapidOCR engine; only ever used from the OCR thread."""
    eng = _state["engine"]
    if eng is None:
        from rapidocr_onnxruntime import RapidOCR  # slow import: only when OCR is needed

        logging.getLogger("RapidOCR").setLevel(logging.WARNING)
        # limit_type "max": never upscale (we size the detector's input ourselves).
        eng = RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1, det_limit_type="max")
        _state["engine"] = eng
    return eng


def _in_ocr_thread(fn: Callable, *args):
    with _state_lock:
        if _state["pid"] != os.getpid():  # first use, or a forked worker process
            _state.update(
                pid=os.getpid(),
                engine=None,
                executor=ThreadPoolExecutor(1, thread_name_prefix="evidence-ocr"),
            )
        executor = _state["executor"]
    return executor.submit(fn, *args).result()


def trim_heap() -> None:
    """Hand freed activation memory back to the OS (glibc only; a no-op elsewhere)."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _deconvolve(gray: np.ndarray, sigma: float, rounds: int = 8) -> np.ndarray:
    """Richardson-Lucy with a Gaussian PSF: undoes some of the camera/JPEG blur."""
    obs = gray.astype(np.float32) / 255 + 1e-3
    est = obs.copy()
    for _ in range(rounds):
        conv = cv2.GaussianBlur(est, (0, 0), sigma)
        est *= cv2.GaussianBlur(obs / (conv + 1e-6), (0, 0), sigma)
    return np.clip(est * 255, 0, 255).astype(np.uint8)


def _line_variants(line: np.ndarray) -> list[np.ndarray]:
    """Small, label-independent variations of one text line for the recogniser to vote."""
    g = cv2.cvtColor(line, cv2.COLOR_BGR2GRAY)
    padded = cv2.copyMakeBorder(g, 6, 6, 6, 6, cv2.BORDER_REPLICATE)
    f = padded.astype(np.float32)
    out = [
        g,
        padded,
        cv2.copyMakeBorder(g, 12, 12, 12, 12, cv2.BORDER_REPLICATE),
        *(
            cv2.resize(padded, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
            for s in (0.6, 0.75, 0.9)
        ),
        *(cv2.resize(padded, None, fx=s, fy=s, interpolation=cv2.INTER_CUBIC) for s in (1.3, 1.6)),
        _deconvolve(padded, 0.7),
        _deconvolve(padded, 1.0),
        np.clip(f + 0.5 * (f - cv2.GaussianBlur(f, (0, 0), 2)), 0, 255).astype(np.uint8),
        cv2.createCLAHE(2.0, (4, 4)).apply(padded),
    ]
    return [cv2.cvtColor(v, cv2.COLOR_GRAY2BGR) for v in out if min(v.shape[:2]) >= 8]


def _consensus(same: list[str]) -> tuple[str, tuple[float, ...]] | None:
    """Character-wise vote over equally long readings; each position's share of the votes
    is its confidence. A position without a strict winner makes the line illegible."""
    chars, conf = [], []
    for i in range(len(same[0])):
        votes = Counter(canonical(t[i]) for t in same)
        (best, n), *rest = votes.most_common(2) + [("", 0)]
        if n <= rest[0][1]:
            return None
        chars.append(Counter(t[i] for t in same if canonical(t[i]) == best).most_common(1)[0][0])
        conf.append(round(n / len(same), 2))
    return "".join(chars), tuple(conf)


def _vote(
    readings: list[str], expected: Sequence[str]
) -> tuple[str, int, str | None, tuple[float, ...]] | None:
    """Consensus of the readings of one line, then matched.

    Each reading contributes its longest number-like token. Tokens of one length vote per
    position (OCR confusions such as O/0 count as the same character). Of the lengths read
    at least twice, one whose consensus fits a courier's grammar wins over one that does not
    (a dropped digit gives a shorter, grammar-breaking reading), then the most read. A
    position whose winner has under MIN_CHAR_AGREEMENT of the votes is not read at all:
    the number is then unreadable, never a wrong digit. The consensus is formed without
    looking at the order's number, so it cannot drift towards it.
    """
    tokens = []
    for text in readings:
        toks = [t for t in tokens_from_text(text) if len(t) >= 6]
        if toks:
            tokens.append(max(toks, key=len))
    lengths = Counter(len(t) for t in tokens)
    options = []
    for length, count in lengths.items():
        if count < 2:
            continue
        got = _consensus([t for t in tokens if len(t) == length])
        if got is not None:
            options.append((fits_any(got[0]) and not misread(got[0]), count, length, got))
    if not options:
        return None
    *_, (consensus, conf) = max(options)
    if min(conf) < MIN_CHAR_AGREEMENT:
        return None
    hit = match_in_text(consensus, expected) if expected else None
    return consensus, lengths[len(consensus)], hit[1] if hit else None, conf


def _read(img: np.ndarray, back: np.ndarray | None, expected: Sequence[str]) -> list[TextNumber]:
    if min(img.shape[:2]) < 16:
        return []
    try:
        return _in_ocr_thread(_read_here, img, back, tuple(expected))
    finally:
        _in_ocr_thread(trim_heap)


def _read_here(img: np.ndarray, back: np.ndarray | None, expected: Sequence[str]):
    eng = _engine()
    bgr = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR) if img.ndim == 2 else img
    try:
        # Detect on a resized copy, recognise on the lines cut from the original.
        h, w = bgr.shape[:2]
        f = min(
            DET_MIN_SIDE / min(h, w), DET_MAX_SIDE / max(h, w), (DET_MAX_PIXELS / (h * w)) ** 0.5
        )
        interp = cv2.INTER_AREA if f < 1 else cv2.INTER_CUBIC
        boxes, _ = eng.text_det(cv2.resize(bgr, None, fx=f, fy=f, interpolation=interp))
        if boxes is None or len(boxes) == 0:
            return []
        boxes = [np.asarray(b, dtype=np.float32) / f for b in boxes]
        lines = eng.get_crop_img_list(bgr, boxes)
        lines, _, _ = eng.text_cls(lines)
        first, _ = eng.text_rec(lines)
    except Exception:  # rapidocr raises on degenerate inputs; "nothing read" is honest
        log.debug("ocr failed", exc_info=True)
        return []
    candidates = [
        i
        for i, (text, _) in enumerate(first)
        if any(
            looks_like_tracking(t) or (expected and match_in_text(t, expected))
            for t in tokens_from_text(text)
        )
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
        out.append(TextNumber(won[0], first[i][0], box, won[1], won[2], won[3]))
    return out


def _upright_crop(
    gray: np.ndarray, region: Region, widen: float, heighten: float, max_side: int
) -> tuple[np.ndarray, np.ndarray] | None:
    """The area around a barcode region, upright and scaled; and the crop->photo map."""
    (cx, cy), (rw, rh), _ = region.rect
    if min(rw, rh) < 10 or max(rw, rh) / max(min(rw, rh), 1.0) > 12:
        return None  # a line or an edge, not a barcode
    m = cv2.getRotationMatrix2D((cx, cy), float(np.degrees(region.theta)), 1.0)
    pts = cv2.transform(cv2.boxPoints(region.rect)[None], m)[0]
    bw, bh = pts.max(axis=0) - pts.min(axis=0)
    w, h = bw * widen, bh * heighten
    scale = min(max(1.0, 720 / w), max_side / max(w, h))
    m[0, 2] += w / 2 - cx  # region centre to crop centre
    m[1, 2] += h / 2 - cy
    m *= scale
    size = (int(w * scale), int(h * scale))
    crop = cv2.warpAffine(gray, m, size, flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)
    return crop, cv2.invertAffineTransform(m)


def label_crop(gray: np.ndarray, region: Region) -> tuple[np.ndarray, np.ndarray] | None:
    """Bars plus about one bar height above and below, where couriers print the number."""
    return _upright_crop(gray, region, 1.3, 3.2, LABEL_MAX_SIDE)


def read_context(gray: np.ndarray, region: Region) -> list[str]:
    """Every text line on the label around a barcode (courier name, sender / recipient
    blocks), for telling a waybill from a receipt, a price tag or a pallet label."""
    got = _upright_crop(gray, region, CONTEXT_WIDEN, CONTEXT_HEIGHTEN, CONTEXT_MAX_SIDE)
    if got is None or min(got[0].shape[:2]) < 16:
        return []
    try:
        return _in_ocr_thread(_lines_here, got[0])
    finally:
        _in_ocr_thread(trim_heap)


def _lines_here(img: np.ndarray) -> list[str]:
    eng = _engine()
    bgr = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    h, w = bgr.shape[:2]
    f = min(1.0, (DET_MAX_PIXELS / (h * w)) ** 0.5)
    try:
        small = cv2.resize(bgr, None, fx=f, fy=f, interpolation=cv2.INTER_AREA) if f < 1 else bgr
        boxes, _ = eng.text_det(small)
        if boxes is None or len(boxes) == 0:
            return []
        lines = eng.get_crop_img_list(bgr, [np.asarray(b, dtype=np.float32) / f for b in boxes])
        lines, _, _ = eng.text_cls(lines)
        read, _ = eng.text_rec(lines)
    except Exception:  # rapidocr raises on degenerate inputs; "nothing read" is honest
        log.debug("context ocr failed", exc_info=True)
        return []
    return [text for text, score in read if text and score >= CONTEXT_MIN_SCORE]


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
