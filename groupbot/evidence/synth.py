"""Generated claim photos: fruit-like shapes, optional damage, optional waybill label.

For tests and the demo, so neither needs real photos (which cannot be redistributed).
Deterministic for a given seed.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from . import code128

COURIERS = {"SF": "SF EXPRESS", "JD": "JD LOGISTICS", "JT": "J&T EXPRESS", "YT": "YTO EXPRESS"}


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size)
    except TypeError:  # Pillow < 10.1 has only the fixed bitmap font
        return ImageFont.load_default()


def table_surface(rng: np.random.Generator, w: int, h: int) -> Image.Image:
    """A wooden-table-ish surface: warm gradient, grain stripes and noise."""
    y = np.linspace(0, 1, h)[:, None]
    x = np.linspace(0, 1, w)[None, :]
    base = np.array([176, 132, 92], dtype=np.float32)
    grain = 12 * np.sin(2 * np.pi * (y * 18 + 0.6 * np.sin(x * 7 + rng.uniform(0, 6))))
    shade = 25 * (x - 0.5) + 15 * (y - 0.5)
    img = base[None, None, :] + (grain + shade)[..., None]
    img += rng.normal(0, 6, (h, w, 1))
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), "RGB")


def draw_fruit(
    draw_img: Image.Image, rng: np.random.Generator, cx: int, cy: int, r: int, damaged: bool
) -> None:
    """An orange-like fruit: shaded disc, pitted skin, stem; bruises and mould if damaged."""
    w, h = draw_img.size
    yy, xx = np.mgrid[0:h, 0:w]
    d = np.sqrt((xx - cx) ** 2 + (yy - cy) ** 2) / r
    inside = d <= 1
    hue = np.array(rng.choice([[235, 130, 30], [220, 60, 40], [245, 190, 40]]), np.float32)
    light = np.clip(1.15 - 0.55 * d - 0.25 * ((xx - cx) + (yy - cy)) / (2 * r), 0.35, 1.2)
    pits = rng.normal(0, 0.05, (h, w))
    col = hue[None, None, :] * (light + pits)[..., None]
    arr = np.asarray(draw_img, dtype=np.float32).copy()
    arr[inside] = col[inside]
    if damaged:
        for _ in range(int(rng.integers(2, 5))):
            a = rng.uniform(0, 2 * np.pi)
            rr = rng.uniform(0, 0.6) * r
            bx, by = cx + rr * np.cos(a), cy + rr * np.sin(a)
            br = rng.uniform(0.18, 0.35) * r
            bd = np.sqrt((xx - bx) ** 2 + (yy - by) ** 2) / br
            blob = (bd < 1 + 0.25 * np.sin(6 * np.arctan2(yy - by, xx - bx))) & inside
            arr[blob] = arr[blob] * 0.35 + np.array([70, 45, 20]) * 0.65
            mould = blob & (rng.random((h, w)) < 0.25)
            arr[mould] = [200, 210, 190]
    draw_img.paste(Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB"))
    draw = ImageDraw.Draw(draw_img)
    draw.line(
        [cx, cy - r + 4, cx + r // 8, cy - r - r // 6], fill=(70, 90, 30), width=max(3, r // 12)
    )


def make_label(tracking_number: str, width: int = 420) -> Image.Image:
    """A courier waybill: courier name, Code128 barcode, the number printed below."""
    prefix = "".join(c for c in tracking_number[:2] if c.isalpha())
    courier = COURIERS.get(prefix, "EXPRESS")
    bars = code128.render(tracking_number, module_px=2, height=90)
    if bars.width > width - 40:
        bars = bars.resize((width - 40, bars.height), Image.Resampling.NEAREST)
    height = int(width * 0.75)
    label = Image.new("RGB", (width, height), (250, 250, 246))
    draw = ImageDraw.Draw(label)
    draw.rectangle([2, 2, width - 3, height - 3], outline=(40, 40, 40), width=3)
    draw.text((16, 12), courier, fill=(20, 20, 20), font=_font(30))
    draw.line([10, 56, width - 10, 56], fill=(40, 40, 40), width=2)
    label.paste(bars.convert("RGB"), ((width - bars.width) // 2, 70))
    draw.text((width // 2, 172), tracking_number, fill=(10, 10, 10), font=_font(30), anchor="mt")
    draw.line([10, 214, width - 10, 214], fill=(40, 40, 40), width=2)
    draw.text((16, 226), "TO: Community pickup point 3", fill=(40, 40, 40), font=_font(20))
    draw.text((16, 254), "TEL: 138****0000", fill=(40, 40, 40), font=_font(20))
    return label


def make_claim_photo(
    tracking_number: str | None,
    *,
    damaged: bool = True,
    seed: int = 0,
    size: tuple[int, int] = (1024, 768),
    angle: float | None = None,
    fruits: int = 3,
    quality: int = 88,
) -> bytes:
    """JPEG bytes of fruit (damaged or not) on a table, with a waybill label if a number is
    given. The label is tilted by ``angle`` degrees (random small tilt by default)."""
    rng = np.random.default_rng(seed)
    w, h = size
    img = table_surface(rng, w, h)
    for k in range(fruits):
        r = int(min(w, h) * rng.uniform(0.16, 0.22))
        cx = int(w * (0.2 + 0.6 * (k + 0.5) / fruits) + rng.uniform(-20, 20))
        cy = int(h * rng.uniform(0.35, 0.6))
        draw_fruit(img, rng, cx, cy, r, damaged)
    if tracking_number:
        label = make_label(tracking_number, width=int(w * 0.42)).convert("RGBA")
        tilt = float(rng.uniform(-12, 12)) if angle is None else angle
        label = label.rotate(tilt, expand=True, resample=Image.Resampling.BICUBIC)
        x = int(w * rng.uniform(0.05, 0.5))
        y = int(h - label.height - h * rng.uniform(0.02, 0.08))
        img.paste(label, (x, max(0, y)), label)
    img = img.filter(ImageFilter.GaussianBlur(0.6))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return buf.getvalue()
