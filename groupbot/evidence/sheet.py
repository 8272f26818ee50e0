"""The evidence sheet: one image a reviewer reads on a phone.

The claim's photos in a grid with boxes drawn (waybill/number in blue, goods in green),
under each photo the number read with a tick or cross against the order, the goods score
and the damage *signal*, a re-used-photo warning naming the earlier claim, and refusals.
Texts default to English; pass ``labels`` (from the message catalogs) to translate.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

from PIL import Image, ImageDraw

from .findings import ClaimVerdict, PhotoFindings, ReuseMatch
from .fonts import get_font, printable
from .safety import EvidenceError, load_image

WIDTH = 1280
MARGIN = 24
BLUE, GREEN, RED, ORANGE = (30, 100, 230), (20, 160, 60), (210, 30, 30), (230, 130, 0)
INK, GREY, BG = (20, 20, 20), (110, 110, 110), (255, 255, 255)

LABELS = {
    "title": "Claim evidence",
    "order": "Order tracking no.",
    "photo": "Photo",
    "number": "No.",
    "source_barcode": "barcode",
    "source_text": "printed text",
    "not_read": "no number read",
    "no_waybill": "no waybill seen",
    "goods": "Goods",
    "damage": "Damage signal",
    "reused": "RE-USED photo: seen in claim",
    "error": "Refused",
    "ok": "Evidence complete",
    "missing": "Missing",
    "note": "Damage signal: helps order the queue, it is not a decision.",
    # claim-level codes (verdict.unmet)
    "no_photos": "no photos",
    "bad_photo": "no usable photo",
    "no_goods": "no goods seen",
    "not_together": "goods and waybill not in one photo",
    "number_mismatch": "number is not the order's",
    "number_unreadable": "number not readable",
    "reused_photo": "re-used photo",
}


def _check(draw: ImageDraw.ImageDraw, x: int, y: int, size: int, ok: bool) -> None:
    """A drawn tick or cross: no font needs to have the glyph."""
    w = max(3, size // 6)
    if ok:
        draw.line(
            [(x, y + size * 0.55), (x + size * 0.38, y + size * 0.9), (x + size, y + size * 0.1)],
            fill=GREEN,
            width=w,
            joint="curve",
        )
    else:
        draw.line([(x, y), (x + size, y + size)], fill=RED, width=w)
        draw.line([(x, y + size), (x + size, y)], fill=RED, width=w)


def _thumb(data: bytes | None, f: PhotoFindings, width: int) -> Image.Image:
    try:
        im = load_image(data) if data else None
    except EvidenceError:
        im = None
    if im is None:
        return Image.new("RGB", (width, width * 3 // 4), (235, 235, 235))
    s = width / im.width
    thumb = im.resize((width, max(1, round(im.height * s))), Image.Resampling.LANCZOS)
    draw = ImageDraw.Draw(thumb)
    # Boxes are in the analysed image's pixels; scale them to the thumbnail.
    scale = width / f.width if f.width else s
    for box, colour in ((f.goods_box, GREEN), (f.waybill_box, BLUE)):
        if box:
            draw.rectangle([c * scale for c in box], outline=colour, width=5)
    for n in f.numbers:
        if n.box and (n.matches or n.tracking_like):
            draw.rectangle([c * scale for c in n.box], outline=GREEN if n.matches else RED, width=3)
    if thumb.height > width * 1.2:  # very tall photos would push captions off screen
        thumb = thumb.crop((0, 0, width, int(width * 1.2)))
    return thumb


def _wrap(text: str, font, width: int) -> list[str]:
    """Greedy wrap on spaces (and anywhere for long CJK runs) to fit ``width`` pixels."""
    out, line = [], ""
    for word in text.split(" "):
        trial = f"{line} {word}".strip()
        if font.getlength(trial) <= width or not line:
            line = trial
        else:
            out.append(line)
            line = word
        while font.getlength(line) > width and len(line) > 1:
            cut = len(line)
            while cut > 1 and font.getlength(line[:cut]) > width:
                cut -= 1
            out.append(line[:cut])
            line = line[cut:]
    return [*out, line] if line else out


def _caption(f: PhotoFindings, reuse: ReuseMatch | None, lab: Mapping[str, str]) -> list:
    """Caption lines: (text, colour, tick) where tick is None / True / False."""
    if f.error:
        return [(f"{lab['error']}: {f.error}", RED, None)]
    lines: list = []
    shown = [n for n in f.numbers if n.matches] or [n for n in f.numbers if n.tracking_like]
    if shown:
        n = shown[0]
        how = lab.get(f"source_{n.source}", n.source)
        lines.append((f"{lab['number']} {n.normalized} ({how})", INK, n.matches))
    elif f.waybill_found:
        lines.append((lab["not_read"], ORANGE, False))
    else:
        lines.append((lab["no_waybill"], GREY, None))
    goods = f"{lab['goods']} {f.goods_score:.2f}"
    if f.damage_score is not None:
        goods += f" · {lab['damage']} {f.damage_score:.2f}"
    lines.append((goods, GREEN if f.goods_found else GREY, None))
    if reuse is not None:
        ref = reuse.claim_number or str(reuse.claim_id)
        lines.append((f"{lab['reused']} {ref}", RED, None))
    return lines


def render_sheet(
    photos: Sequence[bytes | None],
    findings: Sequence[PhotoFindings],
    claim_verdict: ClaimVerdict | None = None,
    *,
    expected: Sequence[str] = (),
    reuse: Sequence[ReuseMatch | None] = (),
    title: str = "",
    labels: Mapping[str, str] | None = None,
    fmt: str = "PNG",
) -> bytes:
    """PNG (or JPEG with ``fmt="JPEG"``) bytes of the sheet for one claim."""
    lab = {**LABELS, **(labels or {})}
    cols = 1 if len(findings) <= 1 else 2
    cell = (WIDTH - MARGIN * (cols + 1)) // cols
    big, small = get_font(40), get_font(30)
    blocks = []
    for i, f in enumerate(findings):
        data = photos[i] if i < len(photos) else None
        r = reuse[i] if i < len(reuse) else None
        caption = []
        for text, colour, tick in _caption(f, r, lab):
            room = cell - (40 if tick is not None else 0)
            for k, part in enumerate(_wrap(printable(text), small, room)):
                # (text, colour, tick drawn before it, indented under a tick)
                caption.append((part, colour, tick if k == 0 else None, tick is not None))
        blocks.append((_thumb(data, f, cell), caption))
    line_h = 42
    header = [(printable(title or lab["title"]), INK, big)]
    if expected:
        header.append((f"{lab['order']}: {', '.join(expected)}", INK, small))
    if claim_verdict is not None:
        if claim_verdict.ok:
            header.append((lab["ok"], GREEN, small))
        else:
            missing = ", ".join(lab.get(u, u) for u in claim_verdict.unmet)
            header.append((f"{lab['missing']}: {missing}", RED, small))
    if any(f.damage_score is not None for f in findings):
        header.append((lab["note"], GREY, small))
    head_h = MARGIN + 54 + line_h * (len(header) - 1) + MARGIN
    rows = [blocks[i : i + cols] for i in range(0, len(blocks), cols)]
    row_h = [
        max(t.height for t, _ in row) + 16 + line_h * max(len(c) for _, c in row) + MARGIN
        for row in rows
    ]
    sheet = Image.new("RGB", (WIDTH, head_h + sum(row_h) + MARGIN), BG)
    draw = ImageDraw.Draw(sheet)
    y = MARGIN
    for text, colour, font in header:
        draw.text((MARGIN, y), printable(text), fill=colour, font=font)
        y += 54 if font is big else line_h
    y = head_h
    for r, row in enumerate(rows):
        for c, (thumb, caption) in enumerate(row):
            x = MARGIN + c * (cell + MARGIN)
            sheet.paste(thumb, (x, y))
            draw.rectangle([x, y, x + thumb.width - 1, y + thumb.height - 1], outline=GREY)
            idx = r * cols + c + 1
            draw.rectangle([x, y, x + 64, y + 48], fill=(0, 0, 0))
            draw.text((x + 12, y + 6), f"#{idx}", fill=(255, 255, 255), font=small)
            ty = y + thumb.height + 12
            for text, colour, tick, indent in caption:
                tx = x + (40 if indent else 0)
                if tick is not None:
                    _check(draw, x, ty + 4, 28, tick)
                draw.text((tx, ty), printable(text), fill=colour, font=small)
                ty += line_h
        y += row_h[r]
    buf = io.BytesIO()
    if fmt.upper() == "JPEG":
        sheet.save(buf, "JPEG", quality=85)
    else:
        sheet.save(buf, "PNG", optimize=True)
    return buf.getvalue()
