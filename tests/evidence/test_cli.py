"""`groupbot evidence check` (main(["check", ...]))."""

from __future__ import annotations

import json
from pathlib import Path

from groupbot.evidence.cli import main

from .conftest import TRACKING


def test_json_lines(tmp_path: Path, label_photo: bytes, capsys):
    a = tmp_path / "label.jpg"
    a.write_bytes(label_photo)
    b = tmp_path / "junk.gif"
    b.write_bytes(b"GIF89a" + b"\x00" * 100)
    sheet = tmp_path / "sheet.png"
    rc = main(
        ["check", str(a), str(b), "--tracking-number", TRACKING, "--json", "--sheet", str(sheet)]
    )
    assert rc == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert len(lines) == 2
    first, second = lines
    for key in (
        "file",
        "waybill_found",
        "numbers",
        "tracking_match",
        "goods_found",
        "goods_score",
        "damage_score",
        "phash",
        "error",
    ):
        assert key in first
    assert first["file"] == str(a) and first["error"] is None
    assert first["tracking_match"] is True and TRACKING in first["numbers"]
    assert first["goods_found"] is True and len(first["phash"]) == 16
    assert second["error"] == "unsupported_format" and second["tracking_match"] is False
    assert sheet.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_text_output_and_verdict(tmp_path: Path, fruit_photo: bytes, capsys):
    a = tmp_path / "fruit.jpg"
    a.write_bytes(fruit_photo)
    assert main(["check", str(a), "-t", TRACKING]) == 0
    out = capsys.readouterr().out
    assert "waybill: no" in out
    assert "claim verdict: unmet: no_waybill" in out
