"""The async engine: off the loop, per-photo timeout, claim analysis."""

from __future__ import annotations

import time

import pytest

from groupbot.evidence import EvidenceEngine, analyse
from groupbot.evidence.findings import PhotoFindings

from .conftest import TRACKING


def test_construction_starts_nothing():
    engine = EvidenceEngine()
    assert engine._executor is None  # nothing started (no models loaded) before the first photo
    engine.close()


@pytest.mark.parametrize("workers", [0, 1])
async def test_analyse_photo(workers: int, label_photo: bytes):
    async with EvidenceEngine(workers=workers) as engine:
        f = await engine.analyse_photo(label_photo, [TRACKING])
    assert f.tracking_match and f.goods_found


async def test_timeout_is_a_finding(monkeypatch, label_photo: bytes):
    def slow(*args, **kwargs) -> PhotoFindings:
        time.sleep(0.5)
        return PhotoFindings()

    monkeypatch.setattr(analyse, "analyse_photo", slow)
    monkeypatch.setattr("groupbot.evidence.engine.analyse_photo", slow)
    async with EvidenceEngine(workers=1) as engine:
        f = await engine.analyse_photo(label_photo, [TRACKING], timeout=0.05)
    assert f.error == "timeout"


async def test_bad_photo_does_not_raise():
    async with EvidenceEngine(workers=0) as engine:
        f = await engine.analyse_photo(b"not an image", [TRACKING])
    assert f.error == "unsupported_format"


async def test_claim(label_photo: bytes, fruit_photo: bytes):
    async with EvidenceEngine(workers=2) as engine:
        findings, v = await engine.analyse_claim([fruit_photo, label_photo], [TRACKING])
    assert [f.ok for f in findings] == [True, True]
    assert v.ok, v.unmet
    assert v.together_photo == 1 and v.matched_photo == 1
