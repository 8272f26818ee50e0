"""Checks a claim photo as it arrives, off the event loop.

The evidence engine (groupbot.evidence) reads the waybill and its number, finds the goods and
scores visible damage. What this module guarantees on its own: the file is refused by its
declared size before any download, and it must be a real JPEG/PNG/WebP within Pillow's
decompression-bomb limit, so a hostile file never reaches the rest of the bot.
"""

from __future__ import annotations

import asyncio
import io
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}


@dataclass(frozen=True)
class PhotoCheck:
    """What the member is told about one photo; ``problem`` refuses it outright."""

    problem: str | None = None  # too_large | unsupported_format | truncated | unreadable | ...
    checked: bool = False  # the evidence engine looked at it
    waybill_found: bool = False
    tracking_match: bool | None = None  # None: no number read
    goods_found: bool = False
    phash: str | None = None
    findings: dict[str, Any] = field(default_factory=dict)


def too_large(declared_size: int | None, limit: int) -> bool:
    return declared_size is not None and declared_size > limit


def _validate(data: bytes) -> str | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format not in ALLOWED_FORMATS:
                    return "unsupported_format"
                image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return "decompression_bomb"
    except OSError as exc:
        return "truncated" if "truncated" in str(exc).lower() else "unreadable"
    except Exception:  # noqa: BLE001 - anything Pillow chokes on is an unreadable photo
        return "unreadable"
    return None


async def check_photo(data: bytes, expected: Sequence[str], engine: Any = None) -> PhotoCheck:
    """Validate, then (when an evidence engine is given) analyse. Never blocks the event loop.

    ``engine`` is a groupbot.evidence.EvidenceEngine; without one only safety is checked.
    """
    if engine is None:
        problem = await asyncio.to_thread(_validate, data)
        return PhotoCheck(problem=problem)
    found = await engine.analyse_photo(data, list(expected))
    if found.error is not None:
        # "internal_error" is our bug, not the member's file: ask for a resend politely.
        return PhotoCheck(problem="unreadable" if found.error == "internal_error" else found.error)
    number_read = bool(found.numbers)
    return PhotoCheck(
        checked=True,
        waybill_found=found.waybill_found or number_read,
        tracking_match=found.tracking_match if (number_read and expected) else None,
        goods_found=found.goods_found,
        phash=found.phash,
        findings={
            "waybill_found": found.waybill_found,
            "numbers": found.number_texts,
            "tracking_match": found.tracking_match,
            "goods_found": found.goods_found,
            "goods_score": round(found.goods_score, 3),
            "damage_score": None if found.damage_score is None else round(found.damage_score, 3),
            "problems": list(found.problems),
            # For the reviewers' evidence sheet (boxes) and the re-use lookup at submit
            # (probes under crop hypotheses find cropped copies, one hash alone does not).
            "width": found.width,
            "height": found.height,
            "waybill_box": _box(found.waybill_box),
            "goods_box": _box(found.goods_box),
            "reads": [
                {"text": n.text, "normalized": n.normalized, "source": n.source,
                 "matches": n.matches, "symbology": n.symbology, "box": _box(n.box),
                 "tracking_like": n.tracking_like}
                for n in found.numbers
            ],
            "reuse_probes": list(found.reuse_probes),
        },
    )


def _box(box: Sequence[int] | None) -> list[int] | None:
    return None if box is None else [int(v) for v in box]
