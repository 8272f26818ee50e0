"""Colour and texture statistics of lesions, mould and bruises inside the goods' region.

The CNN features of the damage head describe whole photos, so a head trained on a few
sources learns their cameras and backgrounds. These features describe only the goods'
region and are relative to it (its own median brightness and colour), so they mean the same
on any camera: dark sunken spots (bruises, rot), brown discolouration, pale fuzzy patches
(mould), and how blotchy the surface is. A segmentation of spots (black-hat morphology on
lightness) gives their count and area.
"""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image

from .findings import Box

SIDE = 256  # the region is analysed at this size: cheap, and the same scale on every camera
NAMES = (
    "dark_frac", "brown_frac", "pale_frac", "spot_frac", "spot_count", "spot_mean_depth",
    "a_std", "b_std", "l_std", "texture", "sat_std", "hue_entropy",
)


def _region(im: Image.Image, box: Box | None) -> np.ndarray:
    w, h = im.size
    if box is None or (box[2] - box[0]) * (box[3] - box[1]) < 0.04 * w * h:
        box = (w // 8, h // 8, w - w // 8, h - h // 8)  # the centre, where members aim
    crop = im.crop(box)
    s = SIDE / max(crop.size)
    size = (max(16, round(crop.width * s)), max(16, round(crop.height * s)))
    return np.asarray(crop.convert("RGB").resize(size, Image.Resampling.BILINEAR))


def lesion_features(im: Image.Image, box: Box | None) -> np.ndarray:
    """NAMES, in order, for the goods in ``box`` (the centre of the photo when unknown)."""
    rgb = _region(im, box)
    lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB).astype(np.float32)
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV).astype(np.float32)
    L, a, b = lab[..., 0], lab[..., 1] - 128, lab[..., 2] - 128
    sat, val, hue = hsv[..., 1] / 255, hsv[..., 2] / 255, hsv[..., 0] * 2
    # The goods: saturated or not-background pixels; most photos are goods-centred, so the
    # pixels nearer the region's median colour than its edges' are taken as the surface.
    med_l = float(np.median(L))
    dark = L < 0.55 * med_l
    brown = (hue >= 10) & (hue <= 40) & (sat > 0.25) & (val < 0.55) & (L < 0.8 * med_l)
    pale = (sat < 0.12) & (L > 1.1 * med_l) & (L > 140)
    # Spots: local darkenings against their 15 px neighbourhood.
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (15, 15))
    hat = cv2.morphologyEx(L.astype(np.uint8), cv2.MORPH_BLACKHAT, kernel).astype(np.float32)
    spots = (hat > 18).astype(np.uint8)
    n, _, stats, _ = cv2.connectedComponentsWithStats(spots, connectivity=8)
    areas = stats[1:, cv2.CC_STAT_AREA] if n > 1 else np.zeros(0)
    real = areas[areas >= 12]
    lap = cv2.Laplacian(L, cv2.CV_32F)
    texture = float(np.abs(lap).mean() / (L.std() + 1.0))
    hist, _ = np.histogram(hue[sat > 0.15], bins=18, range=(0, 360))
    p = hist / max(hist.sum(), 1)
    entropy = float(-(p[p > 0] * np.log(p[p > 0])).sum())
    px = float(L.size)
    return np.array(
        [
            dark.mean(), brown.mean(), pale.mean(), spots.sum() / px,
            np.log1p(len(real)), float(hat[spots > 0].mean()) / 50 if spots.any() else 0.0,
            a.std() / 20, b.std() / 20, L.std() / 50, texture, sat.std(), entropy / 3,
        ],
        dtype=np.float32,
    )
