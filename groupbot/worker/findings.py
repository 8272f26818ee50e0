"""Findings to and from the JSON a worker records (PhotoFindings.to_dict is the one format)."""

from __future__ import annotations

from typing import Any

from groupbot.evidence.findings import NumberRead, PhotoFindings


def _box(value: Any) -> tuple[int, int, int, int] | None:
    return None if value is None else tuple(int(v) for v in value)  # type: ignore[return-value]


def findings_from_dict(d: dict[str, Any]) -> PhotoFindings:
    numbers = tuple(NumberRead(**{**n, "box": _box(n.get("box"))}) for n in d.get("numbers", ()))
    return PhotoFindings(**{
        **d, "numbers": numbers, "waybill_box": _box(d.get("waybill_box")),
        "goods_box": _box(d.get("goods_box")), "problems": tuple(d.get("problems", ())),
        "reuse_probes": tuple(d.get("reuse_probes", ())),
    })
