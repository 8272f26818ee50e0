"""Accuracy figures of the evidence engine per data part, and the pyzbar + tesseract baseline.

The parts (see benchmarks/README.md): the dev set split by SOURCE - whole source
repositories held back, never tuned on - and generated photos (tools/evidence) under two
seeds: one looked at while tuning, one never. Photos run in a process pool, one photo per
task, so the figures do not depend on the order.
"""

from __future__ import annotations

import csv
import io
import multiprocessing
import random
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from groupbot.evidence import PhotoFindings, analyse_photo, goods, match_number, normalize
from groupbot.evidence.engine import worth_reading_whole
from tools.evidence.make_waybills import generate
from tools.evidence.splits import HELD_BACK_SOURCES

GEN_TUNE_SEED, GEN_TEST_SEED = 1, 2
NA = "n/a"


@dataclass(frozen=True, slots=True)
class Item:
    row: dict[str, str]
    data: bytes


def dev_parts(folder: Path) -> dict[str, list[Item]]:
    rows = list(csv.DictReader((folder / "labels.csv").open(encoding="utf-8")))
    items = [Item(r, (folder / r["file"]).read_bytes()) for r in rows]
    held = [i for i in items if i.row["source_repo"] in HELD_BACK_SOURCES]
    return {"dev tuned": [i for i in items if i not in held], "dev held-back": held}


def generated_part(seed: int, waybills: int, negatives: int, backgrounds: list[Item],
                   scratch: Path) -> list[Item]:
    """Generated photos; dev photos of the same side of the split serve as backgrounds."""
    scratch.mkdir(parents=True, exist_ok=True)
    paths = []
    for b in backgrounds:
        if b.row["has_waybill"] == "0":  # a background must not carry a label of its own
            (scratch / b.row["file"]).write_bytes(b.data)
            paths.append(scratch / b.row["file"])
    goods_of = {b.row["file"]: (b.row["has_goods"], b.row["goods_damaged"]) for b in backgrounds}
    return [Item(s.row, s.data) for s in generate(seed, waybills, negatives, photos=paths,
                                                     goods_of=goods_of)]


def mutate(number: str, rng: random.Random) -> str:
    """The same number with one digit changed: must never match."""
    pos = [i for i, c in enumerate(number) if c.isdigit()]
    i = rng.choice(pos)
    return number[:i] + rng.choice([d for d in "0123456789" if d != number[i]]) + number[i + 1:]


def plan(items: list[Item], seed: int, other_order: bool) -> list[tuple[Item, list[list[str]]]]:
    """Per photo the expected-number lists to try: first the main one (its own legible
    number, else some other label's number: a match is false), then false-match probes
    (one digit changed; another label's number when ``other_order``)."""
    rng = random.Random(seed)
    numbers = [i.row["tracking_number"] for i in items if i.row["tracking_number"]]
    out = []
    for i in items:
        own = i.row["tracking_number"]
        if own:
            probes = [[mutate(own, rng)]]
            if other_order and len(numbers) > 1:
                probes.append([rng.choice([n for n in numbers if n != own])])
            out.append((i, [[own], *probes]))
        else:
            out.append((i, [[rng.choice(numbers)]] if numbers else [[]]))
    return out


def baseline_tools() -> tuple[object | None, bool]:
    try:
        from pyzbar import pyzbar  # type: ignore[import-not-found]

        pyzbar.decode(Image.new("L", (8, 8)))  # fails here when libzbar0 is missing
    except Exception:  # ImportError, or OSError from ctypes without the library
        pyzbar = None
    return pyzbar, shutil.which("tesseract") is not None


def baseline_read(pyzbar, has_tess: bool, data: bytes, tries: list[list[str]]) -> list[dict]:
    """pyzbar on the photo, tesseract (--psm 11) on the whole photo once (its words do not
    depend on the number looked for); each try matched against both. Its "waybill" is what
    a naive reader says: any barcode decoded."""
    im = Image.open(io.BytesIO(data)).convert("L")
    texts = [r.data.decode("utf-8", "replace") for r in pyzbar.decode(im)] if pyzbar else []
    words: list[str] = []
    if has_tess and any(t and not any(match_number(x, t) for x in texts) for t in tries):
        buf = io.BytesIO()
        im.save(buf, "PNG")
        out = subprocess.run(["tesseract", "stdin", "stdout", "--psm", "11"], input=buf.getvalue(),
                             capture_output=True, timeout=120).stdout
        words = out.decode("utf-8", "replace").split()
    return [
        {"barcodes": [normalize(x) for x in texts], "waybill": bool(texts),
         "matched": bool(t) and any(match_number(x, t) for x in texts + words)}
        for t in tries
    ]


