"""Fixtures for the evidence tests: everything generated here, nothing read from ../shared."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from groupbot.evidence import goods
from groupbot.evidence.synth import make_claim_photo

TRACKING = "SF7751671905686"


@pytest.fixture(scope="session", autouse=True)
def _models_loaded() -> None:
    """Load the ONNX model and heads once for the whole session."""
    goods.warm_up()


@pytest.fixture(scope="session")
def label_photo() -> bytes:
    """Damaged fruit with an SF waybill label, tilted a little."""
    return make_claim_photo(TRACKING, damaged=True, seed=1)


@pytest.fixture(scope="session")
def fruit_photo() -> bytes:
    """Damaged fruit, no label."""
    return make_claim_photo(None, damaged=True, seed=2)


@pytest.fixture(scope="session")
def fresh_photo() -> bytes:
    return make_claim_photo(None, damaged=False, seed=2)


def jpeg(im: Image.Image, **kw) -> bytes:
    buf = io.BytesIO()
    im.save(buf, "JPEG", **kw)
    return buf.getvalue()


def noise_image(seed: int, size: tuple[int, int] = (320, 240)) -> Image.Image:
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 255, (size[1] // 20, size[0] // 20, 3), dtype=np.uint8)
    return Image.fromarray(small).resize(size, Image.Resampling.BICUBIC)
