"""Result types of the photo evidence checks.

Everything here is plain, frozen data so findings can cross a process boundary (pickle),
be stored as JSON by the claims service and be rendered by the evidence sheet.
Reason codes (``error``, ``problems``, ``unmet``) are stable identifiers: the words a member
or reviewer reads are written in the message catalogs, not here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

# (x0, y0, x1, y1) in pixels of the photo after EXIF orientation was applied.
Box = tuple[int, int, int, int]

# Fatal reasons: the photo could not be analysed at all.
ERROR_CODES = (
    "too_large",  # byte size over the limit (checked before download when declared)
    "unsupported_format",  # not JPEG / PNG / WebP by its magic bytes
    "truncated",  # the file ends early
    "decompression_bomb",  # declared pixel count over the limit
    "unreadable",  # corrupt or otherwise undecodable
    "timeout",  # analysis took longer than the per-photo budget
    "internal_error",  # a bug or a crashed worker; logged by the engine
)
# Non-fatal image problems: the photo was analysed but may not show enough.
PROBLEM_CODES = ("low_resolution", "too_dark", "overexposed", "blurry")
# Claim-level requirements that are not met (see verdict.py).
UNMET_CODES = (
    "no_photos",
    "bad_photo",
    "no_goods",
    "no_waybill",
    "not_together",
    "number_mismatch",
    "number_unreadable",
    "reused_photo",
)


@dataclass(frozen=True, slots=True)
class NumberRead:
    """One number read from the photo (barcode content or printed text)."""

    text: str  # as read, e.g. "SF 7751 6719 05686"
    normalized: str  # uppercase, no spaces / hyphens, e.g. "SF7751671905686"
    source: Literal["barcode", "text"]
    matches: bool  # equals one of the order's tracking numbers after normalisation
    symbology: str | None = None  # e.g. "Code128" for barcodes
    box: Box | None = None
    tracking_like: bool = True  # shaped like a tracking number (counts for a mismatch)
    # Printed text only: per character, the share of OCR variants that read it so.
    char_confidence: tuple[float, ...] = ()


@dataclass(frozen=True, slots=True)
class PhotoFindings:
    """What one photo shows. Scores are signals for reviewers, not decisions."""

    error: str | None = None  # a code from ERROR_CODES, None when analysed
    width: int = 0
    height: int = 0
    waybill_found: bool = False
    waybill_box: Box | None = None
    numbers: tuple[NumberRead, ...] = ()
    tracking_match: bool = False
    matched_number: str | None = None  # the order's number that matched, as the order has it
    goods_found: bool = False
    goods_score: float = 0.0  # 0..1, calibrated on the dev set
    goods_box: Box | None = None
    # 0..1 "looks damaged" signal from a small head trained on few photos: it orders the
    # review queue and is shown on the evidence sheet, it never decides a claim.
    damage_score: float | None = None
    phash: str | None = None  # 64-bit perceptual hash, 16 hex chars: store this one
    # pHashes under crop hypotheses: pass these to find_reuse to find cropped copies too
    reuse_probes: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()  # codes from PROBLEM_CODES
    elapsed_ms: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def number_texts(self) -> list[str]:
        return [n.normalized for n in self.numbers]

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["numbers"] = [asdict(n) for n in self.numbers]
        return d


@dataclass(frozen=True, slots=True)
class KnownPhoto:
    """A photo of an earlier claim in the same community, as stored by the claims service."""

    claim_id: int | str
    phash: str | None  # 16 hex chars
    file_unique_id: str | None = None
    photo_id: int | str | None = None
    claim_number: str | None = None  # the reference a reviewer knows the claim by


@dataclass(frozen=True, slots=True)
class ReuseMatch:
    """This photo was seen before, in another claim."""

    claim_id: int | str
    kind: Literal["exact", "similar"]  # same Telegram file / near-identical picture
    distance: int  # Hamming distance of the pHashes (0 for exact)
    photo_id: int | str | None = None
    claim_number: str | None = None


@dataclass(frozen=True, slots=True)
class ClaimVerdict:
    """Claim-level summary over all photos. ``unmet`` is ordered, most important first."""

    unmet: tuple[str, ...]
    goods_found: bool
    waybill_found: bool
    together_photo: int | None  # index of a photo showing goods and waybill together
    tracking_match: bool
    matched_photo: int | None
    numbers_read: tuple[str, ...]  # tracking-like numbers read over all photos
    damage_score: float | None  # highest photo signal; for ordering the queue only
    reused: tuple[tuple[int, ReuseMatch], ...] = ()  # (photo index, match)
    photo_errors: tuple[tuple[int, str], ...] = ()  # (photo index, error code)
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.unmet
