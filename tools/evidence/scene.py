"""Putting a flat label into a member-like photo: background, curve, perspective, cover,
glare, dim light, blur and JPEG - every parameter drawn from the seed and returned."""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from groupbot.evidence.synth import draw_fruit, table_surface

SIZES = ((1280, 960), (960, 1280), (1280, 720), (1024, 768))


def _cardboard(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    base = np.array([160, 120, 80]) + rng.integers(-20, 20, 3)
    fibres = cv2.GaussianBlur(rng.normal(0, 14, (h, w)).astype(np.float32), (0, 0), 1.2)
    flutes = 6 * np.sin(np.arange(w) / rng.uniform(3, 8))[None, :] * (rng.random() < 0.4)
    return base[None, None, :] + (fibres + flutes)[..., None]


def _fabric(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    p = rng.uniform(4, 14)
    weave = 18 * np.sin(xx / p) * np.sin(yy / p)
    base = rng.integers(40, 220, 3)
    return base[None, None, :] + weave[..., None] + rng.normal(0, 5, (h, w, 1))


def _stripes(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    """Blinds, a conveyor's rollers, a radiator: bar-like texture that is not a barcode."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    a = rng.uniform(0, np.pi)
    period = rng.uniform(6, 30)
    wave = np.sign(np.sin((xx * np.cos(a) + yy * np.sin(a)) / period * 2 * np.pi))
    base = rng.integers(60, 200)
    return np.repeat((base + 45 * wave + rng.normal(0, 6, (h, w)))[..., None], 3, axis=2)


def _tiles(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w]
    s = int(rng.integers(60, 160))
    grout = ((xx % s) < 4) | ((yy % s) < 4)
    img = np.full((h, w, 3), rng.integers(150, 235, 3), np.float32)
    img[grout] *= 0.55
    return img + rng.normal(0, 4, (h, w, 1))


TEXTURES = {"cardboard": _cardboard, "fabric": _fabric, "stripes": _stripes, "tiles": _tiles}


def _disc(w: int, h: int, cx: int, cy: int, r: int) -> np.ndarray:
    """The pixels draw_fruit paints a fruit's body on (its stem is left out)."""
    yy, xx = np.ogrid[0:h, 0:w]
    return (xx - cx) ** 2 + (yy - cy) ** 2 <= r * r


def background(rng: np.random.Generator, size: tuple[int, int], photos: list[Path],
               kind: str | None = None) -> tuple[Image.Image, str, list[np.ndarray]]:
    """A surface: a real photo (when given), a table with fruit, or a texture. Also each
    drawn fruit's pixel mask, so the caller can tell what a label left visible (none for
    photos: where their goods are is not known)."""
    w, h = size
    kind = kind or str(rng.choice(["photo" if photos else "table", "table", *TEXTURES]))
    if kind == "photo":
        src = photos[int(rng.integers(len(photos)))]
        im = Image.open(src).convert("RGB")
        s = max(w / im.width, h / im.height)
        im = im.resize((max(w, round(im.width * s)), max(h, round(im.height * s))))
        x, y = int(rng.integers(0, im.width - w + 1)), int(rng.integers(0, im.height - h + 1))
        return im.crop((x, y, x + w, y + h)), f"photo:{src.name}", []
    if kind == "table":
        im = table_surface(rng, w, h)
        fruits, damaged = int(rng.integers(0, 4)), bool(rng.random() < 0.5)
        masks = []
        for _ in range(fruits):
            r = int(min(w, h) * rng.uniform(0.1, 0.2))
            cx, cy = int(rng.uniform(0.1, 0.9) * w), int(rng.uniform(0.15, 0.85) * h)
            draw_fruit(im, rng, cx, cy, r, damaged)
            # A later fruit drawn over an earlier one hides it as a label would.
            masks = [m & ~_disc(w, h, cx, cy, r) for m in masks] + [_disc(w, h, cx, cy, r)]
        kind = ("table-damaged" if damaged else "table-fresh") if fruits else "table"
        return im, kind, masks
    arr = TEXTURES[kind](rng, w, h)
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB"), kind, []


def curve(label: np.ndarray, amount: float) -> np.ndarray:
    """A label on a bulging box or bag: rows bend by up to ``amount`` of the height."""
    h, w = label.shape[:2]
    xx, yy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    dy = amount * h * np.sin(np.pi * xx / w)
    return cv2.remap(label, xx, yy - dy, cv2.INTER_LINEAR, borderValue=(0, 0, 0, 0))


def place(bg: np.ndarray, label: np.ndarray, rng: np.random.Generator, frac: float,
          angle: float, tilt: float) -> tuple[np.ndarray, float, np.ndarray]:
    """Warp the RGBA label onto the RGB background: scale to ``frac`` of the photo's width,
    rotate by ``angle`` degrees, perspective ``tilt`` (corner jitter, of the label side).
    A tall label is scaled to fit the photo's height instead. Returns (photo, scale, where
    the label covers the photo: its alpha, 0..1 per pixel)."""
    H, W = bg.shape[:2]
    h, w = label.shape[:2]
    s = min(frac * W / w, 0.9 * H / h)
    cw, ch = w * s / 2, h * s / 2
    corners = np.array([[-cw, -ch], [cw, -ch], [cw, ch], [-cw, ch]], np.float32)
    corners += rng.uniform(-tilt, tilt, (4, 2)).astype(np.float32) * np.float32(max(cw, ch))
    a = np.radians(angle)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]], np.float32)
    dst = corners @ rot.T
    # Inside the frame when it fits (members frame the label), else centred.
    lo, hi = dst.min(axis=0), dst.max(axis=0)
    cx = rng.uniform(-lo[0], W - hi[0]) if hi[0] - lo[0] < W else W / 2
    cy = rng.uniform(-lo[1], H - hi[1]) if hi[1] - lo[1] < H else H / 2
    dst = dst + np.float32([cx, cy])
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    m = cv2.getPerspectiveTransform(src, dst)
    warped = cv2.warpPerspective(label, m, (W, H), flags=cv2.INTER_AREA)
    alpha = warped[..., 3:4].astype(np.float32) / 255
    return bg * (1 - alpha) + warped[..., :3] * alpha, s, alpha[..., 0]


