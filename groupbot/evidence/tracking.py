"""Tracking-number normalisation and matching.

A number read off a photo (barcode or OCR) is compared with the order's tracking numbers
after normalisation: full-width characters, case, spaces and hyphens do not matter, OCR's
letter/digit confusions (O/0, I/1, ...) do not matter, and a courier prefix may be missing
on one side or misread. Everything else must be equal: a different digit is a mismatch,
never a match, and a number that merely contains the order's number is not it either.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# Characters OCR confuses, folded on both sides before comparing: letters to the digit
# they look like (and P to F, a small-print confusion). Two different digits never become
# equal, so a wrong digit is always a mismatch.
_CONFUSABLE = str.maketrans(
    {"O": "0", "Q": "0", "I": "1", "L": "1", "Z": "2", "S": "5", "B": "8", "G": "6", "P": "F"}
)
# Separators people and printers put inside numbers.
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—_.·/]+")
# Courier prefixes seen on Chinese and international waybills. A read whose extra leading
# part is one of these but not the order's is a different parcel, not a misread.
COURIER_PREFIXES = frozenset(
    {
        "SF",
        "JD",
        "JDV",
        "JDX",
        "JT",
        "YT",
        "ZT",
        "ZTO",
        "STO",
        "YD",
        "YUNDA",
        "EMS",
        "EA",
        "EB",
        "EE",
        "DPK",
        "TT",
        "HT",
        "BEST",
        "DB",
        "KYE",
        "UC",
        "JTSD",
        "ZJS",
        "R",
        "M",
    }
)
_PREFIX_RE = re.compile(r"^([A-Z]{1,5})(?=\d)")
MIN_BODY = 8  # a prefix may be ignored only when the rest is this long
# Shape of a tracking number for "a number was read but it is not the order's".
_TRACKING_RE = re.compile(r"^[A-Z]{0,5}\d{8,22}[A-Z]{0,4}$")


def normalize(text: str) -> str:
    """Uppercase, NFKC (full-width digits), separators removed."""
    t = unicodedata.normalize("NFKC", text).upper()
    return _SEPARATORS.sub("", t)


def canonical(text: str) -> str:
    """normalize() plus OCR confusions folded (O->0, I->1, ...)."""
    return normalize(text).translate(_CONFUSABLE)


def split_prefix(norm: str) -> tuple[str, str]:
    """'SF7751671905686' -> ('SF', '7751671905686'); no prefix -> ('', norm)."""
    m = _PREFIX_RE.match(norm)
    if not m:
        return "", norm
    return m.group(1), norm[m.end() :]


def looks_like_tracking(norm: str) -> bool:
    """A normalised token shaped like a tracking number (not a phone, date or price)."""
    return bool(_TRACKING_RE.match(norm)) and "*" not in norm


def _match_one(read_norm: str, exp_norm: str) -> bool:
    r, e = read_norm.translate(_CONFUSABLE), exp_norm.translate(_CONFUSABLE)
    if not r or not e:
        return False
    if r == e:
        return True
    e_prefix, e_body = split_prefix(exp_norm)
    r_prefix, r_body = split_prefix(read_norm)
    # The order was entered without the courier prefix, the label has it (or the reverse).
    if len(e_body) >= MIN_BODY and len(r_body) >= MIN_BODY:
        if not e_prefix and r_prefix and r_body.translate(_CONFUSABLE) == e:
            return True
        if not r_prefix and e_prefix and r == e_body.translate(_CONFUSABLE):
            return True
    # The prefix itself was misread ('1T' for 'YT'): same body, short extra part that has a
    # letter in it (a digit would make it a longer, different number) and is not another
    # courier's prefix.
    if e_prefix and len(e_body) >= MIN_BODY:
        body = e_body.translate(_CONFUSABLE)
        if r.endswith(body):
            extra = read_norm[: len(read_norm) - len(body)]
            if (
                0 < len(extra) <= 3
                and any(c.isalpha() for c in extra)
                and not (extra in COURIER_PREFIXES and extra != e_prefix)
            ):
                return True
    return False


def match_number(read: str, expected: Iterable[str]) -> str | None:
    """The expected number (as given) that ``read`` is, or None."""
    rn = normalize(read)
    for exp in expected:
        if _match_one(rn, normalize(exp)):
            return exp
    return None


_TOKEN_RE = re.compile(r"[A-Z0-9](?:[A-Z0-9]|[\s\-](?=[A-Z0-9])){3,}")


def tokens_from_text(line: str) -> list[str]:
    """Candidate numbers in an OCR'd line: runs of letters/digits with inner spaces/hyphens.

    Label words stuck to the number ("AWB:", "运单号") are split off by the other characters.
    """
    t = unicodedata.normalize("NFKC", line).upper()
    out = []
    for m in _TOKEN_RE.finditer(t):
        tok = normalize(m.group(0))
        if sum(c.isdigit() for c in tok) >= 4:
            out.append(tok)
    return out


def match_in_text(line: str, expected: Iterable[str]) -> tuple[str, str] | None:
    """(token, expected) when a token of an OCR'd line is one of the expected numbers.

    Also accepts a token that is a short label/prefix glued to the number, e.g.
    'NOSF7751671905686' or 'AWBM00969549237', when the glued part is letters only.
    """
    exp = list(expected)
    for tok in tokens_from_text(line):
        hit = match_number(tok, exp)
        if hit:
            return tok, hit
        for e in exp:
            ce = canonical(e)
            ct = tok.translate(_CONFUSABLE)
            i = ct.rfind(ce)
            if (
                len(ce) >= 6
                and i > 0
                and i + len(ce) == len(ct)
                and tok[:i].isalpha()
                and len(tok[:i]) <= 4
            ):
                return tok, e
    return None