def checked(data: bytes, expected: list[str]) -> PhotoFindings:
    """One photo the way ``groupbot evidence check`` sees it (a claim of that photo alone):
    label OCR, then the whole photo read when that gave no match and it is worth it."""
    found = analyse_photo(data, expected)
    if expected and not found.tracking_match and worth_reading_whole(found):
        again = analyse_photo(data, expected, ocr_mode="full")
        if again.ok:
            return again
    return found


def _check(task: tuple[Item, list[list[str]], bool]) -> dict:
    item, tries, baseline = task
    main = checked(item.data, tries[0])
    result = {
        "matched": main.tracking_match, "waybill": main.waybill_found, "goods": main.goods_found,
        "damage": main.damage_score,
        "barcodes": [n.normalized for n in main.numbers if n.source == "barcode"],
        "probes": [checked(item.data, t).tracking_match for t in tries[1:]],
    }
    if baseline:
        pyzbar, tess = baseline_tools()
        result["baseline"] = baseline_read(pyzbar, tess, item.data, tries)
    return result


def run(tasks: list[tuple[Item, list[list[str]]]], jobs: int, baseline: int) -> list[dict]:
    """Every task through groupbot; every k-th also through the baseline, ``baseline``
    photos at most (tesseract takes seconds a photo)."""
    stride = -(-len(tasks) // baseline) if baseline else 0
    # spawn, not fork: the parent has used OpenCV's thread pool (generating photos), and a
    # forked child that inherits it can hang in its first parallel cv2 call.
    with multiprocessing.get_context("spawn").Pool(jobs, initializer=goods.warm_up) as pool:
        return pool.map(_check, [(i, t, bool(stride) and k % stride == 0)
                                 for k, (i, t) in enumerate(tasks)], chunksize=1)


def auc(y: list[int], s: list[float]) -> float:
    pos = [v for v, t in zip(s, y, strict=True) if t]
    neg = [v for v, t in zip(s, y, strict=True) if not t]
    if not pos or not neg:
        return float("nan")
    return sum((p > n) + 0.5 * (p == n) for p in pos for n in neg) / (len(pos) * len(neg))


def pct(a: int, b: int) -> str:
    return f"{a}/{b} ({100 * a / b:.1f}%)" if b else NA


def figures(tasks: list[tuple[Item, list[list[str]]]], res: list[dict]) -> dict[str, str]:
    rows = [i.row for i, _ in tasks]
    pairs = list(zip(rows, res, strict=True))
    coded = [(r, x) for r, x in pairs if r["barcode_text"]]
    legible = [(r, x) for r, x in pairs if r["tracking_number"]]
    false = sum(sum(x["probes"]) for _, x in pairs) + sum(
        x["matched"] for r, x in pairs if not r["tracking_number"])
    checks = sum(len(x["probes"]) for _, x in pairs) + sum(
        1 for r in rows if not r["tracking_number"])
    tp = sum(x["waybill"] for r, x in pairs if r["has_waybill"] == "1")
    said = sum(x["waybill"] for _, x in pairs)
    truth = sum(r["has_waybill"] == "1" for r in rows)
    g = [(r, x) for r, x in pairs if r["has_goods"] in ("0", "1")]
    errors = Counter(r["category"] for r, x in g if x["goods"] != (r["has_goods"] == "1"))
    d = [(r, x) for r, x in pairs if r["goods_damaged"] in ("0", "1") and x["damage"] is not None]
    a = auc([int(r["goods_damaged"]) for r, _ in d], [x["damage"] for _, x in d])
    return {
        "photos": str(len(rows)),
        "barcode decoded (of known codes)": pct(
            sum(normalize(r["barcode_text"]) in x["barcodes"] for r, x in coded), len(coded)),
        "tracking no. matched (of legible labels)": pct(sum(x["matched"] for _, x in legible),
                                                        len(legible)),
        "false matches": f"{false} of {checks}",
        "waybill precision": pct(tp, said),
        "waybill recall": pct(tp, truth),
        "goods correct": pct(len(g) - sum(errors.values()), len(g)),
        "goods errors by class": ", ".join(f"{k} {v}" for k, v in sorted(errors.items())) or "-",
        "damage AUC (n fresh/rotten)": NA if a != a else (
            f"{a:.3f} ({sum(r['goods_damaged'] == '0' for r, _ in d)}/"
            f"{sum(r['goods_damaged'] == '1' for r, _ in d)})"),
    }


def misses(tasks: list[tuple[Item, list[list[str]]]], res: list[dict],
           limit: int) -> list[str]:
    """What went wrong, one line a photo (at most ``limit`` a kind), so a failed target
    says where to look: unmatched legible labels, false matches, waybill errors, goods
    errors, and the damage scores' means per class."""
    pairs = [(i.row, x) for (i, _), x in zip(tasks, res, strict=True)]
    kinds: dict[str, list[str]] = {
        "tracking no. not matched": [], "false match": [], "waybill false positive": [],
        "waybill missed": [], "goods wrong": []}

    def line(r: dict[str, str], x: dict) -> str:
        read = ",".join(x["barcodes"]) or "-"
        return f"{r['file']} {r['category']} [{r['source_repo']}] barcodes={read} {r['notes']}"

    for r, x in pairs:
        if r["tracking_number"] and not x["matched"]:
            kinds["tracking no. not matched"].append(f"{r['tracking_number']}: {line(r, x)}")
        if any(x["probes"]) or (not r["tracking_number"] and x["matched"]):
            kinds["false match"].append(line(r, x))
        if x["waybill"] and r["has_waybill"] != "1":
            kinds["waybill false positive"].append(line(r, x))
        if not x["waybill"] and r["has_waybill"] == "1":
            kinds["waybill missed"].append(line(r, x))
        if r["has_goods"] in ("0", "1") and x["goods"] != (r["has_goods"] == "1"):
            kinds["goods wrong"].append(f"said {'goods' if x['goods'] else 'none'}: {line(r, x)}")
    out = []
    for kind, lines in kinds.items():
        if lines:
            out.append(f"  {kind}: {len(lines)}")
            out += [f"    {t}" for t in lines[:limit]]
            if len(lines) > limit:
                out.append(f"    ... {len(lines) - limit} more")
    scores: dict[str, list[float]] = {"0": [], "1": []}
    for r, x in pairs:
        if r["goods_damaged"] in scores and x["damage"] is not None:
            scores[r["goods_damaged"]].append(x["damage"])
    if scores["0"] and scores["1"]:
        out.append(f"  damage score mean: fresh {sum(scores['0']) / len(scores['0']):.3f}, "
                   f"rotten {sum(scores['1']) / len(scores['1']):.3f}")
    return out or ["  none"]


def baseline_figures(tasks: list[tuple[Item, list[list[str]]]], res: list[dict]) -> dict[str, str]:
    pyzbar, tess = baseline_tools()
    pairs = [(i.row, x["baseline"]) for (i, _), x in zip(tasks, res, strict=True)
             if "baseline" in x]
    coded = [(r, b) for r, b in pairs if r["barcode_text"]]
    legible = [(r, b) for r, b in pairs if r["tracking_number"]]
    false = sum(sum(t["matched"] for t in b[1:]) for _, b in pairs) + sum(
        b[0]["matched"] for r, b in pairs if not r["tracking_number"])
    checks = sum(len(b) - 1 for _, b in pairs) + sum(1 for r, _ in pairs if not r["tracking_number"])
    tp = sum(b[0]["waybill"] for r, b in pairs if r["has_waybill"] == "1")
    said = sum(b[0]["waybill"] for _, b in pairs)
    truth = sum(r["has_waybill"] == "1" for r, _ in pairs)
    return {
        "barcode decoded (of known codes)": pct(sum(
            normalize(r["barcode_text"]) in b[0]["barcodes"] for r, b in coded), len(coded))
        if pyzbar else NA,
        "tracking no. matched (of legible labels)": pct(sum(b[0]["matched"] for _, b in legible),
                                                        len(legible)),
        "false matches": f"{false} of {checks}",
        "waybill precision": (pct(tp, said) + " (any barcode)") if pyzbar else NA,
        "waybill recall": pct(tp, truth) if pyzbar else NA,
        "photos": f"{len(pairs)} of {len(tasks)}",
    }


def table(columns: dict[str, dict[str, str]], first: Iterable[str] | None = None) -> str:
    keys = list(first or next(iter(columns.values())))
    w = max(len(k) for k in keys) + 2
    cw = {c: max(len(c), *(len(v.get(k, NA)) for k in keys)) + 2 for c, v in columns.items()}
    lines = ["".join([" " * w, *(f"{c:<{cw[c]}}" for c in columns)])]
    for k in keys:
        lines.append("".join([f"{k:<{w}}", *(f"{v.get(k, NA):<{cw[c]}}" for c, v in columns.items())]))
    return "\n".join(lines)
