"""Lesion statistics describe spots, rot and mould on the goods, relative to the goods."""

from __future__ import annotations

import io

from PIL import Image

from groupbot.evidence.lesions import NAMES, lesion_features
from groupbot.evidence.synth import make_claim_photo


def _photo(damaged: bool, seed: int) -> Image.Image:
    return Image.open(io.BytesIO(make_claim_photo(None, damaged=damaged, seed=seed)))


def test_damaged_fruit_has_more_spots_and_discolouration_than_fresh():
    names = list(NAMES)
    for seed in (2, 3, 4):
        bad = lesion_features(_photo(True, seed), None)
        good = lesion_features(_photo(False, seed), None)
        assert bad.shape == (len(NAMES),)
        for name in ("brown_frac", "spot_frac", "texture"):
            assert bad[names.index(name)] > good[names.index(name)], (seed, name)


def test_features_do_not_depend_on_brightness_or_size_much():
    """Relative to the goods' own median: a dimmer or smaller copy gives similar values."""
    im = _photo(True, 5)
    base = lesion_features(im, None)
    dim = lesion_features(im.point(lambda v: int(v * 0.7)), None)
    small = lesion_features(im.resize((im.width // 2, im.height // 2)), None)
    i = list(NAMES).index("dark_frac")
    assert abs(dim[i] - base[i]) < 0.05 and abs(small[i] - base[i]) < 0.05
