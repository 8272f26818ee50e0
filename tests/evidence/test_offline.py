"""Nothing downloads at run time: models are in the repo or inside installed wheels."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import numpy as np
import pytest

from groupbot.evidence import goods, ocr


def test_model_files_in_repo():
    assert goods.MODEL_PATH.is_file()
    assert goods.MODEL_PATH.stat().st_size < 20 * 2**20
    heads = json.loads(goods.HEADS_PATH.read_text())
    assert len(heads["goods"]["weights"]) == 1281 and len(heads["damage"]["weights"]) == 1280
    assert (goods.MODEL_DIR / "PROVENANCE.md").is_file()
    assert (goods.MODEL_DIR / "LICENSE").is_file()


def test_rapidocr_models_ship_in_the_wheel():
    import rapidocr_onnxruntime

    models = Path(rapidocr_onnxruntime.__file__).parent / "models"
    assert sorted(p.suffix for p in models.glob("*.onnx")) == [".onnx"] * 3


def test_ocr_runs_with_network_blocked(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setitem(ocr._state, "engine", None)  # force a fresh load
    img = np.full((64, 320), 255, np.uint8)
    assert ocr.read_full(img, ["SF1"]) == []  # loads the models, reads nothing, no network


@pytest.mark.parametrize("n", [1, 3])
def test_goods_model_batch(n: int):
    sess = goods._session()
    x = np.zeros((n, 3, 224, 224), np.float32)
    logits, feats, fmap = sess.run(None, {"image": x})
    assert logits.shape == (n, 1000) and feats.shape == (n, 1280) and fmap.shape == (n, 1280, 7, 7)
