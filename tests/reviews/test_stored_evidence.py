"""What photo_check stores for a photo is enough for the reviewer side: boxes for the sheet,
and crop probes so a cropped copy of an earlier claim's photo is recognised at submit."""

import numpy as np
from PIL import Image

from groupbot.evidence import EvidenceEngine, KnownPhoto, phash_image, reuse_probes
from groupbot.evidence.synth import make_claim_photo
from groupbot.models import ClaimPhoto
from groupbot.photo_check import check_photo
from groupbot.reviews.evidence import findings_of, summarise


def _photo(seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    noise = rng.integers(0, 255, (48, 64, 3), dtype=np.uint8)
    return Image.fromarray(noise).resize((640, 480), Image.Resampling.BICUBIC)


def _stored(image: Image.Image) -> dict:
    return {"waybill_found": False, "numbers": [], "tracking_match": False,
            "goods_found": True, "goods_score": 0.9, "damage_score": 0.5, "problems": [],
            "reuse_probes": list(reuse_probes(image))}


def test_a_cropped_copy_of_an_earlier_photo_is_found_through_the_probes():
    original = _photo(1)
    earlier = KnownPhoto(claim_id=3, phash=phash_image(original), file_unique_id="u-old",
                         photo_id=30, claim_number="#3")
    w, h = original.size
    cropped = original.crop((int(w * 0.08), int(h * 0.08), w, h)).resize((560, 420))
    copy = ClaimPhoto(position=0, file_id="f", file_unique_id="u-new",
                      phash=phash_image(cropped), findings=_stored(cropped))
    unrelated = ClaimPhoto(position=1, file_id="g", file_unique_id="u-other",
                           phash=phash_image(_photo(2)), findings=_stored(_photo(2)))
    summary = summarise([copy, unrelated], [earlier], expected=[])
    assert [(r["photo"], r["claim_id"], r["kind"]) for r in summary["reused"]] == [
        (1, 3, "similar")]


async def test_stored_findings_keep_the_boxes_the_sheet_draws():
    async with EvidenceEngine(workers=1, pool="thread") as engine:
        checked = await check_photo(make_claim_photo("SF1234567890", seed=5), ["SF1234567890"],
                                    engine)
    stored = checked.findings
    assert stored["reuse_probes"] and stored["width"] > 0
    rebuilt = findings_of(stored)
    assert rebuilt is not None and rebuilt.reuse_probes == tuple(stored["reuse_probes"])
    assert [n.normalized for n in rebuilt.numbers] == stored["numbers"]
    if stored["waybill_box"] is not None:
        assert rebuilt.waybill_box == tuple(stored["waybill_box"])
    assert any(n.box is not None for n in rebuilt.numbers) == any(
        r["box"] is not None for r in stored["reads"])
