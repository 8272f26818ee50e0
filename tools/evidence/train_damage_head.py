"""Train the goods and damage heads on the dev set; write groupbot/evidence/models/heads.json.

    .venv/bin/python tools/evidence/train_damage_head.py ../shared/data/evidence-dev

Both heads are L2-regularised logistic regressions (numpy Newton steps, no extra
dependency) on the pooled EfficientNet-Lite0 features the runtime computes
(groupbot.evidence.goods.embed), so training and inference cannot drift apart.

* damage: has_goods=1 photos, label goods_damaged. A signal for ordering the review queue
  and for the evidence sheet, never a decision: it is trained on a few dozen photos.
* goods: all photos, label has_goods; input adds the ImageNet produce-class mass.

The metrics written next to the weights are cross-validated (5 folds x 5 shuffles): the
heads are trained on the same dev set the benchmark reads, so in-sample numbers would
flatter them.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from groupbot.evidence import goods  # noqa: E402
from groupbot.evidence.safety import load_image  # noqa: E402

LAMBDA = 0.1  # L2 strength; chosen by cross-validation over 0.01..10


def fit_logreg(x: np.ndarray, y: np.ndarray, lam: float = LAMBDA) -> tuple[np.ndarray, float]:
    """Newton's method on sum(log-loss) + lam/2 |w|^2 (bias not penalised)."""
    n, d = x.shape
    xb = np.hstack([x, np.ones((n, 1))]).astype(np.float64)
    w = np.zeros(d + 1)
    reg = np.full(d + 1, lam)
    reg[-1] = 1e-8
    for _ in range(50):
        p = 1 / (1 + np.exp(-(xb @ w)))
        grad = xb.T @ (p - y) + reg * w
        hess = (xb * (p * (1 - p))[:, None]).T @ xb + np.diag(reg)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-7:
            break
    return w[:-1].astype(np.float32), float(w[-1])


def predict(x: np.ndarray, w: np.ndarray, b: float) -> np.ndarray:
    return 1 / (1 + np.exp(-(x @ w + b)))


def auc(y: np.ndarray, s: np.ndarray) -> float:
    pos, neg = s[y == 1], s[y == 0]
    if not len(pos) or not len(neg):
        return float("nan")
    greater = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(greater / (len(pos) * len(neg)))


def cross_val(x: np.ndarray, y: np.ndarray, folds: int = 5, repeats: int = 5) -> np.ndarray:
    """Out-of-fold probabilities, averaged over shuffles (stratified folds)."""
    out = np.zeros((repeats, len(y)))
    for r in range(repeats):
        rng = np.random.default_rng(r)
        fold = np.zeros(len(y), dtype=int)
        for cls in (0, 1):
            idx = rng.permutation(np.nonzero(y == cls)[0])
            fold[idx] = np.arange(len(idx)) % folds
        for k in range(folds):
            tr, te = fold != k, fold == k
            w, b = fit_logreg(x[tr], y[tr])
            out[r, te] = predict(x[te], w, b)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("data", type=Path, help="folder with labels.csv and the photos")
    ap.add_argument("--out", type=Path, default=goods.HEADS_PATH)
    args = ap.parse_args()

    rows = list(csv.DictReader((args.data / "labels.csv").open(encoding="utf-8")))
    feats, masses = [], []
    for row in rows:
        im = load_image((args.data / row["file"]).read_bytes())
        f, mass, _ = goods.embed(im)
        feats.append(f)
        masses.append(mass)
    f = np.array(feats)
    xg = np.array([goods.head_input(fi, m) for fi, m in zip(f, masses, strict=True)])
    yg = np.array([int(r["has_goods"]) for r in rows], dtype=float)
    dmask = np.array([r["goods_damaged"] != "" for r in rows])
    yd = np.array([int(r["goods_damaged"] or 0) for r in rows], dtype=float)[dmask]

    cv_g = cross_val(xg, yg)
    thresholds = np.linspace(0.2, 0.8, 25)
    acc = [float(((cv_g >= t) == yg).mean()) for t in thresholds]
    best = max(range(len(thresholds)), key=lambda i: (acc[i], -abs(thresholds[i] - 0.5)))
    threshold = float(thresholds[best])
    cv_d = cross_val(f[dmask], yd)
    cv_auc = [auc(yd, p) for p in cv_d]

    gw, gb = fit_logreg(xg, yg)
    dw, db = fit_logreg(f[dmask], yd)
    in_auc = auc(yd, predict(f[dmask], dw, db))
    in_acc = float(((predict(xg, gw, gb) >= threshold) == yg).mean())
    metrics = {
        "n_photos": len(rows),
        "n_damage_labelled": int(dmask.sum()),
        "goods_accuracy_cv": round(acc[best], 4),
        "goods_accuracy_in_sample": round(in_acc, 4),
        "damage_auc_cv_mean": round(float(np.mean(cv_auc)), 4),
        "damage_auc_cv_min": round(float(np.min(cv_auc)), 4),
        "damage_auc_in_sample": round(in_auc, 4),
        "lambda": LAMBDA,
    }
    doc = {
        "about": "Logistic heads on EfficientNet-Lite0 pooled features; see "
        "tools/evidence/train_damage_head.py. damage is a review-ordering signal, "
        "not a decision.",
        "trained_on": str(args.data.name),
        "metrics": metrics,
        "goods": {
            "weights": [round(float(v), 6) for v in gw],
            "bias": round(gb, 6),
            "threshold": round(threshold, 4),
        },
        "damage": {"weights": [round(float(v), 6) for v in dw], "bias": round(db, 6)},
    }
    args.out.write_text(json.dumps(doc, separators=(",", ":")) + "\n")
    print(json.dumps(metrics, indent=2))
    print(f"wrote {args.out} ({args.out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
