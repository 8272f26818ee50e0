"""Hostile and odd files are refused with a reason code, before any real work."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from groupbot.evidence import analyse_image, analyse_photo, check_declared_size, sniff_format
from groupbot.evidence.safety import (
    MAX_IMAGE_PIXELS,
    TELEGRAM_DOWNLOAD_CAP,
    EvidenceError,
    load_image,
)

from .conftest import jpeg, noise_image


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares huge dimensions but carries almost no data (a pixel bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_declared_size_checked_before_download():
    assert check_declared_size(5_000_000) is None
    assert check_declared_size(None) is None  # unknown: the download itself must be capped
    assert check_declared_size(TELEGRAM_DOWNLOAD_CAP + 1) == "too_large"
    # A lower configured limit applies; a higher one cannot lift Telegram's cap.
    assert check_declared_size(3_000_000, limit=2_000_000) == "too_large"
    assert check_declared_size(TELEGRAM_DOWNLOAD_CAP + 1, limit=100 * 2**20) == "too_large"


def test_bytes_over_limit_refused():
    data = jpeg(noise_image(0))
    assert analyse_photo(data, max_bytes=len(data) - 1).error == "too_large"


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF"])
def test_other_formats_refused_by_content(fmt: str):
    buf = io.BytesIO()
    noise_image(1).save(buf, fmt)
    assert sniff_format(buf.getvalue()) is None
    assert analyse_photo(buf.getvalue()).error == "unsupported_format"


def test_file_name_does_not_matter_only_bytes():
    buf = io.BytesIO()
    noise_image(2).save(buf, "PNG")
    assert sniff_format(buf.getvalue()) == "png"
    webp = io.BytesIO()
    noise_image(2).save(webp, "WEBP")
    assert sniff_format(webp.getvalue()) == "webp"
    assert load_image(webp.getvalue()).size == (320, 240)


def test_random_bytes_refused():
    assert analyse_photo(bytes(range(256)) * 10).error == "unsupported_format"
    # JPEG magic followed by garbage: sniffed as JPEG, then undecodable.
    assert analyse_photo(b"\xff\xd8\xff" + b"\x13" * 500).error in {"unreadable", "truncated"}


def test_truncated_jpeg_refused():
    data = jpeg(noise_image(3, (640, 480)), quality=90)
    f = analyse_photo(data[: len(data) // 2])
    assert f.error == "truncated"
    assert not f.ok


def test_truncated_png_refused():
    buf = io.BytesIO()
    noise_image(4, (640, 480)).save(buf, "PNG")
    data = buf.getvalue()
    assert analyse_photo(data[: len(data) // 2]).error in {"truncated", "unreadable"}


def test_decompression_bomb_refused_without_decoding():
    side = int(MAX_IMAGE_PIXELS**0.5) + 100
    assert analyse_photo(_png_header_only(side, side)).error == "decompression_bomb"
    # Far beyond Pillow's own limit as well.
    assert analyse_photo(_png_header_only(60000, 60000)).error == "decompression_bomb"


def test_pillow_bomb_protection_still_on():
    assert Image.MAX_IMAGE_PIXELS is not None
    assert Image.MAX_IMAGE_PIXELS <= MAX_IMAGE_PIXELS


def test_exif_orientation_applied():
    im = Image.new("RGB", (400, 200), (255, 255, 255))
    im.paste((255, 0, 0), (0, 0, 100, 200))  # red band on the left
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display"
    data = jpeg(im, exif=exif.tobytes(), quality=95)
    upright = load_image(data)
    assert upright.size == (200, 400)
    r, g, b = upright.getpixel((100, 20))  # the red band is now at the top
    assert r > 200 and g < 80 and b < 80


def test_evidence_error_has_code():
    with pytest.raises(EvidenceError) as exc:
        load_image(b"GIF89a....")
    assert exc.value.code == "unsupported_format"


def test_transparent_png_becomes_white():
    im = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    buf = io.BytesIO()
    im.save(buf, "PNG")
    assert load_image(buf.getvalue()).getpixel((5, 5)) == (255, 255, 255)


def _png(width: int, height: int) -> bytes:
    buf = io.BytesIO()
    Image.new("L", (width, height), 200).save(buf, "PNG", optimize=True)
    return buf.getvalue()


@pytest.mark.parametrize(
    "size",
    [(100_000, 10), (10, 100_000), (4000, 150), (20, 20), (31, 800)],
    ids=["sliver-wide", "sliver-tall", "aspect-27", "speck", "side-31"],
)
def test_degenerate_sizes_refused_before_decoding(size: tuple[int, int]):
    """Issue 11 finding 10: a 3 kB 100000x10 PNG crashed the analysis (a resize to zero
    height) after a ~500 MB spike; it is refused from its header like a pixel bomb."""
    data = _png(*size)
    assert len(data) < 20_000
    f = analyse_photo(data)
    assert f.error == "decompression_bomb" and not f.ok
    with pytest.raises(EvidenceError) as exc:
        load_image(data)
    assert exc.value.code == "decompression_bomb"


def test_decoded_sliver_refused_by_analyse_image():
    f = analyse_image(Image.new("RGB", (100_000, 10), (200, 200, 200)))
    assert f.error == "decompression_bomb"


@pytest.mark.parametrize("size", [(2000, 100), (100, 2000), (32, 32), (4000, 3000)])
def test_unusual_but_possible_sizes_analysed(size: tuple[int, int]):
    """A 20:1 panorama and a 32 px thumbnail are odd, not refused."""
    assert analyse_photo(jpeg(noise_image(5, size)), ocr_mode="off").ok


async def test_member_is_told_abnormal_dimensions_not_an_internal_error():
    from groupbot.evidence import EvidenceEngine
    from groupbot.photo_check import check_photo

    async with EvidenceEngine(workers=0) as engine:
        check = await check_photo(_png(100_000, 10), [], engine)
    assert check.problem == "decompression_bomb"


def test_largest_telegram_photo_kept_at_full_resolution():
    """The number line is cut from the 2560 px photo Telegram offers, not a reduced copy."""
    im = load_image(jpeg(noise_image(6, (2560, 1920))))
    assert im.size == (2560, 1920)
    assert max(load_image(jpeg(noise_image(6, (4000, 3000)))).size) <= 2560
