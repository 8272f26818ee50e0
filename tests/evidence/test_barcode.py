"""Code128 encoder and the barcode reader on generated labels."""

from __future__ import annotations

import numpy as np
import pytest
import zxingcpp
from PIL import Image

from groupbot.evidence import code128
from groupbot.evidence.barcode import find_regions, read_barcodes
from groupbot.evidence.synth import make_label


@pytest.mark.parametrize(
    "text", ["SF7751671905686", "4305222255354", "JT12345", "A", "R1278512336FPL"]
)
def test_code128_round_trip(text: str):
    reads = zxingcpp.read_barcodes(code128.render(text))
    assert [r.text for r in reads] == [text]


def test_code128_rejects_non_ascii():
    with pytest.raises(ValueError):
        code128.encode("运单")


def _scene(label: Image.Image, angle: float, scale: float, size=(1000, 800)) -> np.ndarray:
    """A grey textured background with the label pasted rotated and scaled, as grey array."""
    rng = np.random.default_rng(0)
    bg = (150 + rng.normal(0, 8, (size[1], size[0]))).clip(0, 255).astype(np.uint8)
    im = Image.fromarray(bg).convert("RGB")
    lab = label.resize(
        (int(label.width * scale), int(label.height * scale)), Image.Resampling.LANCZOS
    ).convert("RGBA")
    lab = lab.rotate(angle, expand=True, resample=Image.Resampling.BICUBIC)
    im.paste(lab, ((size[0] - lab.width) // 2, (size[1] - lab.height) // 2), lab)
    return np.asarray(im.convert("L"))


@pytest.mark.parametrize("angle", [0, 33, 60, 150])
def test_skewed_label_is_read(angle: float):
    gray = _scene(make_label("JD0012345678", width=440), angle, 1.0)
    res = read_barcodes(gray, ("JD0012345678",))
    assert res.matched is not None
    assert res.matched.text == "JD0012345678"


@pytest.mark.parametrize(("scale", "angle"), [(0.5, 27), (0.6, 40)])
def test_small_label_read_via_regions(scale: float, angle: float):
    """Too small for the whole-photo pass: found as a region, straightened, enlarged."""
    gray = _scene(make_label("4305222255354", width=440), angle, scale)
    assert zxingcpp.read_barcodes(gray) == []
    res = read_barcodes(gray, ("4305222255354",))
    assert res.matched is not None and res.matched.region is not None


def test_no_regions_on_plain_texture():
    rng = np.random.default_rng(1)
    gray = (128 + rng.normal(0, 20, (600, 800))).clip(0, 255).astype(np.uint8)
    assert find_regions(gray) == []
    assert read_barcodes(gray, ("SF1",)).hits == ()
