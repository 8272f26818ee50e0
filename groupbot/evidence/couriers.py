"""Courier tracking-number grammars and the words that mark a courier's waybill.

A grammar says what a courier's number looks like; it is used to choose between OCR
candidates (a reading that fits a grammar beats one that does not), to tell a waybill's
barcode from any other Code 128 (a receipt's, a warehouse's), and by the label generator
(tools/evidence) to print realistic numbers. Numbers with a letter prefix are specific
("strong"); all-digit grammars overlap each other and any long number, so on their own
they are only "weak" evidence of a waybill.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# UPU S10 (EMS, registered post): 2 letters, 8 digits, a check digit, 2 letters (country).
S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)


def s10_check_digit(serial: str) -> int:
    """Check digit of an S10 number's 8-digit serial."""
    c = 11 - sum(int(d) * w for d, w in zip(serial, S10_WEIGHTS, strict=True)) % 11
    return {10: 0, 11: 5}.get(c, c)


def _s10_valid(norm: str) -> bool:
    return s10_check_digit(norm[2:10]) == int(norm[10])


@dataclass(frozen=True, slots=True)
class Grammar:
    courier: str  # short code: SF, YTO, JT, ZTO, EMS, JD, YUNDA, STO
    pattern: re.Pattern[str]
    strong: bool  # has a courier prefix: on its own it identifies a waybill number
    check: object = None  # optional extra validation: Callable[[str], bool]

    def fits(self, norm: str) -> bool:
        if not self.pattern.fullmatch(norm):
            return False
        return self.check is None or bool(self.check(norm))  # type: ignore[operator]


GRAMMARS = (
    # SF Express: "SF" + 12 digits (older labels) or + 13 digits (current ones).
    Grammar("SF", re.compile(r"SF\d{12,13}"), True),
    Grammar("YTO", re.compile(r"YT\d{13}"), True),
    Grammar("JT", re.compile(r"JT\d{13}"), True),
    Grammar("JD", re.compile(r"JD[A-Z]{0,2}\d{11,13}"), True),
    Grammar("EMS", re.compile(r"[A-Z]{2}\d{9}[A-Z]{2}"), True, _s10_valid),
    # China Post's domestic EMS numbers: 13 digits starting with 1 (no public check digit).
    Grammar("EMS", re.compile(r"1\d{12}"), False),
    Grammar("ZTO", re.compile(r"\d{12,14}"), False),
    Grammar("YUNDA", re.compile(r"\d{13}"), False),
    Grammar("STO", re.compile(r"\d{12,13}"), False),
)

# Words printed on Chinese couriers' waybills (names, "sender", "recipient", "waybill no.")
# and on international ones. Found by OCR around a barcode, they make it a shipping label.
LABEL_WORDS = (
    "顺丰", "圆通", "中通", "申通", "韵达", "极兔", "邮政", "京东", "百世", "德邦", "快递", "速运",
    "速递", "物流", "寄件", "收件", "寄方", "收方", "运单", "签收", "代收", "EXPRESS", "EMS",
    "J&T", "SHIP", "AWB", "WAYBILL", "TRACKING", "COURIER", "SENDER", "RECIPIENT",
)


# Prefixes whose couriers have one grammar: a read with the prefix but another shape is a
# misread (a dropped or extra digit), not a different parcel.
_PREFIXED = re.compile(r"(SF|YT|JT|JD)\d")
_S10_SHAPE = re.compile(r"[A-Z]{2}\d{9}[A-Z]{2}")


def misread(norm: str) -> bool:
    """Shaped like a known courier's number but breaking its grammar or check digit."""
    if _PREFIXED.match(norm) or _S10_SHAPE.fullmatch(norm):
        return not fits_strong(norm)
    return False


def grammars_for(norm: str) -> tuple[Grammar, ...]:
    """The grammars a normalised number fits (several for all-digit numbers)."""
    return tuple(g for g in GRAMMARS if g.fits(norm))


def fits_strong(norm: str) -> bool:
    return any(g.strong for g in grammars_for(norm))


def fits_any(norm: str) -> bool:
    return bool(grammars_for(norm))


def has_label_words(texts: list[str] | tuple[str, ...]) -> bool:
    up = " ".join(texts).upper()
    return any(w in up for w in LABEL_WORDS)
