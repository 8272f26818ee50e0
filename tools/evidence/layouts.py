"""Courier waybill layouts (SF, YTO, J&T, ZTO, EMS) drawn with the packaged Noto Sans SC.

Every label is synthetic: fake names, masked phone numbers, made-up addresses. A layout
returns the label image and where its tracking-number line is, so the scene can tell
whether a cover left the number legible.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import zxingcpp
from PIL import Image, ImageDraw

from groupbot.evidence.couriers import s10_check_digit
from groupbot.evidence.fonts import get_font

Box = tuple[int, int, int, int]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ("伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟")
CITIES = ("上海市 浦东新区", "北京市 朝阳区", "广州市 天河区", "深圳市 南山区", "杭州市 西湖区",
          "成都市 武侯区", "武汉市 洪山区", "南京市 鼓楼区", "苏州市 吴中区", "重庆市 渝北区")
STREETS = ("幸福路", "人民路", "建设大道", "中山北路", "学院路", "滨江大道", "长江路", "解放路")
PLACES = ("小区", "花园", "社区团购自提点", "大厦", "公寓", "新村")


@dataclass(frozen=True, slots=True)
class Courier:
    code: str  # the grammar's courier code (groupbot.evidence.couriers)
    name: str
    latin: str
    colour: tuple[int, int, int]


COURIERS = (
    Courier("SF", "顺丰速运", "SF EXPRESS", (20, 20, 20)),
    Courier("YTO", "圆通速递", "YTO EXPRESS", (90, 40, 140)),
    Courier("JT", "极兔速递", "J&T EXPRESS", (200, 30, 30)),
    Courier("ZTO", "中通快递", "ZTO EXPRESS", (20, 60, 160)),
    Courier("EMS", "中国邮政 EMS", "EMS 特快专递", (0, 110, 60)),
)


def tracking_number(courier: str, rng: np.random.Generator) -> str:
    """A number in the courier's grammar (normalised: no spaces)."""
    digits = lambda n: "".join(str(d) for d in rng.integers(0, 10, n))  # noqa: E731
    if courier == "SF":
        return "SF" + digits(int(rng.choice([12, 13])))
    if courier in ("YTO", "JT"):
        return ("YT" if courier == "YTO" else "JT") + digits(13)
    if courier == "ZTO":
        return str(rng.choice(["7", "5", "6"])) + digits(int(rng.integers(11, 14)))
    serial = digits(8)
    prefix = str(rng.choice(["EA", "EB", "EE", "EM", "EX"]))
    return f"{prefix}{serial}{s10_check_digit(serial)}CN"


def printed(number: str, rng: np.random.Generator) -> str:
    """How a label prints the number: plain, or in groups of four."""
    if rng.random() < 0.5:
        return number
    head = "".join(c for c in number[:2] if c.isalpha())
    body = number[len(head) :]
    groups = " ".join(body[i : i + 4] for i in range(0, len(body), 4))
    return f"{head} {groups}".strip()


