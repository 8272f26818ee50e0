"""Photo evidence engine: waybill and tracking number, goods, damage, re-used photos, sheet.

Pure functions over image bytes (``analyse_photo``, ``verdict``, ``find_reuse``,
``render_sheet``) plus ``EvidenceEngine``, the async front door that runs them off the event
loop with a per-photo timeout. Models ship in the repo (models/) or inside installed wheels:
nothing is downloaded at run time. Heavy imports (onnxruntime, OCR) happen on first use.
"""

from __future__ import annotations

from .analyse import analyse_image, analyse_photo
from .engine import EvidenceEngine
from .findings import (
    ERROR_CODES,
    PROBLEM_CODES,
    UNMET_CODES,
    ClaimVerdict,
    KnownPhoto,
    NumberRead,
    PhotoFindings,
    ReuseMatch,
)
from .phash import REUSE_MAX_DISTANCE, find_reuse, hamming, phash_image, reuse_probes
from .safety import TELEGRAM_DOWNLOAD_CAP, EvidenceError, check_declared_size, sniff_format
from .sheet import render_sheet
from .tracking import match_number, normalize
from .verdict import verdict

__all__ = [
    "ERROR_CODES",
    "PROBLEM_CODES",
    "REUSE_MAX_DISTANCE",
    "TELEGRAM_DOWNLOAD_CAP",
    "UNMET_CODES",
    "ClaimVerdict",
    "EvidenceEngine",
    "EvidenceError",
    "KnownPhoto",
    "NumberRead",
    "PhotoFindings",
    "ReuseMatch",
    "analyse_image",
    "analyse_photo",
    "check_declared_size",
    "find_reuse",
    "hamming",
    "match_number",
    "normalize",
    "phash_image",
    "render_sheet",
    "reuse_probes",
    "sniff_format",
    "verdict",
]
