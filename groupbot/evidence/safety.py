"""Refusing hostile or useless files before any real work is done on them.

Order of checks, cheapest first: declared size (before download), byte size, magic bytes,
header-declared pixel count (before decoding a single pixel), then a full decode with
Pillow's decompression-bomb protection turned into an error and truncation detected.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageFile, ImageOps

# Telegram's Bot API refuses getFile for files over 20 MB; a lower limit may be configured.
TELEGRAM_DOWNLOAD_CAP = 20 * 1024 * 1024
# 50 MP covers phone cameras' full-resolution modes (48-50 MP); more is not a photo of fruit.
MAX_IMAGE_PIXELS = 50_000_000
# Work on at most this many pixels on the long side: the largest photo size Telegram
# offers (2560 px), kept whole so the number line is cut from the full-resolution photo.
# Bigger files (sent as documents) are reduced; big JPEGs are decoded directly at a reduced
# scale (draft mode).
WORK_MAX_SIDE = 2560
ALLOWED_FORMATS = ("jpeg", "png", "webp")
# Shapes no camera makes. Telegram itself refuses photos whose sides differ more than 20x;
# a side under 32 px holds neither a readable label nor goods. Such a file (a 1 kB
# 100000x10 PNG) would otherwise be scaled to a zero-pixel side or blown up into a huge
# square by the goods model's resize: refused from the header, before a pixel is decoded.
MAX_ASPECT_RATIO = 20
MIN_SIDE = 32

# Stricter, never looser, than whatever the process had: Pillow's protection stays on.
if Image.MAX_IMAGE_PIXELS is None or Image.MAX_IMAGE_PIXELS > MAX_IMAGE_PIXELS:
    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS


class EvidenceError(Exception):
    """A photo was refused; ``code`` is one of findings.ERROR_CODES."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


def effective_limit(limit: int | None = None) -> int:
    """The byte limit in force: the configured one, never above Telegram's cap."""
    if limit is None or limit <= 0:
        return TELEGRAM_DOWNLOAD_CAP
    return min(limit, TELEGRAM_DOWNLOAD_CAP)


def check_declared_size(size_bytes: int | None, limit: int | None = None) -> str | None:
    """Check Telegram's declared ``file_size`` before downloading.

    Returns ``"too_large"`` when the file must not be downloaded, else None. An unknown size
    (None) passes here; the download itself must then be capped at ``effective_limit``.
    """
    if size_bytes is not None and size_bytes > effective_limit(limit):
        return "too_large"
    return None


def sniff_format(data: bytes) -> str | None:
    """Format from the magic bytes (the file name and MIME type are the sender's claim)."""
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def check_dimensions(width: int, height: int, max_pixels: int = MAX_IMAGE_PIXELS) -> None:
    """Refuse a photo by its declared size: too many pixels, a sliver, or a speck.

    Raises EvidenceError("decompression_bomb") - the member reads "abnormal dimensions".
    """
    if width <= 0 or height <= 0 or width * height > max_pixels:
        raise EvidenceError("decompression_bomb", f"{width}x{height}")
    if min(width, height) < MIN_SIDE:
        raise EvidenceError("decompression_bomb", f"{width}x{height}: side under {MIN_SIDE} px")
    if max(width, height) > MAX_ASPECT_RATIO * min(width, height):
        raise EvidenceError("decompression_bomb", f"{width}x{height}: aspect over {MAX_ASPECT_RATIO}")


def _to_rgb(im: Image.Image) -> Image.Image:
    if im.mode == "RGB":
        return im
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        # Transparent areas become white, like a chat client shows them.
        rgba = im.convert("RGBA")
        bg = Image.new("RGB", rgba.size, (255, 255, 255))
        bg.paste(rgba, mask=rgba.getchannel("A"))
        return bg
    if im.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16-bit greyscale PNG: scale down to 8 bits instead of clipping.
        im = im.point(lambda v: v / 256).convert("L")
    return im.convert("RGB")


def load_image(
    data: bytes, *, max_bytes: int | None = None, max_pixels: int = MAX_IMAGE_PIXELS
) -> Image.Image:
    """Decode a photo safely into an upright RGB image (EXIF orientation applied).

    The long side is reduced to WORK_MAX_SIDE. Raises EvidenceError with a reason code.
    """
    if len(data) > effective_limit(max_bytes):
        raise EvidenceError("too_large", f"{len(data)} bytes")
    fmt = sniff_format(data)
    if fmt is None:
        raise EvidenceError("unsupported_format")
    with warnings.catch_warnings():
        # Pillow warns between 1x and 2x its pixel limit and raises above: both refuse here.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            im = Image.open(io.BytesIO(data), formats=[fmt.upper()])
            w, h = im.size
            check_dimensions(w, h, max_pixels)
            if fmt == "jpeg" and max(w, h) > WORK_MAX_SIDE:
                # Let libjpeg decode at 1/2, 1/4 or 1/8 scale: less memory and time.
                im.draft("RGB", (WORK_MAX_SIDE, WORK_MAX_SIDE))
            im.load()
        except EvidenceError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise EvidenceError("decompression_bomb", str(exc)) from exc
        except OSError as exc:
            msg = str(exc).lower()
            if "truncated" in msg or "premature end" in msg or "broken data stream" in msg:
                raise EvidenceError("truncated", str(exc)) from exc
            raise EvidenceError("unreadable", str(exc)) from exc
        except (SyntaxError, ValueError, EOFError, MemoryError) as exc:
            raise EvidenceError("unreadable", str(exc)) from exc
    if ImageFile.LOAD_TRUNCATED_IMAGES:
        # Someone in this process allowed truncated files; we still refuse them.
        raise EvidenceError("unreadable", "LOAD_TRUNCATED_IMAGES is enabled")
    try:
        im = ImageOps.exif_transpose(im) or im
    except Exception:  # a broken EXIF block is no reason to refuse the photo
        pass
    im = _to_rgb(im)
    if max(im.size) > WORK_MAX_SIDE:
        im.thumbnail((WORK_MAX_SIDE, WORK_MAX_SIDE), Image.Resampling.LANCZOS)
    return im
