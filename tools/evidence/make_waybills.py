"""Labelled waybill composites and non-waybill negatives, deterministic by seed.

    .venv/bin/python -m tools.evidence.make_waybills OUT_DIR [--seed 1] [--waybills 500]
        [--negatives 250] [--backgrounds DIR]

Writes OUT_DIR/*.jpg and OUT_DIR/labels.csv in the dev set's format (see
shared/data/evidence-dev/README.md), so benchmarks/evidence.py reads either. The benchmark
calls ``generate`` itself (nothing generated is committed). Waybills: five couriers' layouts
(SF, YTO, J&T, ZTO, EMS) in the packaged Noto Sans SC at several sizes, rotated, in
perspective, on curved boxes, partly covered, with glare, dim light, blur and JPEG 30-80,
on tables with fruit, cardboard, fabric, tiles, stripes or given photos. Negatives: product
packs with EAN-13/UPC-A, shelf tags, SSCC pallet labels, till receipts, printed pages and
bare textures.

``tracking_number`` is filled only where the printed number is legible by the generator's
rule (digits >= 10 px tall, blur under a sixth of that, not covered); ``barcode_text`` always.
"""

from __future__ import annotations

import argparse
import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import scene
from .layouts import COURIERS, draw_label, tracking_number
from .negatives import NEGATIVES

FIELDS = ("file", "has_waybill", "tracking_number", "has_goods", "goods_damaged", "source_repo",
          "category", "barcode_text", "notes")
MIN_LEGIBLE_PX = 10
# Goods are "present" when at least half of one fruit (half of a dev photo) is in view, and
# "absent" when every drawn fruit is under a tenth visible; in between is not scored.
MIN_VISIBLE_GOODS = 0.5
MAX_HIDDEN_GOODS = 0.1


@dataclass(frozen=True, slots=True)
class Sample:
    row: dict[str, str]
    data: bytes


def _conditions(rng: np.random.Generator) -> dict[str, float]:
    """How a member photographs a parcel: mostly fine, sometimes badly."""
    hard = rng.random() < 0.3
    return {
        "frac": float(rng.uniform(0.22, 0.45) if hard else rng.uniform(0.4, 0.75)),
        "angle": float(rng.uniform(-90, 90) if rng.random() < 0.25 else rng.uniform(-25, 25)),
        "tilt": float(rng.uniform(0, 0.25)),
        "curve": float(rng.uniform(0.02, 0.06)) if rng.random() < 0.3 else 0.0,
        "cover": float(rng.random() < 0.2),
        "glare": float(rng.uniform(0.2, 0.6)) if rng.random() < 0.3 else 0.0,
        "dim": float(rng.uniform(0.35, 0.7) if rng.random() < 0.3 else rng.uniform(0.85, 1.05)),
        "blur": float(rng.uniform(0.5, 2.5 if hard else 1.5)) if rng.random() < 0.5 else 0.0,
        "motion": int(rng.integers(3, 9)) if rng.random() < 0.15 else 0,
        "quality": int(rng.integers(30, 81)),
    }


def clear_conditions() -> dict[str, float]:
    """A member who took care: label filling half the photo, slight tilt, good light."""
    return {"frac": 0.55, "angle": 8.0, "tilt": 0.05, "curve": 0.0, "cover": 0.0, "glare": 0.0,
            "dim": 1.0, "blur": 0.0, "motion": 0, "quality": 80}


def compose(flat, c: dict, rng: np.random.Generator, photos: list[Path] | None = None,
            keep: tuple[int, int, int, int] | None = None
            ) -> tuple[bytes, str, bool, float, float | None]:
    """A flat label photographed under conditions ``c``: (jpeg, background kind, whether
    the cover hid ``keep``, scale of label px to photo px, how much of the goods the label
    left visible - see ``visible_goods``)."""
    photos = photos or []
    size = scene.SIZES[int(rng.integers(len(scene.SIZES)))]
    bg, kind, fruit = scene.background(rng, size, photos)
    label = np.dstack([np.asarray(flat), np.full(flat.size[::-1], 255, np.uint8)])
    covered = bool(c["cover"]) and scene.cover(label, rng, keep or (0, 0, 0, 0)) and keep is not None
    if c["curve"]:
        label = scene.curve(label, c["curve"])
    img, scale, alpha = scene.place(np.asarray(bg, np.float32), label, rng, c["frac"], c["angle"],
                                    c["tilt"])
    if c["glare"]:
        img = scene.glare(img, rng, c["glare"])
    data = scene.finish(img, rng, c["dim"], c["blur"], c["motion"], c["quality"])
    return data, kind, covered, scale, visible_goods(kind, fruit, alpha)


