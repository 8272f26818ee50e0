"""The blurred-barcode reader: Code 128 too blurred for zxing, read by fitting its symbols."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image, ImageFilter

from groupbot.evidence import analyse_photo, barcode, code128
from groupbot.evidence.blurred import decode_profile
from groupbot.evidence.synth import make_label

NUMBERS = ["SF7751671905686", "JT8194359697209", "1811529200744", "YT1234567890123"]


def _profile(modules: list[int], module_px: float, blur_px: float, seed: int = 0) -> np.ndarray:
    """What a camera sees across the bars: rendered finely, Gaussian-blurred, sampled at one
    value a pixel with sensor noise, then enlarged 4x (as regions.bar_profiles does)."""
    rng = np.random.default_rng(seed)
    fine = 20
    mods = np.concatenate([np.zeros(15), np.asarray(modules, np.float32), np.zeros(15)])
    signal = np.repeat(mods, int(round(module_px * fine)))
    bright = (1 - signal)[None].astype(np.float32) * 170 + 40
    px = cv2.GaussianBlur(bright, (0, 0), blur_px * fine)[0][::fine]
    px = px + rng.normal(0, 3, len(px))
    return cv2.resize(px[None].astype(np.float32), (len(px) * 4, 1), cv2.INTER_CUBIC)[0]


@pytest.mark.parametrize("number", NUMBERS)
@pytest.mark.parametrize(("module_px", "blur_px"), [(1.3, 1.0), (1.3, 1.4), (1.2, 1.8)])
def test_blurred_profile_is_read(number: str, module_px: float, blur_px: float):
    """Thin bars and spaces merged into grey (blur about a module): still the exact text."""
    p = _profile(code128.modules(number), module_px, blur_px)
    assert decode_profile(p, 4) == number
    assert decode_profile(p[::-1], 4) == number  # label upside down


def test_wrong_checksum_is_not_read():
    """One symbol changed: the bars fit a sequence whose checksum fails - nothing is read."""
    values = code128.encode("SF7751671905686")
    values[5] = (values[5] + 1) % 100
    mods = []
    for v in values:
        for k, width in enumerate(code128._PATTERNS[v]):
            mods += [1 - k % 2] * int(width)
    assert decode_profile(_profile(mods, 1.4, 0.8), 4) is None


@pytest.mark.parametrize("seed", range(6))
def test_random_bars_are_not_read(seed: int):
    """Bars that are not Code 128 (other symbologies, print, texture) never give a text."""
    rng = np.random.default_rng(seed)
    mods = (rng.random(int(rng.integers(60, 180))) < 0.5).astype(int).tolist()
    for module_px, blur_px in [(1.3, 1.0), (2.0, 1.2), (1.6, 2.0)]:
        assert decode_profile(_profile(mods, module_px, blur_px, seed), 4) is None


def test_flat_profile_is_not_read():
    assert decode_profile(np.full(400, 128.0), 4) is None


def _blurred_label_photo(number: str, angle: float) -> bytes:
    """A small label (modules ~1.3 px), tilted, out of focus, JPEG 60, on a grey table."""
    rng = np.random.default_rng(0)
    bg = (150 + rng.normal(0, 8, (700, 900))).clip(0, 255).astype(np.uint8)
    im = Image.fromarray(bg).convert("RGB")
    label = make_label(number, width=440)
    label = label.resize(
        (int(label.width * 0.6), int(label.height * 0.6)), Image.Resampling.LANCZOS
    )
    label = label.convert("RGBA").rotate(angle, expand=True, resample=Image.Resampling.BICUBIC)
    im.paste(label, ((900 - label.width) // 2, (700 - label.height) // 2), label)
    buf = io.BytesIO()
    im.filter(ImageFilter.GaussianBlur(1.3)).save(buf, "JPEG", quality=60)
    return buf.getvalue()


def _gray(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("L"))


@pytest.mark.parametrize(("number", "angle"), [("JT8194359697209", 20), ("1811529200744", 145)])
def test_blurred_label_read_where_zxing_fails(monkeypatch, number: str, angle: float):
    gray = _gray(_blurred_label_photo(number, angle))
    with monkeypatch.context() as m:
        m.setattr(barcode, "_blurred_reads", lambda gray, region: iter(()))
        assert barcode.read_barcodes(gray, (number,)).matched is None  # zxing alone
    hit = barcode.read_barcodes(gray, (number,)).matched
    assert hit is not None and hit.text == number and hit.symbology == "Code128"
    assert hit.region is not None


def test_blurred_label_with_another_number_is_a_mismatch():
    """The reader does not know the order's number: one digit off is read as what is
    printed (confirmed by two bands of the bars) and reported, never matched."""
    number = "JT8194359697209"
    photo = _blurred_label_photo(number, 20)
    f = analyse_photo(photo, ["JT8194359697208"], ocr_mode="off")
    assert not f.tracking_match and f.matched_number is None
    assert [(n.normalized, n.source, n.matches) for n in f.numbers] == [(number, "barcode", False)]
    assert f.waybill_found
    f = analyse_photo(photo, [number], ocr_mode="off")
    assert f.tracking_match and f.matched_number == number
