"""Finding the earlier claim photos a claim's photos may re-use, however many there are.

The band lookup (groupbot.models.photo_bands) answers "which stored photos are within the
re-use distance of these probes" with ~50 index descents a probe, ~10,000 a claim of three
photos. Each descent gets dearer as the index outgrows the caches (at a million photos the
lookup takes several times what it takes at a thousand), and a member tapping "submit" would
wait for all of it. So the lookup runs where the member waits anyway: as each photo arrives,
right after its download and the evidence engine's check (:func:`look_back`, a read-only
session of its own), once a photo instead of once a claim at the tap. The photo keeps what
it found in its findings, ``reuse_seen``:

* ``near``: the ids of the photos within the distance of its probes;
* ``upto``: the newest photo id stored when it looked (read before the lookup).

At submit (:func:`known_photos`) only the photos stored since are compared, straight from
their hashes: a few, where the whole index was ~10,000 descents. Nothing is missed: every
earlier photo is either at most ``upto`` (found by the band lookup then) or newer (compared
now). ``ID_SLACK`` covers PostgreSQL's ids, which are handed out at INSERT and may commit out
of order: a photo with an id under ``upto`` may still have been on its way. A draft left for
long, with more photos stored since than a direct comparison should take, and photos that
never looked back (stored before, or the look-back failed) get the band lookup at submit.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import replace
from itertools import chain
from typing import Any, Protocol

import numpy as np
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from groupbot.evidence import REUSE_MAX_DISTANCE, KnownPhoto
from groupbot.evidence.phash import popcount
from groupbot.models import ClaimPhoto
from groupbot.models.photo_bands import VALUE_BITS, block_values, parse_hash
from groupbot.photo_check import PhotoCheck
from groupbot.runtime import Runtime

log = logging.getLogger(__name__)

SEEN = "reuse_seen"  # the key in a photo's findings
# Photos whose INSERT was under way when the look-back read the newest id: short write units,
# a few photos each, a few at a time — far fewer than this.
ID_SLACK = 500
# More photos stored since a look-back than this (a draft left for days in a busy community):
# the band lookup is quicker than comparing them all.
SINCE_LIMIT = 2000


class StoredPhoto(Protocol):
    """What the lookup reads of a claim photo (a ClaimPhoto, saved or not yet)."""

    file_unique_id: str
    phash: str | None
    findings: dict[str, Any] | None


def probes_of(photo: StoredPhoto) -> list[int]:
    """The photo's crop probes (or, for photos stored without them, its own hash)."""
    return _probes_in(photo.findings, photo.phash)


def _probes_in(findings: dict[str, Any] | None, phash: str | None) -> list[int]:
    texts = (findings or {}).get("reuse_probes") or ([phash] if phash else [])
    return [v for v in (parse_hash(t) for t in texts) if v is not None]


def seen_of(photo: StoredPhoto) -> tuple[int, list[int]] | None:
    """(upto, near) of the photo's look-back; None when it has none (or a malformed one)."""
    seen = (photo.findings or {}).get(SEEN)
    try:
        return int(seen["upto"]), [int(i) for i in seen["near"]]
    except (TypeError, KeyError, ValueError):
        return None


async def look_back(rt: Runtime, check: PhotoCheck) -> PhotoCheck:
    """The checked photo with its look-back among the community's stored photos; unchanged
    when it has nothing to look with, or the lookup failed (submit then does it)."""
    probes = _probes_in(check.findings, check.phash)
    if check.problem or not probes:
        return check
    try:
        async with rt.tx() as session:
            upto = await session.scalar(select(func.max(ClaimPhoto.id))) or 0  # first: see above
            near = await similar(session, rt.community_id, probes)
    except Exception:  # noqa: BLE001 - the photo is not lost over it: submit looks instead
        log.warning("re-use look-back failed; submit will look instead", exc_info=True)
        return check
    return replace(check, findings={**check.findings, SEEN: {"upto": upto, "near": sorted(near)}})


async def known_photos(
    session: AsyncSession, community_id: int, exclude_claim_id: int | None,
    photos: Sequence[StoredPhoto],
) -> list[KnownPhoto]:
    """The community's earlier claim photos that ``photos`` may re-use, however many there are.

    Indexed lookups instead of a scan: the same Telegram file; and the photos within the
    re-use distance of one of the photos' probes — from each photo's look-back and the photos
    stored since, or through the band index. Every earlier photo within the distance of a
    probe is among the result, so ``find_reuse`` over it answers as it would over all of them.
    Newest first, as find_reuse breaks ties.
    """
    unique_ids = sorted({p.file_unique_id for p in photos if p.file_unique_id})
    found: set[int] = set()
    if unique_ids:
        found.update(await session.scalars(select(ClaimPhoto.id).where(
            ClaimPhoto.community_id == community_id,
            ClaimPhoto.file_unique_id.in_(unique_ids))))
    looked: list[tuple[StoredPhoto, int, list[int]]] = []
    unlooked: list[StoredPhoto] = []
    for p in photos:
        if (seen := seen_of(p)) is None:
            unlooked.append(p)
        else:
            looked.append((p, *seen))
    if looked:
        since, covered_from = await _stored_since(
            session, community_id, min(upto for _, upto, _ in looked))
        covered = []
        for p, upto, near in looked:
            if upto - ID_SLACK + 1 >= covered_from:  # every photo after its look-back is here
                covered.append(p)
                found.update(near)
            else:
                unlooked.append(p)
        found |= _near(since, _probes(covered))
    # One lookup for the rest of the claim: its photos' probes share no work per photo, and a
    # candidate near any probe is handed to find_reuse, which matches photo by photo.
    found |= await similar(session, community_id, _probes(unlooked))
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


def _probes(photos: Iterable[StoredPhoto]) -> list[int]:
    return sorted({v for p in photos for v in probes_of(p)})


async def _stored_since(session: AsyncSession, community_id: int,
                        upto: int) -> tuple[list[tuple[int, int]], int]:
    """(id, hash) of the photos stored after ``upto`` (less the slack), newest first and at
    most SINCE_LIMIT of them, and the id from which on they are all there."""
    rows = (await session.execute(
        select(ClaimPhoto.id, ClaimPhoto.phash)
        .where(ClaimPhoto.id > upto - ID_SLACK, ClaimPhoto.community_id == community_id,
               ClaimPhoto.phash.is_not(None))
        .order_by(ClaimPhoto.id.desc()).limit(SINCE_LIMIT + 1))).all()
    # More than the limit (a draft left for days, or "more photos" weeks after the first
    # ones): only the photos whose look-back is recent enough are answered from these.
    covered_from = rows[SINCE_LIMIT - 1][0] if len(rows) > SINCE_LIMIT else upto - ID_SLACK + 1
    return [(i, h) for i, text_ in rows[:SINCE_LIMIT]
            if (h := parse_hash(text_)) is not None], covered_from


def _near(stored: list[tuple[int, int]], probes: list[int]) -> set[int]:
    """Ids of ``stored`` within the distance of a probe, compared directly."""
    if not stored or not probes:
        return set()
    hashes = np.fromiter((h for _, h in stored), dtype=np.uint64, count=len(stored))
    wanted = np.fromiter(probes, dtype=np.uint64, count=len(probes))
    near = (popcount(hashes[:, None] ^ wanted[None, :]) <= REUSE_MAX_DISTANCE).any(axis=1)
    return {stored[n][0] for n in np.flatnonzero(near)}


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


async def similar(session: AsyncSession, community_id: int, probes: list[int]) -> set[int]:
    """Ids of the photos within REUSE_MAX_DISTANCE of one of ``probes``, through the band
    index."""
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
