"""The claim-level evidence stored on ``claim.evidence`` at submit.

The photos' findings were stored one by one as they arrived (groupbot.photo_check); here the
evidence engine's pure ``verdict`` summarises them and ``find_reuse`` looks for each photo
among the community's earlier claim photos (all of them, found through the re-use index:
groupbot.reviews.reuse_lookup), so the card can name the earlier claim.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from groupbot.evidence import (
    KnownPhoto,
    NumberRead,
    PhotoFindings,
    find_reuse,
    verdict,
)
from groupbot.models import ClaimPhoto, Shipment
from groupbot.reviews.reuse_lookup import known_photos

__all__ = ["evidence_for", "findings_of", "known_photos", "summarise", "tracking_of"]


def findings_of(stored: dict[str, Any] | None) -> PhotoFindings | None:
    """Rebuild the engine's findings from what the claims service stored (None: unchecked)."""
    if not stored:
        return None
    reads = stored.get("reads")
    if reads is not None:  # stored with every read's source and box
        numbers = tuple(
            NumberRead(text=str(r["text"]), normalized=str(r["normalized"]),
                       source="barcode" if r.get("source") == "barcode" else "text",
                       matches=bool(r.get("matches")), symbology=r.get("symbology"),
                       box=_box(r.get("box")), tracking_like=bool(r.get("tracking_like", True)))
            for r in reads
        )
    else:  # photos stored before boxes were kept: the numbers alone
        numbers = tuple(
            NumberRead(text=str(n), normalized=str(n), source="text",
                       matches=bool(stored.get("tracking_match")))
            for n in stored.get("numbers") or ()
        )
    damage = stored.get("damage_score")
    return PhotoFindings(
        width=int(stored.get("width") or 0),
        height=int(stored.get("height") or 0),
        waybill_box=_box(stored.get("waybill_box")),
        goods_box=_box(stored.get("goods_box")),
        reuse_probes=tuple(stored.get("reuse_probes") or ()),
        waybill_found=bool(stored.get("waybill_found")) or bool(numbers),
        numbers=numbers,
        tracking_match=bool(stored.get("tracking_match")),
        goods_found=bool(stored.get("goods_found")),
        goods_score=float(stored.get("goods_score") or 0.0),
        damage_score=None if damage is None else float(damage),
        problems=tuple(stored.get("problems") or ()),
    )


def _box(value: Any) -> tuple[int, int, int, int] | None:
    if not value or len(value) != 4:
        return None
    x0, y0, x1, y1 = (int(v) for v in value)
    return (x0, y0, x1, y1)


def summarise(
    photos: Sequence[ClaimPhoto], known: Sequence[KnownPhoto], expected: Sequence[str],
    *, goods_required: bool = True,
) -> dict[str, Any]:
    """The JSON stored on the claim: the verdict's fields and the re-used photos."""
    reuse = []
    for photo in photos:
        stored = photo.findings or {}
        probes = stored.get("reuse_probes") or photo.phash
        try:
            reuse.append(find_reuse(probes, photo.file_unique_id, known))
        except ValueError:  # a malformed hash: compare by the Telegram file alone
            reuse.append(find_reuse(None, photo.file_unique_id, known))
    found = [findings_of(p.findings) for p in photos]
    reused = [
        {"photo": i + 1, "claim_id": int(m.claim_id), "kind": m.kind, "distance": m.distance}
        for i, m in enumerate(reuse) if m is not None
    ]
    if any(f is None for f in found):
        # Photos the engine did not look at (engine off or unavailable): no verdict to show.
        return {"checked": False, "photos": len(photos), "reused": reused}
    v = verdict([f for f in found if f is not None], reuse, expected=list(expected),
                goods_required=goods_required)
    return {
        "checked": True,
        "photos": len(photos),
        "unmet": list(v.unmet),
        "goods_found": v.goods_found,
        "waybill_found": v.waybill_found,
        "tracking_match": v.tracking_match,
        "numbers_read": list(v.numbers_read),
        "damage_score": None if v.damage_score is None else round(v.damage_score, 3),
        "reused": reused,
    }


async def tracking_of(session: AsyncSession, order_id: int) -> list[str]:
    """The order's tracking numbers (queried: the order's relationship may be stale)."""
    rows = await session.scalars(select(Shipment.tracking_number)
                                 .where(Shipment.order_id == order_id).order_by(Shipment.id))
    return list(rows)


async def evidence_for(
    session: AsyncSession, community_id: int, claim_id: int, photos: Sequence[ClaimPhoto],
    order_id: int, *, goods_required: bool = True,
) -> dict[str, Any]:
    """``goods_required=False``: a missing item's packing slip or label is the evidence."""
    known = await known_photos(session, community_id, claim_id, photos)
    return summarise(photos, known, await tracking_of(session, order_id),
                     goods_required=goods_required)
