"""re-use index: 20-bit keys from blocks of five 4-bit bands instead of pairs of 8-bit bands

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01

The table keeps its shape (``band_no`` now numbers a block of groupbot.models.photo_bands'
BLOCKS, ``band_value`` holds its 20 bits); only its rows change, so they are rewritten from
``claim_photos.phash``, a chunk of photos at a time. Downgrading writes the pair rows of
revisions 0006-0014 back (their scheme is kept here, as it was).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import combinations
from typing import Any

import sqlalchemy as sa
from alembic import op

from groupbot.models.photo_bands import band_rows

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_CHUNK = 2000

Rows = Callable[[int, int, str | None], list[dict[str, Any]]]


def upgrade() -> None:
    _rewrite(band_rows)


def downgrade() -> None:
    _rewrite(_pair_rows)


def _rewrite(rows_of: Rows) -> None:
    bind = op.get_bind()
    bands = sa.table("photo_hash_bands", sa.column("photo_id"), sa.column("community_id"),
                     sa.column("band_no"), sa.column("band_value"), sa.column("phash"))
    bind.execute(sa.delete(bands))
    for chunk in _photos(bind):
        rows = [r for photo_id, community_id, phash in chunk
                for r in rows_of(photo_id, community_id, phash)]
        if rows:
            bind.execute(sa.insert(bands), rows)


def _photos(bind: sa.Connection) -> Iterator[list[Any]]:
    photos = sa.table("claim_photos", sa.column("id", sa.Integer),
                      sa.column("community_id", sa.Integer), sa.column("phash", sa.String))
    last = 0
    while True:
        chunk = bind.execute(
            sa.select(photos.c.id, photos.c.community_id, photos.c.phash)
            .where(photos.c.id > last, photos.c.phash.is_not(None))
            .order_by(photos.c.id).limit(_CHUNK)).all()
        if not chunk:
            return
        yield list(chunk)
        last = chunk[-1][0]


_PAIRS = tuple(combinations(range(8), 2))


def _pair_rows(photo_id: int, community_id: int, phash: str | None) -> list[dict[str, Any]]:
    """The rows of revisions 0006-0014: every pair of the hash's eight 8-bit bands."""
    try:
        value = int(phash, 16) if phash and len(phash) == 16 else None
    except ValueError:
        value = None
    if value is None:
        return []
    signed = value - (1 << 64) if value >= 1 << 63 else value
    bands = [(value >> (8 * i)) & 0xFF for i in range(8)]
    return [{"photo_id": photo_id, "community_id": community_id, "band_no": n,
             "band_value": bands[i] << 8 | bands[j], "phash": signed}
            for n, (i, j) in enumerate(_PAIRS)]