def glare(img: np.ndarray, rng: np.random.Generator, strength: float) -> np.ndarray:
    H, W = img.shape[:2]
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    cx, cy, r = rng.uniform(0, W), rng.uniform(0, H), rng.uniform(0.1, 0.3) * max(W, H)
    g = np.exp(-(((xx - cx) ** 2 + ((yy - cy) * 1.6) ** 2) / (2 * r * r)))
    return img + strength * 255 * g[..., None]


def cover(label: np.ndarray, rng: np.random.Generator, keep: tuple[int, int, int, int]
          ) -> bool:
    """A hand or another parcel over one corner of the label; True if it hides ``keep``."""
    h, w = label.shape[:2]
    cw, ch = int(w * rng.uniform(0.2, 0.45)), int(h * rng.uniform(0.15, 0.35))
    x = 0 if rng.random() < 0.5 else w - cw
    y = 0 if rng.random() < 0.5 else h - ch
    colour = rng.choice([[205, 160, 130], [120, 90, 60], [60, 60, 70]])
    label[y : y + ch, x : x + cw, :3] = colour
    return not (x + cw <= keep[0] or keep[2] <= x or y + ch <= keep[1] or keep[3] <= y)


def finish(img: np.ndarray, rng: np.random.Generator, dim: float, blur: float, motion: int,
           quality: int) -> bytes:
    img = img * dim + rng.normal(0, 3 + 6 * (1 - dim), img.shape)
    img = np.clip(img, 0, 255).astype(np.uint8)
    if blur > 0:
        img = cv2.GaussianBlur(img, (0, 0), blur)
    if motion > 1:
        k = np.zeros((motion, motion), np.float32)
        k[motion // 2] = 1 / motion
        k = cv2.warpAffine(
            k, cv2.getRotationMatrix2D((motion / 2, motion / 2), rng.uniform(0, 180), 1),
            (motion, motion))
        img = cv2.filter2D(img, -1, k / max(float(k.sum()), 1e-6))
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, "JPEG", quality=quality)
    return buf.getvalue()
