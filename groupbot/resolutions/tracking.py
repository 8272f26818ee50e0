"""Courier names as members type them, and whether a tracking number fits the courier.

The number grammars are the evidence engine's (``groupbot.evidence.couriers``): one list of
what each courier's numbers look like, for reading waybills and for checking typed numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from groupbot.evidence.couriers import GRAMMARS

# What members type -> the grammar code (groupbot.evidence.couriers.Grammar.courier).
COURIER_NAMES: dict[str, str] = {
    "顺丰": "SF", "顺丰速运": "SF", "SF": "SF",
    "圆通": "YTO", "圆通速递": "YTO", "YTO": "YTO",
    "极兔": "JT", "极兔速递": "JT", "JT": "JT", "J&T": "JT",
    "京东": "JD", "京东快递": "JD", "京东物流": "JD", "JD": "JD",
    "邮政": "EMS", "中国邮政": "EMS", "EMS": "EMS",
    "中通": "ZTO", "中通快递": "ZTO", "ZTO": "ZTO",
    "韵达": "YUNDA", "韵达快递": "YUNDA", "YUNDA": "YUNDA",
    "申通": "STO", "申通快递": "STO", "STO": "STO",
}
# A courier we know no grammar for: any plausible number (letters and digits).
_ANY_NUMBER = re.compile(r"[A-Z0-9]{8,30}")
_SPACES = re.compile(r"[\s\-]+")


@dataclass(frozen=True)
class TrackingCheck:
    ok: bool
    code: str  # ok | tracking_missing | tracking_bad_format
    courier: str = ""
    number: str = ""
    known: bool = False  # the courier's number format was checked


def normalise(number: str) -> str:
    return _SPACES.sub("", number).upper()


def courier_code(courier: str) -> str | None:
    return COURIER_NAMES.get(courier.strip().upper()) or COURIER_NAMES.get(courier.strip())


def check(courier: str, number: str) -> TrackingCheck:
    """Does ``number`` look like one of ``courier``'s? Unknown couriers: any 8-30 letters or
    digits (we cannot know better, and refusing a real parcel would be worse)."""
    courier, norm = courier.strip(), normalise(number)
    if not courier or not norm:
        return TrackingCheck(False, "tracking_missing", courier, norm)
    code = courier_code(courier)
    if code is None:
        fits = bool(_ANY_NUMBER.fullmatch(norm))
        return TrackingCheck(fits, "ok" if fits else "tracking_bad_format", courier, norm)
    fits = any(g.courier == code and g.fits(norm) for g in GRAMMARS)
    return TrackingCheck(fits, "ok" if fits else "tracking_bad_format", courier, norm, True)


def parse(typed: str) -> TrackingCheck:
    """``顺丰 SF1234567890123`` (courier first, then the number; spaces inside the number are
    dropped)."""
    words = typed.strip().split()
    if len(words) < 2:
        return TrackingCheck(False, "tracking_missing", words[0] if words else "", "")
    return check(words[0], "".join(words[1:]))
