"""Goods present? Damage visible? EfficientNet-Lite0 (ImageNet) plus two tiny linear heads.

The ONNX model (models/effnet_lite0.onnx, exported by tools/evidence/export_goods_model.py)
gives ImageNet logits and pooled penultimate features. Two logistic heads read them
(models/heads.json, trained by tools/evidence/train_damage_head.py):

* goods: features + log of the ImageNet probability mass on fruit and vegetable classes.
  The class mass alone misses rotten produce (ImageNet has no "rotten potato": it says
  "bagel" or "tick"); the features catch those.
* damage: features and lesion statistics (lesions.py). A *signal* for ordering the review queue and for the evidence
  sheet, trained on under a hundred photos; it never decides a claim.

The goods box comes from the goods head's class-activation map on the 7x7 feature grid.
A dark photo is brightened before the model sees it (``_exposed``); the lesion statistics
read the photo as it is.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image

from .findings import Box
from .lesions import NAMES, lesion_features

MODEL_DIR = Path(__file__).with_name("models")
MODEL_PATH = MODEL_DIR / "effnet_lite0.onnx"
HEADS_PATH = MODEL_DIR / "heads.json"
INPUT = 224

# ImageNet-1k classes that are produce: 936 head cabbage, 937 broccoli, 938 cauliflower,
# 939 zucchini, 940 spaghetti squash, 941 acorn squash, 942 butternut squash, 943 cucumber,
# 944 artichoke, 945 bell pepper, 946 cardoon, 947 mushroom, 948 Granny Smith,
# 949 strawberry, 950 orange, 951 lemon, 952 fig, 953 pineapple, 954 banana, 955 jackfruit,
# 956 custard apple, 957 pomegranate, 987 corn, 998 ear (of corn). Dishes (guacamole,
# mashed potato) and plants (acorn, hip, buckeye) are left out on purpose.
# Beyond fruit and vegetables, what community group-buying sells fresh: 118-125 crabs,
# lobsters and crayfish; 389 barracouta, 390 eel, 391 coho (salmon), 394 sturgeon;
# 996 hen-of-the-woods and 997 bolete (mushrooms). ImageNet has no class for eggs, raw meat
# or leafy greens other than cabbage: the features carry those.
PRODUCE_CLASSES = (*range(118, 126), 389, 390, 391, 394, *range(936, 958), 987, 996, 997, 998)

_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class GoodsResult:
    goods_score: float
    goods_found: bool
    damage_score: float
    produce_mass: float
    box: Box | None


@dataclass(frozen=True, slots=True)
class Heads:
    goods_w: np.ndarray  # [1281]: 1280 features + log produce mass
    goods_b: float
    goods_threshold: float
    damage_w: np.ndarray  # [1280]
    damage_b: float
    # Lesion statistics (lesions.py), standardised with the training mean and std.
    lesion_w: np.ndarray
    lesion_mean: np.ndarray
    lesion_std: np.ndarray


@cache
def _session():
    import onnxruntime as ort

    so = ort.SessionOptions()
    # Parallelism comes from the worker pool (one photo per worker); one thread per run
    # avoids oversubscribing two cores.
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # No memory arena: activations are freed after each run instead of kept in a pool that
    # concurrent runs grow and never give back (-45 MB peak RSS with two workers, no
    # measurable slowdown); RapidOCR configures its sessions the same way.
    so.enable_cpu_mem_arena = False
    return ort.InferenceSession(str(MODEL_PATH), so, providers=["CPUExecutionProvider"])


@cache
def load_heads(path: Path = HEADS_PATH) -> Heads:
    d = json.loads(path.read_text())
    return Heads(
        goods_w=np.asarray(d["goods"]["weights"], dtype=np.float32),
        goods_b=float(d["goods"]["bias"]),
        goods_threshold=float(d["goods"]["threshold"]),
        damage_w=np.asarray(d["damage"]["weights"], dtype=np.float32),
        damage_b=float(d["damage"]["bias"]),
        lesion_w=np.asarray(d["damage"].get("lesion_weights", [0.0] * len(NAMES)), np.float32),
        lesion_mean=np.asarray(d["damage"].get("lesion_mean", [0.0] * len(NAMES)), np.float32),
        lesion_std=np.asarray(d["damage"].get("lesion_std", [1.0] * len(NAMES)), np.float32),
    )


def warm_up() -> None:
    """Load the model and heads now (workers call this once, tests once per session)."""
    with _lock:
        _session()
        load_heads()


def _views(im: Image.Image) -> np.ndarray:
    """Two views: centre crop (ImageNet style) and the whole photo squashed (for the box)."""
    w, h = im.size
    s = 256 / min(w, h)
    r = im.resize((max(INPUT, round(w * s)), max(INPUT, round(h * s))), Image.Resampling.BILINEAR)
    rw, rh = r.size
    left, top = (rw - INPUT) // 2, (rh - INPUT) // 2
    centre = r.crop((left, top, left + INPUT, top + INPUT))
    full = im.resize((INPUT, INPUT), Image.Resampling.BILINEAR)
    batch = np.stack([np.asarray(centre), np.asarray(full)]).astype(np.float32)
    return _exposed(batch).transpose(0, 3, 1, 2)


# A parcel opened in a dim hallway: ImageNet features of an underexposed photo drift away from
# "produce", and the goods head missed fruit there (goods errors in dim light, issue 18). A
# dark photo is brightened the way a phone's auto-exposure would, until its bright end
# (98th percentile of luminance) reaches EXPOSED; photos already that bright are left as they
# are. Chosen on the tuned part with the composites' backgrounds held out by source.
DARK, EXPOSED, MAX_GAIN = 200.0, 230.0, 3.0


def _exposed(batch: np.ndarray) -> np.ndarray:
    """``batch``: [view, y, x, RGB] floats 0-255; the gain is measured on the whole photo."""
    full = batch[-1]
    bright = float(np.percentile(full @ np.array([0.299, 0.587, 0.114], np.float32), 98))
    if bright >= DARK:
        return batch
    return np.clip(batch * min(MAX_GAIN, EXPOSED / max(bright, 1.0)), 0, 255)


def embed(im: Image.Image) -> tuple[np.ndarray, float, np.ndarray]:
    """(L2-normalised pooled features [1280], produce probability mass, full-view fmap)."""
    logits, feats, fmap = _session().run(None, {"image": _views(im.convert("RGB"))})
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=1, keepdims=True)
    mass = float(p[:, PRODUCE_CLASSES].sum(axis=1).max())
    f = feats.mean(axis=0)
    f = f / (np.linalg.norm(f) + 1e-8)
    return f, mass, fmap[1]


def head_input(features: np.ndarray, mass: float) -> np.ndarray:
    return np.concatenate([features, [np.log(mass + 1e-4)]]).astype(np.float32)


def _sigmoid(x: float) -> float:
    return float(1 / (1 + np.exp(-np.clip(x, -50, 50))))


def cam_box(fmap: np.ndarray, w: np.ndarray, size: tuple[int, int]) -> Box | None:
    cam = np.tensordot(w, fmap, axes=(0, 0))  # [7, 7]
    lo, hi = float(cam.min()), float(cam.max())
    if hi - lo < 1e-6:
        return None
    ys, xs = np.nonzero(cam >= lo + 0.5 * (hi - lo))
    gh, gw = cam.shape
    W, H = size
    return (
        int(xs.min() * W / gw),
        int(ys.min() * H / gh),
        int((xs.max() + 1) * W / gw),
        int((ys.max() + 1) * H / gh),
    )


def analyse_goods(im: Image.Image) -> GoodsResult:
    heads = load_heads()
    f, mass, fmap = embed(im)
    goods = _sigmoid(float(heads.goods_w @ head_input(f, mass)) + heads.goods_b)
    found = goods >= heads.goods_threshold
    region = cam_box(fmap, heads.goods_w[:1280], im.size)
    lesion = (lesion_features(im, region) - heads.lesion_mean) / heads.lesion_std
    damage = _sigmoid(float(heads.damage_w @ f) + float(heads.lesion_w @ lesion) + heads.damage_b)
    return GoodsResult(goods, found, damage, mass, region if found else None)
