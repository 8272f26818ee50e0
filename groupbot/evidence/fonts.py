"""Finding a font for the evidence sheet: CJK-capable if installed, never downloaded."""

from __future__ import annotations

import shutil
import subprocess
from functools import cache
from pathlib import Path

from PIL import ImageFont

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont

# Debian/Ubuntu package locations, then macOS; fc-match is asked first when present.
CJK_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/STHeiti Medium.ttc",
)
LATIN_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
)


def _fc_match_cjk() -> str | None:
    if not shutil.which("fc-match"):
        return None
    try:
        out = subprocess.run(
            ["fc-match", "-f", "%{file}", ":lang=zh-cn"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    # fc-match always answers something; only trust it when the file is a known CJK family.
    low = out.lower()
    if (
        out
        and Path(out).is_file()
        and any(k in low for k in ("cjk", "wqy", "uming", "heiti", "pingfang", "simhei", "droid"))
    ):
        return out
    return None


def _packaged_cjk() -> str | None:
    """Noto Sans SC (SIL OFL) shipped in a wheel, a dependency: reviewers read Chinese labels
    on the sheet without any font installed on the machine."""
    try:
        from pylopdf_fonts_zh_cn import sans_path
    except ImportError:
        return None
    path = sans_path()
    return str(path) if path.is_file() else None


@cache
def font_path() -> tuple[str | None, bool]:
    """(path or None for Pillow's built-in font, whether it covers Chinese)."""
    cjk = (_packaged_cjk() or _fc_match_cjk()
           or next((p for p in CJK_CANDIDATES if Path(p).is_file()), None))
    if cjk:
        return cjk, True
    latin = next((p for p in LATIN_CANDIDATES if Path(p).is_file()), None)
    return latin, False


@cache
def get_font(size: int) -> Font:
    path, _ = font_path()
    if path:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            pass
    try:
        return ImageFont.load_default(size)
    except TypeError:  # Pillow < 10.1: fixed-size bitmap font
        return ImageFont.load_default()


def supports_cjk() -> bool:
    return font_path()[1]


def printable(text: str) -> str:
    """Text as the font can show it: non-ASCII becomes '?' without a CJK font."""
    if supports_cjk():
        return text
    return "".join(c if ord(c) < 128 else "?" for c in text)
