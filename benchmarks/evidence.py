"""Photo evidence benchmark: figures per data part, groupbot and a pyzbar + tesseract baseline.

    .venv/bin/python benchmarks/evidence.py ../shared/data/evidence-dev [--claims 10]
        [--gen-waybills 500] [--gen-negatives 250] [--jobs 2] [--no-speed] [--misses 20]
        [--dump results.json] [--parts "gen test,dev held-back"]

DIR holds photos and a labels.csv in the format of shared/data/evidence-dev (see its
README). Parts: "dev tuned" (the sources thresholds and heads were chosen on), "dev
held-back" (whole sources never tuned on, evidence_accuracy.HELD_BACK_SOURCES), "gen tuned"
and "gen test" (tools/evidence/make_waybills.py under a seed looked at while tuning and one
never looked at; backgrounds are dev photos of the matching side of the split). Each photo is
checked as `groupbot evidence check` checks a claim of that one photo (label OCR, then the
whole photo read when nothing matched: evidence_accuracy.checked). Not a timed
test: it prints tables. The baseline table says "n/a" when pyzbar (and libzbar0) and the
tesseract binary are missing.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import evidence_accuracy as acc  # noqa: E402
from groupbot.evidence import (  # noqa: E402
    EvidenceEngine,
    KnownPhoto,
    analyse_photo,
    find_reuse,
    phash_image,
    reuse_probes,
)
from groupbot.evidence.goods import HEADS_PATH  # noqa: E402


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


def speed(rows: list[dict], data: dict[str, bytes], args: argparse.Namespace) -> dict[str, str]:
    """Latency of one photo in one thread, 6-photo claims with the engine, peak RSS."""
    lat = []
    for r in rows:
        t = time.perf_counter()
        analyse_photo(data[r["file"]], [r["tracking_number"]] if r["tracking_number"] else [])
        lat.append(time.perf_counter() - t)
    rng = random.Random(0)
    goods_only = [r["file"] for r in rows if r["category"] in ("fresh", "rotten")]
    together = [r for r in rows if r["tracking_number"] and r["has_goods"] == "1"]
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

    def ms(q: float) -> str:
        return f"{1000 * float(np.percentile(lat, q)):.0f} ms"

    return {
        "per-photo latency p50 / p95 (1 thread)": f"{ms(50)} / {ms(95)}",
        f"6-photo claim median / max of {len(claim_times)} ({args.workers} {args.pool} workers)":
            f"{statistics.median(claim_times):.2f} s / {max(claim_times):.2f} s",
        "peak RSS (process + children, before the re-use part)": f"{rss_mb:.0f} MB",
    }


def reuse(data: dict[str, bytes]) -> dict[str, str]:
    """Copies found among all originals; false positives over all ordered pairs."""
    ims = {f: Image.open(io.BytesIO(b)).convert("RGB") for f, b in data.items()}
    known = [KnownPhoto(claim_id=f, phash=phash_image(im)) for f, im in ims.items()]
    plain = {f: plain_phash(im) for f, im in ims.items()}
    found_g = found_b = total = 0
    for f, im in ims.items():
        for cp in copies(im).values():
            total += 1
            m = find_reuse(reuse_probes(cp), None, known)
            found_g += m is not None and m.claim_id == f
            pc = plain_phash(cp)
            best = min(plain, key=lambda k: (plain[k] ^ pc).bit_count())
            found_b += best == f and (plain[f] ^ pc).bit_count() <= 10
    fp_g = fp_b = pairs = 0
    for f, im in ims.items():
        probes = reuse_probes(im)
        for k in known:
            if k.claim_id == f:
                continue
            pairs += 1
            fp_g += find_reuse(probes, None, [k]) is not None
            fp_b += (plain[f] ^ plain[k.claim_id]).bit_count() <= 10
    return {
        "re-used copies found (groupbot / plain pHash <= 10)":
            f"{acc.pct(found_g, total)} / {acc.pct(found_b, total)}",
        "re-use false positives (groupbot / plain pHash)": f"{fp_g} / {fp_b} of {pairs} pairs",
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("dir", type=Path)
    ap.add_argument("--claims", type=int, default=10, help="6-photo claims to time")
    ap.add_argument("--pool", choices=["thread", "process"], default="thread")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--gen-waybills", type=int, default=500, help="gen test part")
    ap.add_argument("--gen-negatives", type=int, default=250, help="gen test part")
    ap.add_argument("--baseline-photos", type=int, default=150, help="per part, at most")
    ap.add_argument("--jobs", type=int, default=2, help="processes for the accuracy parts")
    ap.add_argument("--no-speed", action="store_true", help="accuracy figures only")
    ap.add_argument("--misses", type=int, default=20, help="missed photos listed a kind and part")
    ap.add_argument("--dump", type=Path, help="write every photo's labels and results (JSON)")
    ap.add_argument("--parts", help="only these parts, comma-separated (e.g. 'gen test')")
    args = ap.parse_args()
    rows = list(csv.DictReader((args.dir / "labels.csv").open(encoding="utf-8")))
    data = {r["file"]: (args.dir / r["file"]).read_bytes() for r in rows}
    other = {} if args.no_speed else speed(rows, data, args) | reuse(data)

    parts = acc.dev_parts(args.dir)
    with tempfile.TemporaryDirectory() as scratch:
        # The tuned seed's part is smaller: it was looked at while tuning, it proves little.
        for name, seed, bg, share in (
            ("gen tuned", acc.GEN_TUNE_SEED, parts["dev tuned"], 0.2),
            ("gen test", acc.GEN_TEST_SEED, parts["dev held-back"], 1.0),
        ):
            parts[name] = acc.generated_part(
                seed, round(args.gen_waybills * share), round(args.gen_negatives * share), bg,
                Path(scratch) / name.replace(" ", "-"))
    if args.parts:
        wanted = [x.strip() for x in args.parts.split(",")]
        if unknown := set(wanted) - set(parts):
            ap.error(f"unknown parts {sorted(unknown)}; there are {sorted(parts)}")
        parts = {k: v for k, v in parts.items() if k in wanted}
    pyzbar, tess = acc.baseline_tools()
    ours, theirs, missed, dumped = {}, {}, {}, {}
    for k, (name, items) in enumerate(parts.items()):
        tasks = acc.plan(items, seed=k, other_order=name.startswith("dev"))
        res = acc.run(tasks, args.jobs, args.baseline_photos if pyzbar or tess else 0)
        ours[name] = acc.figures(tasks, res)
        missed[name] = acc.misses(tasks, res, args.misses)
        dumped[name] = [{"row": i.row, "tries": t, "result": x}
                        for (i, t), x in zip(tasks, res, strict=True)]
        if pyzbar or tess:
            theirs[name] = acc.baseline_figures(tasks, res)
        print(f"{name}: done", file=sys.stderr)
    print("groupbot")
    print(acc.table(ours))
    print(f"\npyzbar + tesseract baseline (at most {args.baseline_photos} photos a part)")
    print(acc.table(theirs) if theirs else "n/a: neither pyzbar (libzbar0) nor tesseract installed")
    print("\nmisses (groupbot)")
    for name, lines in missed.items():
        print(f"{name}:")
        print("\n".join(lines))
    if args.dump:
        args.dump.write_text(json.dumps(dumped, indent=1, default=str), encoding="utf-8")
    print("\nheads (models/heads.json):")
    for k, v in json.loads(HEADS_PATH.read_text())["metrics"].items():
        print(f"  {k}: {v}")
    if other:
        print("\nspeed, memory, re-use (whole dev set)")
        for k, v in other.items():
            print(f"  {k}: {v}")


if __name__ == "__main__":
    main()