def barcode_image(text: str, height: int, width: int, *, gs1: bool = False,
                  fmt: str = "Code128") -> Image.Image:
    """A barcode scaled to ``width`` px (whole modules when possible), ``height`` px tall."""
    kind = getattr(zxingcpp.BarcodeFormat, fmt)
    b = zxingcpp.create_barcode(text, kind, gs1=True) if gs1 else zxingcpp.create_barcode(text, kind)
    bars = Image.fromarray(np.asarray(b.to_image(scale=1, add_hrt=False, add_quiet_zones=True)))
    module = max(1, width // bars.width)
    w = bars.width * module if module > 1 else width
    return bars.resize((w, height), Image.Resampling.NEAREST).convert("RGB")


def person(rng: np.random.Generator) -> tuple[str, str, str]:
    name = str(rng.choice(list(SURNAMES))) + str(rng.choice(GIVEN))
    phone = f"1{rng.integers(30, 99)}****{rng.integers(1000, 9999)}"
    addr = (f"{rng.choice(CITIES)} {rng.choice(STREETS)}{rng.integers(1, 999)}号 "
            f"{rng.choice(PLACES)}{rng.integers(1, 30)}栋")
    return name, phone, addr


def _block(draw: ImageDraw.ImageDraw, x: int, y: int, w: int, tag: str, who: tuple[str, str, str],
           size: int) -> int:
    """A sender/recipient block; returns the y below it."""
    big, small = get_font(size), get_font(int(size * 0.8))
    draw.text((x, y), tag, fill=(0, 0, 0), font=get_font(int(size * 1.3)))
    tx = x + int(size * 1.8)
    draw.text((tx, y), f"{who[0]}  {who[1]}", fill=(0, 0, 0), font=big)
    addr = who[2]
    per_line = max(6, int((w - tx + x) / (size * 0.8)))
    for k in range(0, len(addr), per_line):
        y += int(size * 1.2)
        draw.text((tx, y), addr[k : k + per_line], fill=(30, 30, 30), font=small)
    return y + int(size * 1.5)


def draw_label(courier: Courier, number: str, rng: np.random.Generator) -> tuple[Image.Image, Box]:
    """One waybill: header with the courier's name, barcode, number line, recipient and
    sender blocks, a bottom stub with a second small barcode. Returns (label, number box)."""
    w = int(rng.integers(560, 760))
    h = int(w * rng.uniform(1.35, 1.6))
    label = Image.new("RGB", (w, h), tuple(int(v) for v in rng.integers(238, 256, 3)))
    draw = ImageDraw.Draw(label)
    ink = (15, 15, 15)
    draw.rectangle([3, 3, w - 4, h - 4], outline=ink, width=3)
    fs = int(w * rng.uniform(0.035, 0.045))  # body text size
    # header
    hy = int(fs * 3.2)
    draw.text((14, 12), courier.name, fill=courier.colour, font=get_font(int(fs * 1.9)))
    draw.text((w - 14, 16), courier.latin, fill=courier.colour, font=get_font(fs), anchor="ra")
    draw.text((w - 14, 16 + int(fs * 1.3)), str(rng.choice(["标准快递", "特快", "电商标快"])),
              fill=ink, font=get_font(fs), anchor="ra")
    draw.line([6, hy, w - 7, hy], fill=ink, width=2)
    # routing code (three-section code), as printed big on Chinese labels
    code = f"{rng.integers(100, 999)}-{rng.choice(list('ABCDW'))}{rng.integers(1, 99):02d} {rng.integers(1, 99):02d}"
    draw.text((14, hy + 8), code, fill=ink, font=get_font(int(fs * 2.2)))
    y = hy + int(fs * 3.4)
    draw.line([6, y, w - 7, y], fill=ink, width=2)
    # barcode and the number line (above or below the bars)
    bar_h = int(h * rng.uniform(0.11, 0.16))
    bars = barcode_image(number, bar_h, int(w * rng.uniform(0.7, 0.9)))
    text = printed(number, rng)
    nf = get_font(int(fs * rng.uniform(1.1, 1.5)))
    above = rng.random() < 0.3
    if above:
        nb = draw.textbbox((w // 2, y + 8), text, font=nf, anchor="ma")
        draw.text((w // 2, y + 8), text, fill=ink, font=nf, anchor="ma")
        label.paste(bars, ((w - bars.width) // 2, nb[3] + 8))
        y = nb[3] + 16 + bar_h
    else:
        label.paste(bars, ((w - bars.width) // 2, y + 10))
        nb = draw.textbbox((w // 2, y + 16 + bar_h), text, font=nf, anchor="ma")
        draw.text((w // 2, y + 16 + bar_h), text, fill=ink, font=nf, anchor="ma")
        y = nb[3] + 8
    draw.line([6, y, w - 7, y], fill=ink, width=2)
    # recipient, then sender
    y = _block(draw, 14, y + 8, w - 28, "收", person(rng), fs)
    draw.line([6, y, w - 7, y], fill=ink, width=1)
    y = _block(draw, 14, y + 6, w - 28, "寄", person(rng), int(fs * 0.85))
    draw.line([6, y, w - 7, y], fill=ink, width=2)
    # bottom stub: small barcode + number, goods and signature fields
    if y + int(h * 0.12) < h - 10:
        small = barcode_image(number, int(h * 0.06), int(w * 0.45))
        label.paste(small, (14, y + 8))
        draw.text((14, y + 12 + small.height), text, fill=ink, font=get_font(int(fs * 0.75)))
        draw.text((w // 2 + 20, y + 10), "物品: 生鲜水果", fill=ink, font=get_font(int(fs * 0.8)))
        draw.text((w // 2 + 20, y + 10 + int(fs * 1.3)), "签收人:", fill=ink,
                  font=get_font(int(fs * 0.8)))
    return label, (int(nb[0]), int(nb[1]), int(nb[2]), int(nb[3]))
