"""Things with barcodes or print that are NOT waybills: product packs (EAN-13/UPC-A), shelf
price tags, warehouse SSCC labels (GS1-128), till receipts, printed pages.

The hard ones on purpose: an SSCC label has FROM/TO blocks and a long Code 128; a receipt
has a Code 128 with a long number. Only a courier's label is a waybill.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from groupbot.evidence.fonts import get_font

from .layouts import barcode_image, person

PRODUCTS = ("有机红富士苹果", "精选赣南脐橙", "新疆哈密瓜", "云南高原蓝莓", "东北五常大米", "纯牛奶",
            "手工挂面", "山东大葱", "冷冻虾仁", "土鸡蛋 30枚", "黑猪五花肉", "苏打饼干")
SHOPS = ("邻里生活超市", "鲜果多便利店", "社区优选", "盒马鲜生", "永辉超市")


def _digits(rng: np.random.Generator, n: int) -> str:
    return "".join(str(d) for d in rng.integers(0, 10, n))


def ean13(rng: np.random.Generator) -> str:
    body = "69" + _digits(rng, 10)  # 69x: GS1 China
    s = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - s % 10) % 10)


def upca(rng: np.random.Generator) -> str:
    body = "0" + _digits(rng, 10)
    s = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(body))
    return body + str((10 - s % 10) % 10)


def _gs1_check(body: str) -> str:
    s = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - s % 10) % 10)


def product_pack(rng: np.random.Generator) -> Image.Image:
    w, h = int(rng.integers(520, 720)), int(rng.integers(480, 700))
    bg = tuple(int(v) for v in rng.integers(60, 250, 3))
    im = Image.new("RGB", (w, h), bg)
    d = ImageDraw.Draw(im)
    ink = (255, 255, 255) if sum(bg) < 380 else (20, 20, 20)
    d.text((24, 20), str(rng.choice(PRODUCTS)), fill=ink, font=get_font(int(w * 0.07)))
    d.text((24, 20 + int(w * 0.1)), f"净含量: {rng.integers(2, 50) * 50}g", fill=ink,
           font=get_font(int(w * 0.04)))
    # nutrition table
    ty = int(h * 0.35)
    d.rectangle([24, ty, int(w * 0.55), ty + int(h * 0.3)], fill=(250, 250, 250), outline=(0, 0, 0))
    for k, row in enumerate(("营养成分表", "能量 1520kJ", "蛋白质 8.2g", "脂肪 1.1g", "碳水 76g")):
        d.text((32, ty + 6 + k * int(h * 0.055)), row, fill=(0, 0, 0), font=get_font(int(h * 0.035)))
    code = ean13(rng) if rng.random() < 0.7 else upca(rng)
    fmt = "EAN13" if len(code) == 13 else "UPCA"
    bars = barcode_image(code, int(h * 0.2), int(w * 0.32), fmt=fmt)
    panel = Image.new("RGB", (bars.width + 20, bars.height + int(h * 0.07)), (255, 255, 255))
    panel.paste(bars, (10, 5))
    ImageDraw.Draw(panel).text((panel.width // 2, bars.height + 6), code, fill=(0, 0, 0),
                               font=get_font(int(h * 0.04)), anchor="ma")
    im.paste(panel, (w - panel.width - 24, h - panel.height - 24))
    return im


def shelf_tag(rng: np.random.Generator) -> Image.Image:
    w, h = int(rng.integers(520, 700)), int(rng.integers(300, 380))
    im = Image.new("RGB", (w, h), (255, 236, 120) if rng.random() < 0.5 else (250, 250, 250))
    d = ImageDraw.Draw(im)
    d.rectangle([0, 0, w, int(h * 0.18)], fill=(200, 20, 30))
    d.text((12, 8), str(rng.choice(SHOPS)), fill=(255, 255, 255), font=get_font(int(h * 0.1)))
    d.text((12, int(h * 0.24)), str(rng.choice(PRODUCTS)), fill=(0, 0, 0), font=get_font(int(h * 0.11)))
    d.text((12, int(h * 0.4)), f"规格: {rng.integers(1, 20) * 100}g  产地: 山东", fill=(0, 0, 0),
           font=get_font(int(h * 0.07)))
    d.text((w - 16, int(h * 0.42)), f"¥{rng.integers(1, 99)}.{rng.integers(0, 99):02d}",
           fill=(200, 20, 30), font=get_font(int(h * 0.25)), anchor="ra")
    code = ean13(rng) if rng.random() < 0.6 else _digits(rng, 8)
    fmt = "EAN13" if len(code) == 13 else "Code128"
    bars = barcode_image(code, int(h * 0.18), int(w * 0.4), fmt=fmt)
    im.paste(bars, (12, h - bars.height - int(h * 0.1)))
    d.text((12, h - int(h * 0.09)), code, fill=(0, 0, 0), font=get_font(int(h * 0.06)))
    return im


def sscc_label(rng: np.random.Generator) -> Image.Image:
    """A GS1 logistics label: FROM/TO, GTIN, batch, SSCC - a pallet's, not a parcel's."""
    w = int(rng.integers(560, 720))
    h = int(w * 1.4)
    im = Image.new("RGB", (w, h), (252, 252, 250))
    d = ImageDraw.Draw(im)
    ink = (0, 0, 0)
    d.rectangle([3, 3, w - 4, h - 4], outline=ink, width=3)
    fs = int(w * 0.038)
    d.text((14, 12), "FROM", fill=ink, font=get_font(fs))
    who = person(rng)
    d.text((14, 16 + fs), f"{rng.choice(SHOPS)} 配送中心", fill=ink, font=get_font(fs))
    d.text((14, 20 + 2 * fs), who[2][:20], fill=ink, font=get_font(int(fs * 0.8)))
    d.line([6, 5 * fs, w - 7, 5 * fs], fill=ink, width=2)
    d.text((14, 5 * fs + 8), "TO", fill=ink, font=get_font(fs))
    d.text((14, 6 * fs + 12), f"{rng.choice(SHOPS)} 门店 #{rng.integers(1, 300)}", fill=ink,
           font=get_font(fs))
    y = 9 * fs
    d.line([6, y, w - 7, y], fill=ink, width=2)
    gtin = "0" + ean13(rng)
    for k, (ai, txt) in enumerate((("GTIN", f"(02) {gtin}"), ("BATCH", f"(10) L{_digits(rng, 6)}"),
                                   ("COUNT", f"(37) {rng.integers(10, 200)}"))):
        d.text((14, y + 8 + k * int(fs * 1.6)), f"{ai}  {txt}", fill=ink, font=get_font(fs))
    y += int(fs * 6)
    sscc_body = "0" + "69" + _digits(rng, 14)
    sscc = sscc_body + _gs1_check(sscc_body)
    bars = barcode_image(f"(02){gtin}(37){rng.integers(10, 200)}", int(h * 0.1), int(w * 0.85),
                         gs1=True)
    im.paste(bars, ((w - bars.width) // 2, y))
    y += bars.height + 16
    d.text((14, y), "SSCC", fill=ink, font=get_font(int(fs * 1.4)))
    d.text((14, y + int(fs * 1.8)), f"(00) {sscc}", fill=ink, font=get_font(int(fs * 1.2)))
    y += int(fs * 3.6)
    bars = barcode_image(f"(00){sscc}", int(h * 0.14), int(w * 0.85), gs1=True)
    im.paste(bars, ((w - bars.width) // 2, y))
    return im


def receipt(rng: np.random.Generator) -> Image.Image:
    w = int(rng.integers(360, 460))
    lines = int(rng.integers(10, 18))
    fs = int(w * 0.05)
    h = int(fs * 1.5 * (lines + 9)) + int(w * 0.3)
    im = Image.new("RGB", (w, h), (246, 246, 240))
    d = ImageDraw.Draw(im)
    ink = (40, 40, 40)
    d.text((w // 2, 10), str(rng.choice(SHOPS)), fill=ink, font=get_font(int(fs * 1.4)), anchor="ma")
    y = int(fs * 3)
    d.text((12, y), f"2026-{rng.integers(1, 12):02d}-{rng.integers(1, 28):02d} "
           f"{rng.integers(8, 22):02d}:{rng.integers(0, 59):02d}  收银员 {rng.integers(1, 20):02d}",
           fill=ink, font=get_font(int(fs * 0.8)))
    y += int(fs * 1.6)
    total = 0
    for _ in range(lines):
        price = int(rng.integers(100, 5000))
        total += price
        d.text((12, y), str(rng.choice(PRODUCTS))[:8], fill=ink, font=get_font(fs))
        d.text((w - 12, y), f"{price / 100:.2f}", fill=ink, font=get_font(fs), anchor="ra")
        y += int(fs * 1.5)
    d.line([12, y, w - 12, y], fill=ink, width=1)
    d.text((12, y + 6), "合计", fill=ink, font=get_font(int(fs * 1.2)))
    d.text((w - 12, y + 6), f"¥{total / 100:.2f}", fill=ink, font=get_font(int(fs * 1.2)), anchor="ra")
    y += int(fs * 2.5)
    # a transaction number as Code 128: sometimes as long as a courier's all-digit number
    number = _digits(rng, int(rng.choice([13, 16, 18, 20])))
    bars = barcode_image(number, int(w * 0.18), int(w * 0.85))
    im.paste(bars, ((w - bars.width) // 2, y))
    d.text((w // 2, y + bars.height + 4), f"交易号 {number}", fill=ink, font=get_font(int(fs * 0.8)),
           anchor="ma")
    return im


def printed_page(rng: np.random.Generator) -> Image.Image:
    w, h = int(rng.integers(600, 760)), int(rng.integers(820, 1000))
    im = Image.new("RGB", (w, h), (250, 250, 248))
    d = ImageDraw.Draw(im)
    fs = int(w * rng.uniform(0.025, 0.035))
    d.text((40, 40), "社区团购售后服务说明", fill=(0, 0, 0), font=get_font(int(fs * 1.6)))
    words = "商品 质量 问题 请在 收货后 拍照 上传 我们 会 尽快 处理 退款 团长 配送 订单 编号".split()
    y = 40 + int(fs * 3)
    while y < h - 60:
        n = int(rng.integers(10, 18))
        d.text((40, y), "".join(rng.choice(words, n)), fill=(20, 20, 20), font=get_font(fs))
        y += int(fs * 1.7)
    return im


NEGATIVES = {
    "product": product_pack,
    "shelf": shelf_tag,
    "sscc": sscc_label,
    "receipt": receipt,
    "page": printed_page,
}
