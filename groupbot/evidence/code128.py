"""A tiny Code 128 encoder (code sets B and C) for generated test and demo labels."""

from __future__ import annotations

from PIL import Image, ImageDraw

# Bar/space widths of the 107 Code 128 symbols (value -> 6 digits, stop has 7).
_PATTERNS = (
    "212222 222122 222221 121223 121322 131222 122213 122312 132212 221213 221312 231212 "
    "112232 122132 122231 113222 123122 123221 223211 221132 221231 213212 223112 312131 "
    "311222 321122 321221 312212 322112 322211 212123 212321 232121 111323 131123 131321 "
    "112313 132113 132311 211313 231113 231311 112133 112331 132131 113123 113321 133121 "
    "313121 211331 231131 213113 213311 213131 311123 311321 331121 312113 312311 332111 "
    "314111 221411 431111 111224 111422 121124 121421 141122 141221 112214 112412 122114 "
    "122411 142112 142211 241211 221114 413111 241112 134111 111242 121142 121241 114212 "
    "124112 124211 411212 421112 421211 212141 214121 412121 111143 111341 131141 114113 "
    "114311 411113 411311 113141 114131 311141 411131 211412 211214 211232 2331112"
).split()
START_B, START_C, CODE_B, CODE_C, STOP = 104, 105, 100, 99, 106


def encode(text: str) -> list[int]:
    """Symbol values including start, checksum and stop. Digit runs of 4+ use code set C."""
    if not text or any(not (32 <= ord(c) < 127) for c in text):
        raise ValueError("Code 128 B/C encodes printable ASCII only")
    values: list[int] = []
    mode = None
    i = 0
    while i < len(text):
        run = 0
        while i + run < len(text) and text[i + run].isdigit():
            run += 1
        if run >= 4 or (mode == "C" and run >= 2):
            if run % 2:  # odd run: the first digit goes in set B
                values, mode = _switch(values, mode, "B"), "B"
                values.append(ord(text[i]) - 32)
                i += 1
                run -= 1
            values, mode = _switch(values, mode, "C"), "C"
            for j in range(i, i + run, 2):
                values.append(int(text[j : j + 2]))
            i += run
        else:
            values, mode = _switch(values, mode, "B"), "B"
            values.append(ord(text[i]) - 32)
            i += 1
    check = (values[0] + sum(v * k for k, v in enumerate(values[1:], start=1))) % 103
    return [*values, check, STOP]


def _switch(values: list[int], mode: str | None, to: str) -> list[int]:
    if mode == to:
        return values
    if mode is None:
        return [START_B if to == "B" else START_C]
    return [*values, CODE_B if to == "B" else CODE_C]


def modules(text: str) -> list[int]:
    """1 = bar, 0 = space, one entry per module, without quiet zones."""
    out: list[int] = []
    for v in encode(text):
        for k, width in enumerate(_PATTERNS[v]):
            out += [1 - k % 2] * int(width)
    return out


def render(text: str, module_px: int = 3, height: int = 80, quiet: int = 10) -> Image.Image:
    """Black-on-white barcode image ("L" mode)."""
    mods = modules(text)
    w = (len(mods) + 2 * quiet) * module_px
    im = Image.new("L", (w, height), 255)
    draw = ImageDraw.Draw(im)
    for i, m in enumerate(mods):
        if m:
            x = (quiet + i) * module_px
            draw.rectangle([x, 0, x + module_px - 1, height - 1], fill=0)
    return im
