"""The evidence sheet renders, with boxes, ticks, re-use warning and refusals."""

from __future__ import annotations

import io

from PIL import Image

from groupbot.evidence import ReuseMatch, analyse_photo, render_sheet, verdict
from groupbot.evidence.fonts import printable

from .conftest import TRACKING


def test_sheet_renders(label_photo: bytes, fruit_photo: bytes):
    photos = [label_photo, fruit_photo, b"junk"]
    findings = [analyse_photo(p, [TRACKING]) for p in photos]
    reuse = [None, ReuseMatch(claim_id=3, kind="similar", distance=4, claim_number="C-3"), None]
    v = verdict(findings, reuse)
    png = render_sheet(
        photos, findings, v, expected=[TRACKING], reuse=reuse, title="Claim C-9 · 赣南脐橙"
    )
    im = Image.open(io.BytesIO(png))
    assert im.format == "PNG" and im.width == 1280 and im.height > 800
    jpg = render_sheet(photos[:1], findings[:1], fmt="JPEG")
    assert Image.open(io.BytesIO(jpg)).format == "JPEG"


def test_printable_never_fails():
    assert printable("abc") == "abc"
    assert len(printable("赣南脐橙")) == 4  # either the glyphs or '?' placeholders
