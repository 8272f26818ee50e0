"""Photo evidence benchmark: groupbot vs a pyzbar + tesseract baseline, side by side.

    .venv/bin/python benchmarks/evidence.py ../shared/data/evidence-dev [--claims 10]

DIR holds photos and a labels.csv in the format of shared/data/evidence-dev (see its
README). Not a timed test: it prints one table. Baseline columns print "n/a" when pyzbar
(and libzbar0) or the tesseract binary are missing. The goods and damage heads were trained
on the dev set: their cross-validated numbers (from models/heads.json) are printed too.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from groupbot.evidence import (  # noqa: E402
    EvidenceEngine,
    KnownPhoto,
    analyse_photo,
    find_reuse,
    match_number,
    normalize,
    phash_image,
    reuse_probes,
)
from groupbot.evidence.goods import HEADS_PATH  # noqa: E402

NA = "n/a"


# ---------------------------------------------------------------- baseline
def _baseline_tools() -> tuple[object | None, bool]:
    try:
        from pyzbar import pyzbar  # type: ignore[import-not-found]

        pyzbar.decode(Image.new("L", (8, 8)))  # fails here when libzbar0 is missing
    except Exception:  # ImportError, or OSError from ctypes without the library
        pyzbar = None
    return pyzbar, shutil.which("tesseract") is not None


def baseline_read(pyzbar, has_tess: bool, data: bytes, expected: list[str]) -> dict:
    """pyzbar on the photo; tesseract on the whole photo when pyzbar gave no match."""
    im = Image.open(io.BytesIO(data)).convert("L")
    texts = [r.data.decode("utf-8", "replace") for r in pyzbar.decode(im)] if pyzbar else []
    matched = any(match_number(t, expected) for t in texts) if expected else False
    ocr_texts: list[str] = []
    if has_tess and expected and not matched:
        buf = io.BytesIO()
        im.save(buf, "PNG")
        out = subprocess.run(
            ["tesseract", "stdin", "stdout", "--psm", "11"],
            input=buf.getvalue(),
            capture_output=True,
            timeout=60,
        ).stdout
        for line in out.decode("utf-8", "replace").splitlines():
            ocr_texts += line.split()
        matched = any(match_number(t, expected) for t in ocr_texts)
    return {"barcodes": texts, "matched": matched}


# ---------------------------------------------------------------- helpers
def mutate(number: str, rng: random.Random) -> str:
    """The same number with one digit changed: must never match."""
    pos = [i for i, c in enumerate(number) if c.isdigit()]
    i = rng.choice(pos)
    new = rng.choice([d for d in "0123456789" if d != number[i]])
    return number[:i] + new + number[i + 1 :]


def auc(y: list[int], s: list[float]) -> float:
    pos = [v for v, t in zip(s, y, strict=True) if t]
    neg = [v for v, t in zip(s, y, strict=True) if not t]
    if not pos or not neg:
        return float("nan")
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def copies(im: Image.Image) -> dict[str, Image.Image]:
    w, h = im.size
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=40)
    return {
        "resized 50%": im.resize((w // 2, h // 2), Image.Resampling.LANCZOS),
        "recompressed q40": Image.open(io.BytesIO(buf.getvalue())).convert("RGB"),
        "cropped 3%/side": im.crop((int(w * 0.03), int(h * 0.03), int(w * 0.97), int(h * 0.97))),
        "cropped 6% corner": im.crop((int(w * 0.06), int(h * 0.06), w, h)),
        "cropped 8% one side": im.crop((0, 0, int(w * 0.92), h)),
    }


def plain_phash(im: Image.Image) -> int:
    """Textbook whole-image pHash: the re-use baseline."""
    g = cv2.resize(np.asarray(im.convert("L")), (32, 32), interpolation=cv2.INTER_AREA)
    low = cv2.dct(g.astype(np.float32))[:8, :8].flatten()
    bits = low > np.median(low[1:])
    return int("".join("1" if b else "0" for b in bits), 2)


def pct(a: float, b: float) -> str:
    return f"{a}/{b} ({100 * a / b:.1f}%)" if b else NA


# ---------------------------------------------------------------- main
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("dir", type=Path)
    ap.add_argument("--claims", type=int, default=10, help="6-photo claims to time")
    ap.add_argument("--pool", choices=["thread", "process"], default="thread")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    rows = list(csv.DictReader((args.dir / "labels.csv").open(encoding="utf-8")))
    data = {r["file"]: (args.dir / r["file"]).read_bytes() for r in rows}
    rng = random.Random(0)
    res: dict[str, dict[str, str]] = {}

    # groupbot, one photo at a time (latency on one core)
    g = {}
    lat = []
    for r in rows:
        exp = [r["tracking_number"]] if r["tracking_number"] else []
        t = time.perf_counter()
        g[r["file"]] = analyse_photo(data[r["file"]], exp)
        lat.append(time.perf_counter() - t)
    labelled = [r for r in rows if r["tracking_number"]]
    coded = [r for r in rows if r["barcode_text"]]
    false_g = 0
    for r in labelled:  # the true label against a number one digit off, and another order's
        for wrong in (
            mutate(r["tracking_number"], rng),
            rng.choice([x for x in labelled if x is not r])["tracking_number"],
        ):
            false_g += analyse_photo(data[r["file"]], [wrong]).tracking_match
    for r in rows:  # photos without a legible number against some order's number
        if not r["tracking_number"]:
            false_g += (
                g[r["file"]].tracking_match
                or analyse_photo(
                    data[r["file"]], [rng.choice(labelled)["tracking_number"]], ocr_mode="off"
                ).tracking_match
            )
    n_false = 2 * len(labelled) + sum(1 for r in rows if not r["tracking_number"])

    def decoded(r: dict) -> bool:
        want = normalize(r["barcode_text"])
        return any(n.source == "barcode" and n.normalized == want for n in g[r["file"]].numbers)

    goods_ok = sum(g[r["file"]].goods_found == (r["has_goods"] == "1") for r in rows)
    dmg = [r for r in rows if r["goods_damaged"] != "" and g[r["file"]].damage_score is not None]
    heads = json.loads(HEADS_PATH.read_text())["metrics"]

    # 6-photo claims with the engine (the pool the bot uses)
    goods_only = [r["file"] for r in rows if r["category"] in ("fresh", "rotten")]
    together = [r for r in labelled if r["has_goods"] == "1"]
    claim_times = []

    async def claims() -> None:
        async with EvidenceEngine(workers=args.workers, pool=args.pool) as engine:
            await engine.analyse_photo(data[together[0]["file"]], [])  # warm the pool
            for k in range(args.claims):
                lab = together[k % len(together)]
                photos = [data[lab["file"]]] + [data[f] for f in rng.sample(goods_only, 5)]
                t = time.perf_counter()
                await engine.analyse_claim(photos, [lab["tracking_number"]])
                claim_times.append(time.perf_counter() - t)

    asyncio.run(claims())
    rss_mb = (
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    ) / 1024

    # re-use: copies found among all originals; false positives over all ordered pairs
    ims = {f: Image.open(io.BytesIO(b)).convert("RGB") for f, b in data.items()}
    known = [KnownPhoto(claim_id=f, phash=phash_image(im)) for f, im in ims.items()]
    plain = {f: plain_phash(im) for f, im in ims.items()}
    found_g = found_b = total_c = 0
    for f, im in ims.items():
        for cp in copies(im).values():
            total_c += 1
            m = find_reuse(reuse_probes(cp), None, known)
            found_g += m is not None and m.claim_id == f
            pc = plain_phash(cp)
            best = min(plain, key=lambda k: (plain[k] ^ pc).bit_count())
            found_b += best == f and (plain[f] ^ pc).bit_count() <= 10
    fp_g = fp_b = pairs = 0
    for f, im in ims.items():
        others = [k for k in known if k.claim_id != f]
        probes = reuse_probes(im)
        for k in others:
            pairs += 1
            fp_g += find_reuse(probes, None, [k]) is not None
            fp_b += (plain[f] ^ plain[k.claim_id]).bit_count() <= 10

    # baseline
    pyzbar, has_tess = _baseline_tools()
    b = {}
    blat = []
    if pyzbar or has_tess:
        for r in rows:
            exp = [r["tracking_number"]] if r["tracking_number"] else []
            t = time.perf_counter()
            b[r["file"]] = baseline_read(pyzbar, has_tess, data[r["file"]], exp)
            blat.append(time.perf_counter() - t)

    def ms(xs: list[float], q: float) -> str:
        return f"{1000 * float(np.percentile(xs, q)):.0f} ms" if xs else NA

    dec_b = (
        pct(
            sum(
                normalize(r["barcode_text"]) in map(normalize, b[r["file"]]["barcodes"])
                for r in coded
            ),
            len(coded),
        )
        if pyzbar
        else NA
    )
    match_b = pct(sum(b[r["file"]]["matched"] for r in labelled), len(labelled)) if b else NA
    res = {
        "barcode decoded (of photos with a known code)": (
            pct(sum(decoded(r) for r in coded), len(coded)),
            dec_b,
        ),
        "tracking no. matched (of legible labels)": (
            pct(sum(g[r["file"]].tracking_match for r in labelled), len(labelled)),
            match_b,
        ),
        "false matches (wrong/no number given)": (f"{false_g} of {n_false} checks", NA),
        "goods accuracy (in-sample)": (pct(goods_ok, len(rows)), NA),
        "goods accuracy (head cross-validated)": (f"{100 * heads['goods_accuracy_cv']:.1f}%", NA),
        "damage AUC (in-sample)": (
            f"{auc([int(r['goods_damaged']) for r in dmg], [g[r['file']].damage_score for r in dmg]):.3f}",
            NA,
        ),
        "damage AUC (head cross-validated)": (f"{heads['damage_auc_cv_mean']:.3f}", NA),
        "re-used copies found": (pct(found_g, total_c), pct(found_b, total_c) + " plain pHash"),
        "re-use false positives (photo pairs)": (
            f"{fp_g}/{pairs} ({100 * fp_g / pairs:.3f}%)",
            f"{fp_b}/{pairs} ({100 * fp_b / pairs:.3f}%)",
        ),
        "per-photo latency p50 (1 thread)": (ms(lat, 50), ms(blat, 50)),
        "per-photo latency p95 (1 thread)": (ms(lat, 95), ms(blat, 95)),
        f"6-photo claim, median of {len(claim_times)} ({args.workers} {args.pool} workers)": (
            f"{statistics.median(claim_times):.2f} s",
            NA,
        ),
        "6-photo claim, max": (f"{max(claim_times):.2f} s", NA),
        "peak RSS (benchmark process + children)": (f"{rss_mb:.0f} MB", NA),
    }
    w = max(len(k) for k in res) + 2
    print(f"{'':{w}}{'groupbot':<28}{'pyzbar + tesseract':<28}")
    for k, (a, c) in res.items():
        print(f"{k:{w}}{a:<28}{c:<28}")
    print(
        f"\n{len(rows)} photos, {len(labelled)} legible labels, {len(coded)} known codes; "
        "heads trained on this set (see the cross-validated rows)."
    )


if __name__ == "__main__":
    main()
