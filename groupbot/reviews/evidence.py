"""The claim-level evidence stored on ``claim.evidence`` at submit.

The photos' findings were stored one by one as they arrived (groupbot.photo_check); here the
evidence engine's pure ``verdict`` summarises them and ``find_reuse`` looks for each photo
among the community's earlier claim photos (all of them, found through the re-use index),
so the card can name the earlier claim.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from itertools import chain
from typing import Any, Protocol

import numpy as np
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from groupbot.evidence import (
    REUSE_MAX_DISTANCE,
    KnownPhoto,
    NumberRead,
    PhotoFindings,
    find_reuse,
    verdict,
)
from groupbot.evidence.phash import popcount
from groupbot.models import ClaimPhoto, Shipment
from groupbot.models.photo_bands import VALUE_BITS, block_values, parse_hash


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


class StoredPhoto(Protocol):
    """What the lookup reads of a claim photo (a ClaimPhoto, saved or not yet)."""

    file_unique_id: str
    phash: str | None
    findings: dict[str, Any] | None


def probes_of(photo: StoredPhoto) -> list[int]:
    """The photo's crop probes (or, for photos stored without them, its own hash)."""
    stored = photo.findings or {}
    texts = stored.get("reuse_probes") or ([photo.phash] if photo.phash else [])
    return [v for v in (parse_hash(t) for t in texts) if v is not None]


async def known_photos(
    session: AsyncSession, community_id: int, exclude_claim_id: int | None,
    photos: Sequence[StoredPhoto],
) -> list[KnownPhoto]:
    """The community's earlier claim photos that ``photos`` may re-use, however many there are.

    Two indexed lookups instead of a scan: the same Telegram file, and the photos sharing a
    block of pHash bands with one of the photos' probes (see groupbot.models.photo_bands),
    whose whole hash is then checked against the probes. Every earlier photo within the
    re-use distance of a probe is among the result, so ``find_reuse`` over it answers as it
    would over all of them. Newest first, as find_reuse breaks ties.
    """
    unique_ids = sorted({p.file_unique_id for p in photos if p.file_unique_id})
    found: set[int] = set()
    if unique_ids:
        found.update(await session.scalars(select(ClaimPhoto.id).where(
            ClaimPhoto.community_id == community_id,
            ClaimPhoto.file_unique_id.in_(unique_ids))))
    # One lookup for the whole claim: its photos' probes share no work per photo, and a
    # candidate near any probe is handed to find_reuse, which matches photo by photo.
    found.update(await _similar(session, community_id,
                                sorted({v for p in photos for v in probes_of(p)})))
    if not found:
        return []
    query = select(ClaimPhoto.claim_id, ClaimPhoto.id, ClaimPhoto.phash,
                   ClaimPhoto.file_unique_id).where(ClaimPhoto.id.in_(sorted(found)))
    if exclude_claim_id is not None:
        query = query.where(ClaimPhoto.claim_id != exclude_claim_id)
    rows = await session.execute(query.order_by(ClaimPhoto.id.desc()))
    return [
        KnownPhoto(claim_id=claim_id, phash=phash, file_unique_id=unique, photo_id=photo_id,
                   claim_number=f"#{claim_id}")
        for claim_id, photo_id, phash, unique in rows.all()
    ]


# The probes' distinct band keys go to the database as one parameter (one statement whatever
# the number of probes and photos) and each drives one lookup of the band index. The rows
# found (about one per key at a million photos) come back with the key and the whole hash
# and are checked here, each against the probes that have its key.
_SIMILAR_SQLITE = text(
    "SELECT k.value, b.photo_id, b.phash FROM json_each(:keys) AS k "
    "CROSS JOIN photo_hash_bands AS b "  # CROSS JOIN: SQLite loops over the keys first
    f"WHERE b.community_id = :community AND b.band_no = (k.value >> {VALUE_BITS}) "
    f"AND b.band_value = (k.value & {(1 << VALUE_BITS) - 1})")
_SIMILAR_POSTGRES = text(
    "SELECT k.key, b.photo_id, b.phash FROM unnest(CAST(:keys AS bigint[])) AS k(key) "
    "JOIN photo_hash_bands AS b ON b.community_id = :community "
    f"AND b.band_no = (k.key >> {VALUE_BITS}) "
    f"AND b.band_value = (k.key & {(1 << VALUE_BITS) - 1})")


def probe_keys(probes: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """(key, probe) of every band key of every probe, ordered by key (a key is band_no and
    band_value in one integer). Vectorised: a claim has ~250 probes of 52 keys each."""
    unique = np.unique(np.fromiter(probes, dtype=np.uint64, count=len(probes)))
    columns = block_values(unique)
    keys = np.concatenate([(n << VALUE_BITS) | c for n, c in enumerate(columns)])
    owners = np.tile(unique, len(columns))
    order = np.argsort(keys, kind="stable")
    return keys[order], owners[order]


async def _similar(session: AsyncSession, community_id: int, probes: list[int]) -> set[int]:
    """Ids of the photos within REUSE_MAX_DISTANCE of one of ``probes``."""
    if not probes:
        return set()
    keys, owners = probe_keys(probes)
    distinct = np.unique(keys).tolist()
    if session.get_bind().dialect.name == "postgresql":
        rows = (await session.execute(_SIMILAR_POSTGRES,
                                      {"community": community_id, "keys": distinct})).all()
    else:
        rows = await _sqlite_rows(session, {"community": community_id,
                                            "keys": json.dumps(distinct)})
    if not rows:
        return set()
    found = np.fromiter(chain.from_iterable(rows), dtype=np.int64,
                        count=3 * len(rows)).reshape(-1, 3)
    row_keys, ids = found[:, 0], found[:, 1]
    hashes = found[:, 2].view(np.uint64)  # the stored signed 64 bits
    # Each row against the probes its key came from (about one a key), not all of them.
    first = np.searchsorted(keys, row_keys, side="left")
    count = np.searchsorted(keys, row_keys, side="right") - first
    row = np.repeat(np.arange(len(rows)), count)
    pair = np.arange(len(row)) - np.repeat(np.cumsum(count) - count, count) + first[row]
    near = popcount(hashes[row] ^ owners[pair]) <= REUSE_MAX_DISTANCE
    return {int(i) for i in np.unique(ids[row[near]])}


async def _sqlite_rows(session: AsyncSession, params: dict[str, Any]) -> Sequence[Any]:
    """The candidates through the driver's own cursor, on the session's connection and in its
    transaction: at a million photos they are ~10,000 rows, and building a Row object for
    each cost as much as the index lookups themselves."""
    raw = await (await session.connection()).get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None
    cursor = await driver.execute(_SIMILAR_SQLITE.text, params)
    try:
        return await cursor.fetchall()
    finally:
        await cursor.close()


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
