"""The re-use index: every claim photo's pHash cut into bands, so an earlier photo within the
re-use distance is found through an index instead of by comparing against every photo.

Pigeonhole over blocks of bands: the 64 bits are 16 bands of 4 bits; two hashes at Hamming
distance d <= REUSE_MAX_DISTANCE (6) differ in at most 6 of the bands. ``BLOCKS`` is a family
of 52 five-band blocks chosen so that any 6 bands leave at least one block untouched (a
covering design, checked over all 8,008 choices of 6 bands by tests/reviews/test_reuse_lookup.py),
so the two hashes agree on the whole 20 bits of at least one block. A row per (photo, block)
keys those 20 bits: a lookup reads the photos sharing one block exactly, about N / 1,048,576
per key for N photos. The earlier index (revisions 0006-0014) keyed pairs of 8-bit bands
(28 rows a photo, 16 bits): about N / 65,536 per key, so at a million photos a claim's ~5,000
probe keys read ~74,000 rows and the lookup grew with N; now ~10,000 keys read ~10,000.
The candidates' full hashes are then checked exactly, so nothing within the distance is
missed and nothing beyond it is reported.

The rows are written by a mapper event whenever a ClaimPhoto with a hash is inserted (or its
hash changes), whatever path stored it, and go with the photo (ON DELETE CASCADE). Revision
0015 rewrote the rows of the photos stored before it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    delete,
    event,
    insert,
    inspect,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from groupbot.models.base import Base, PrimaryKey
from groupbot.models.claims import ClaimPhoto

BAND_COUNT = 16
BAND_BITS = 64 // BAND_COUNT
# Any 6 of the 16 bands miss at least one of these blocks (greedy covering design, fixed
# here: changing it changes every stored row, i.e. needs a revision that rewrites them).
BLOCKS: tuple[tuple[int, ...], ...] = (
    (0, 1, 3, 5, 14), (0, 1, 3, 10, 15), (0, 1, 4, 12, 13), (0, 1, 5, 6, 11), (0, 1, 6, 7, 15),
    (0, 1, 8, 9, 10), (0, 2, 3, 6, 7), (0, 2, 4, 8, 15), (0, 2, 10, 12, 13), (0, 2, 11, 13, 14),
    (0, 3, 7, 10, 11), (0, 3, 9, 11, 12), (0, 4, 5, 11, 15), (0, 4, 7, 9, 14), (0, 4, 8, 9, 11),
    (0, 5, 7, 8, 12), (0, 6, 13, 14, 15), (1, 2, 3, 11, 15), (1, 2, 4, 5, 7), (1, 2, 4, 6, 14),
    (1, 2, 7, 9, 15), (1, 2, 9, 12, 14), (1, 3, 6, 12, 13), (1, 3, 7, 8, 14), (1, 4, 8, 10, 11),
    (1, 5, 6, 8, 15), (1, 5, 9, 13, 15), (1, 7, 11, 12, 13), (2, 3, 4, 9, 10), (2, 3, 5, 7, 13),
    (2, 3, 6, 8, 9), (2, 5, 6, 11, 13), (2, 5, 8, 11, 15), (2, 6, 7, 10, 11), (2, 8, 9, 12, 13),
    (2, 10, 12, 14, 15), (3, 4, 5, 6, 10), (3, 4, 5, 12, 14), (3, 4, 9, 11, 13), (3, 5, 7, 8, 9),
    (3, 7, 11, 14, 15), (3, 8, 10, 12, 15), (4, 6, 7, 8, 13), (4, 6, 9, 12, 15),
    (4, 7, 10, 12, 14), (5, 6, 9, 10, 14), (5, 7, 9, 11, 12), (5, 8, 10, 13, 14),
    (6, 8, 9, 13, 14), (6, 8, 11, 12, 14), (6, 10, 11, 13, 15), (7, 9, 10, 13, 15),
)
_MASK = (1 << BAND_BITS) - 1
VALUE_BITS = BAND_BITS * len(BLOCKS[0])  # a band_value holds one block's bands


class PhotoHashBand(Base):
    """One block of bands of one claim photo's stored pHash (``band_no``: its index in BLOCKS).

    The primary key is the lookup itself and carries the whole hash, so a lookup reads only
    this index: on SQLite the table *is* that index (WITHOUT ROWID, rows with the same band
    block stored together); on PostgreSQL it is answered by an index-only scan.
    """

    __tablename__ = "photo_hash_bands"
    __table_args__ = (
        PrimaryKeyConstraint("community_id", "band_no", "band_value", "phash", "photo_id"),
        # Deleting or re-hashing a photo finds its rows.
        Index("ix_photo_hash_bands_photo_id", "photo_id"),
        {"sqlite_with_rowid": False},
    )

    community_id: Mapped[int] = mapped_column(PrimaryKey, ForeignKey("communities.id"))
    band_no: Mapped[int] = mapped_column(Integer)
    band_value: Mapped[int] = mapped_column(Integer)
    # The whole hash as a signed 64-bit integer: candidates are checked without a join.
    phash: Mapped[int] = mapped_column(BigInteger)
    photo_id: Mapped[int] = mapped_column(
        PrimaryKey, ForeignKey("claim_photos.id", ondelete="CASCADE"))


def parse_hash(text: str | None) -> int | None:
    """A stored 16-hex-digit pHash as an int, None when absent or malformed."""
    if not text or len(text) != 16:
        return None
    try:
        return int(text, 16)
    except ValueError:
        return None


def band_keys(value: int) -> list[tuple[int, int]]:
    """(band_no, band_value) of every block of a 64-bit hash (``block_values`` for one)."""
    columns = block_values(np.array([value], dtype=np.uint64))
    return [(n, int(c[0])) for n, c in enumerate(columns)]


def block_values(hashes: np.ndarray) -> list[np.ndarray]:
    """The band value of every block (one array per block, in BLOCKS order) for many hashes
    at once (int64 or uint64): what the index stores and what a lookup probes."""
    unsigned = hashes.astype(np.int64).view(np.uint64)
    mask, width = np.uint64(_MASK), np.uint64(BAND_BITS)
    bands = [(unsigned >> np.uint64(BAND_BITS * i)) & mask for i in range(BAND_COUNT)]
    out = []
    for block in BLOCKS:
        v = np.zeros(len(unsigned), dtype=np.uint64)
        for i in block:
            v = v << width | bands[i]
        out.append(v.astype(np.int64))
    return out


def to_signed(value: int) -> int:
    """A 64-bit unsigned hash as the signed BIGINT both databases store."""
    return value - (1 << 64) if value >= 1 << 63 else value


def band_rows(photo_id: int, community_id: int, phash: str | None) -> list[dict[str, Any]]:
    """The index rows of one photo (none when it has no usable hash)."""
    value = parse_hash(phash)
    if value is None:
        return []
    signed = to_signed(value)
    return [{"photo_id": photo_id, "community_id": community_id, "band_no": n,
             "band_value": v, "phash": signed} for n, v in band_keys(value)]


def index_photos(connection: Connection, photos: Iterable[tuple[int, int, str | None]]) -> None:
    """Write the rows of (photo_id, community_id, phash) triples (backfill and the event)."""
    rows = [r for photo_id, community_id, phash in photos
            for r in band_rows(photo_id, community_id, phash)]
    if rows:
        connection.execute(insert(PhotoHashBand), rows)


@event.listens_for(ClaimPhoto, "after_insert")
def _index_new_photo(_mapper: Mapper[Any], connection: Connection, photo: ClaimPhoto) -> None:
    index_photos(connection, [(photo.id, photo.community_id, photo.phash)])


@event.listens_for(ClaimPhoto, "after_update")
def _reindex_photo(_mapper: Mapper[Any], connection: Connection, photo: ClaimPhoto) -> None:
    if not inspect(photo).attrs.phash.history.has_changes():
        return
    connection.execute(delete(PhotoHashBand).where(PhotoHashBand.photo_id == photo.id))
    index_photos(connection, [(photo.id, photo.community_id, photo.phash)])
