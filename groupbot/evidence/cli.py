"""`groupbot evidence check PHOTO... [--tracking-number N ...] [--json] [--sheet OUT.png]`.

The main CLI delegates ``groupbot evidence ...`` here with the rest of argv, so
``main(["check", "a.jpg"])`` is the same as ``groupbot evidence check a.jpg``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from .engine import EvidenceEngine
from .findings import ClaimVerdict, PhotoFindings
from .sheet import render_sheet


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="groupbot evidence", description="Photo evidence checks")
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("check", help="analyse the photos of one claim")
    c.add_argument("photos", nargs="+", type=Path, metavar="PHOTO")
    c.add_argument(
        "--tracking-number",
        "-t",
        action="append",
        default=[],
        metavar="N",
        help="the order's tracking number (repeatable)",
    )
    c.add_argument("--json", action="store_true", help="one JSON object per photo, per line")
    c.add_argument("--sheet", type=Path, metavar="OUT.png", help="write the evidence sheet")
    c.add_argument("--title", default="", help="sheet title (e.g. claim number, product)")
    c.add_argument("--timeout", type=float, default=60.0, help="seconds per photo")
    return p


def photo_json(path: Path, f: PhotoFindings) -> dict[str, Any]:
    """The stable JSON shape of one photo's findings (one object per output line)."""
    return {
        "file": str(path),
        "error": f.error,
        "waybill_found": f.waybill_found,
        "numbers": [n.normalized for n in f.numbers],
        "number_sources": [n.source for n in f.numbers],
        "tracking_match": f.tracking_match,
        "matched_number": f.matched_number,
        "goods_found": f.goods_found,
        "goods_score": f.goods_score,
        "damage_score": f.damage_score,
        "phash": f.phash,
        "problems": list(f.problems),
        "waybill_box": f.waybill_box,
        "goods_box": f.goods_box,
        "elapsed_ms": f.elapsed_ms,
    }


def _text(path: Path, f: PhotoFindings) -> str:
    if f.error:
        return f"{path}: refused ({f.error})"
    nums = (
        ", ".join(f"{n.normalized} [{n.source}{' ✓' if n.matches else ''}]" for n in f.numbers)
        or "-"
    )
    damage = "-" if f.damage_score is None else f"{f.damage_score:.2f}"
    parts = [
        f"{path}:",
        f"  waybill: {'yes' if f.waybill_found else 'no'}   numbers: {nums}",
        f"  tracking match: {'yes' if f.tracking_match else 'no'}",
        f"  goods: {'yes' if f.goods_found else 'no'} ({f.goods_score:.2f})"
        f"   damage signal: {damage}   phash: {f.phash}",
    ]
    if f.problems:
        parts.append(f"  problems: {', '.join(f.problems)}")
    return "\n".join(parts)


def _verdict_text(v: ClaimVerdict) -> str:
    if v.ok:
        return "claim verdict: evidence complete"
    return "claim verdict: unmet: " + ", ".join(v.unmet)


async def _check(args: argparse.Namespace) -> int:
    datas = []
    for p in args.photos:
        try:
            datas.append(p.read_bytes())
        except OSError as exc:
            print(f"{p}: cannot read: {exc}", file=sys.stderr)
            return 2
    async with EvidenceEngine(workers=2, timeout_s=args.timeout) as engine:
        findings, v = await engine.analyse_claim(datas, args.tracking_number)
    for p, f in zip(args.photos, findings, strict=True):
        if args.json:
            print(json.dumps(photo_json(p, f), ensure_ascii=False))
        else:
            print(_text(p, f))
    if not args.json:
        print(_verdict_text(v))
    if args.sheet:
        png = render_sheet(
            datas,
            findings,
            v,
            expected=args.tracking_number,
            title=args.title,
            fmt="JPEG" if args.sheet.suffix.lower() in (".jpg", ".jpeg") else "PNG",
        )
        args.sheet.write_bytes(png)
        if not args.json:
            print(f"sheet written to {args.sheet}")
    return 0


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    if args.command == "check":
        return asyncio.run(_check(args))
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
