"""Re-used photos: exact re-sends by file_unique_id, copies by perceptual hash."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from groupbot.evidence import KnownPhoto, find_reuse, hamming, phash_image, reuse_probes
from groupbot.evidence.phash import REUSE_MAX_DISTANCE
from groupbot.evidence.synth import make_claim_photo


def _open(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data)).convert("RGB")


def _recompress(im: Image.Image, q: int) -> Image.Image:
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=q)
    return _open(buf.getvalue())


@pytest.fixture(scope="module")
def originals() -> list[Image.Image]:
    return [_open(make_claim_photo("JD0012345678" if s % 2 else None, seed=s)) for s in range(6)]


def _copies(im: Image.Image) -> dict[str, Image.Image]:
    w, h = im.size
    return {
        "half": im.resize((w // 2, h // 2), Image.Resampling.LANCZOS),
        "q35": _recompress(im, 35),
        "crop_centre": im.crop((int(w * 0.03), int(h * 0.03), int(w * 0.97), int(h * 0.97))),
        "crop_corner": im.crop((int(w * 0.06), int(h * 0.06), w, h)),
        "crop_side": im.crop((0, 0, int(w * 0.92), h)),
    }


def test_hash_format(originals):
    h = phash_image(originals[0])
    assert len(h) == 16 and int(h, 16) >= 0
    probes = reuse_probes(originals[0])
    assert probes[0] == h and len(probes) > 20


def test_copies_are_found(originals):
    known = [
        KnownPhoto(claim_id=i, phash=phash_image(im), claim_number=f"C-{i}")
        for i, im in enumerate(originals)
    ]
    for i, im in enumerate(originals):
        for kind, copy in _copies(im).items():
            m = find_reuse(reuse_probes(copy), None, known)
            assert m is not None, kind
            assert m.claim_id == i, kind
            assert m.kind == "similar" and m.distance <= REUSE_MAX_DISTANCE


def test_resized_copy_found_with_plain_hash(originals):
    im = originals[0]
    known = [KnownPhoto(claim_id=1, phash=phash_image(im))]
    copy = im.resize((im.width // 3, im.height // 3))
    assert find_reuse(phash_image(copy), None, known) is not None


def test_different_photos_do_not_match(originals, label_photo, fresh_photo):
    known = [KnownPhoto(claim_id=i, phash=phash_image(im)) for i, im in enumerate(originals)]
    # Other scenes (same generator, other seeds) and unrelated pictures.
    for seed in (40, 41, 42):
        other = _open(make_claim_photo(None, seed=seed, fruits=2))
        assert find_reuse(reuse_probes(other), None, known) is None
    gradient = Image.linear_gradient("L").convert("RGB").resize((640, 480))
    assert find_reuse(reuse_probes(gradient), None, known) is None
    assert hamming(phash_image(originals[0]), phash_image(gradient)) > REUSE_MAX_DISTANCE


def test_exact_resend_by_file_unique_id():
    known = [KnownPhoto(claim_id=7, phash=None, file_unique_id="AQADxyz", photo_id=3)]
    m = find_reuse(None, "AQADxyz", known)
    assert m is not None and m.kind == "exact" and m.distance == 0 and m.photo_id == 3
    assert find_reuse(None, "other", known) is None


def test_bad_stored_hash_is_skipped(originals):
    h = phash_image(originals[0])
    known = [KnownPhoto(claim_id=1, phash="zz"), KnownPhoto(claim_id=2, phash=h)]
    m = find_reuse(h, None, known)
    assert m is not None and m.claim_id == 2
    assert find_reuse(h, None, []) is None