def visible_goods(kind: str, fruit: list[np.ndarray], alpha: np.ndarray) -> float | None:
    """How much of the goods is still in view once the label is on the photo: for drawn
    fruit the largest visible share of any one fruit; for a dev photo (where its goods are
    is not known) the share of the photo the label leaves uncovered; None without goods."""
    clear = alpha < 0.5
    if fruit:
        return max(float((m & clear).sum()) / max(int(m.sum()), 1) for m in fruit)
    if kind.startswith("photo:"):
        return float(clear.mean())
    return None


def _goods(kind: str, goods_of: dict[str, tuple[str, str]], visible: float | None
           ) -> tuple[str, str]:
    """(has_goods, goods_damaged) of what can be SEEN. Before, a photo was labelled with
    the goods of its background even when the label hid them (a generator bug: 'goods
    present' on fruit wholly behind the label): now goods count as present only when at
    least MIN_VISIBLE_GOODS of one fruit (of the photo, for a dev photo) is in view, as
    absent when drawn fruit is all but hidden, and are not scored ('') in between."""
    if kind.startswith("photo:"):
        has, damaged = goods_of.get(kind[6:], ("", ""))
    elif kind.startswith("table-"):  # fruit drawn on the table, fresh or damaged
        has, damaged = "1", "1" if kind == "table-damaged" else "0"
    else:
        return "0", ""
    if has != "1" or visible is None or visible >= MIN_VISIBLE_GOODS:
        return has, damaged
    if kind.startswith("table-") and visible < MAX_HIDDEN_GOODS:
        return "0", ""
    return "", ""


def generate(seed: int, waybills: int = 500, negatives: int = 250, *,
             photos: list[Path] | None = None,
             goods_of: dict[str, tuple[str, str]] | None = None,
             prefix: str = "g") -> Iterator[Sample]:
    """``waybills`` labelled composites then ``negatives`` non-waybills. ``photos``: extra
    backgrounds; ``goods_of``: file name -> (has_goods, goods_damaged) for those."""
    rng = np.random.default_rng(seed)
    photos, goods_of = photos or [], goods_of or {}
    for i in range(waybills + negatives):
        c = _conditions(rng)
        if i < waybills:
            courier = COURIERS[i % len(COURIERS)]
            number = tracking_number(courier.code, rng)
            flat, nbox = draw_label(courier, number, rng)
            data, kind, covered, s, visible = compose(flat, c, rng, photos, nbox)
            digit_px = (nbox[3] - nbox[1]) * s * c["dim"] ** 0.5
            legible = (digit_px >= MIN_LEGIBLE_PX and c["blur"] <= digit_px / 6
                       and c["motion"] <= digit_px / 2 and not covered)
            row = {"has_waybill": "1", "tracking_number": number if legible else "",
                   "category": f"composite-{courier.code}", "barcode_text": number}
        else:
            kinds = [*NEGATIVES, "texture"]
            what = kinds[(i - waybills) % len(kinds)]
            if what == "texture":
                size = scene.SIZES[int(rng.integers(len(scene.SIZES)))]
                bg, kind, _ = scene.background(rng, size, [],
                                               kind=str(rng.choice(list(scene.TEXTURES))))
                data = scene.finish(np.asarray(bg, np.float32), rng, c["dim"], c["blur"], 0,
                                    c["quality"])
                visible = None
            else:
                data, kind, _, _, visible = compose(NEGATIVES[what](rng), c, rng, photos, None)
            digit_px = 0.0
            row = {"has_waybill": "0", "tracking_number": "", "category": f"negative-{what}",
                   "barcode_text": ""}
        has_goods, damaged = _goods(kind, goods_of, visible)
        notes = " ".join(f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}" for k, v in c.items())
        row |= {"file": f"{prefix}{seed}-{i:04d}.jpg", "has_goods": has_goods,
                "goods_damaged": damaged, "source_repo": f"generated/{kind.split(':')[0].split('-')[0]}",
                "notes": f"{notes} digit_px={digit_px:.1f} background={kind}"
                         + ("" if visible is None else f" goods_visible={visible:.2f}")}
        yield Sample({k: row[k] for k in FIELDS}, data)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("out", type=Path)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--waybills", type=int, default=500)
    ap.add_argument("--negatives", type=int, default=250)
    ap.add_argument("--backgrounds", type=Path, help="folder of background photos")
    args = ap.parse_args()
    photos = sorted(args.backgrounds.glob("*.jpg")) if args.backgrounds else []
    args.out.mkdir(parents=True, exist_ok=True)
    with (args.out / "labels.csv").open("w", newline="", encoding="utf-8") as fh:
        out = csv.DictWriter(fh, FIELDS)
        out.writeheader()
        for s in generate(args.seed, args.waybills, args.negatives, photos=photos):
            (args.out / s.row["file"]).write_bytes(s.data)
            out.writerow(s.row)
    print(f"wrote {args.waybills + args.negatives} photos to {args.out}")


if __name__ == "__main__":
    main()
