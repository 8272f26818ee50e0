"""The re-use index: every claim photo's pHash cut into bands, so an earlier photo within the
re-use distance is found through an index instead of by comparing against every photo.

Pigeonhole: two 64-bit hashes at Hamming distance d <= REUSE_MAX_DISTANCE (6) differ in at most
d of the BAND_COUNT (8) bands of 8 bits, so at least 8 - 6 = 2 bands are equal, hence at least
one *pair* of bands is equal. A row per (photo, pair of bands) keys a 16-bit value: a lookup
reads the photos sharing one pair exactly, about N / 65536 per key for N photos, where single
8-bit bands would read N / 256 per key (the probe's keys number ~1000 either way, since the
81 crop probes of a photo are close to each other). The candidates' full hashes are then
checked exactly, so nothing within the distance is missed and nothing beyond it is reported.

The rows are written by a mapper event whenever a ClaimPhoto with a hash is inserted (or its
hash changes), whatever path stored it, and go with the photo (ON DELETE CASCADE).
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import combinations
from typing import Any

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

BAND_COUNT = 8
BAND_BITS = 64 // BAND_COUNT
PAIRS = tuple(combinations(range(BAND_COUNT), 2))  # 28 band pairs, numbered by position
_MASK = (1 << BAND_BITS) - 1
VALUE_BITS = 2 * BAND_BITS  # a band_value holds one pair of bands


class PhotoHashBand(Base):
    """One pair of bands of one claim photo's stored pHash.

    The primary key is the lookup itself and carries the whole hash, so a lookup reads only
    this index: on SQLite the table *is* that index (WITHOUT ROWID, rows with the same band
    pair stored together); on PostgreSQL it is answered by an index-only scan.
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
    """(band_no, band_value) of every pair of bands of a 64-bit hash."""
    bands = [(value >> (BAND_BITS * i)) & _MASK for i in range(BAND_COUNT)]
    return [(n, (bands[i] << BAND_BITS) | bands[j]) for n, (i, j) in enumerate(PAIRS)]


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
