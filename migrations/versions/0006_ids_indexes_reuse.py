"""ids never reused (SQLite AUTOINCREMENT), indexes for the hot queries, the re-use index

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

SQLite can only add AUTOINCREMENT by rebuilding a table (batch mode: copy, drop, rename; the
data and the highest id handed out so far are kept). groupbot.db runs this with foreign keys
off, as SQLite's table-rebuild procedure requires: with them on, dropping the old table would
cascade-delete every row that points at it. PostgreSQL's sequences never go back already.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from groupbot.models.photo_bands import band_rows

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# Every table of revisions 0001-0005 with an id of its own.
TABLES_WITH_IDS = (
    "communities", "groups", "members", "roles", "products", "orders", "order_items",
    "shipments", "deals", "outbox", "drafts", "claims", "claim_items", "claim_photos",
    "claim_events", "claim_reviews", "review_cards", "refunds", "coupons", "broadcasts",
    "broadcast_deliveries",
)

# (name, table, columns, partial-index condition) of the indexes the periodic and queue
# queries need.
HOT_INDEXES: tuple[tuple[str, str, list[str], str | None], ...] = (
    ("ix_claims_queue", "claims", ["community_id", "status", "submitted_at", "id"], None),
    ("ix_refunds_payouts", "refunds", ["community_id", "status", "payout_due_at", "id"], None),
    ("ix_refunds_to_remind", "refunds", ["community_id", "status", "payout_due_at"],
     "reminded_at IS NULL"),
    ("ix_outbox_due", "outbox", ["community_id", "status", "not_before", "id"], None),
    ("ix_drafts_idle", "drafts", ["kind", "status", "updated_at"], None),
    ("ix_deals_closing", "deals", ["community_id", "status", "closes_at"], None),
    ("ix_deals_dirty_cards", "deals", ["community_id", "card_dirty"], None),
    ("ix_broadcasts_due", "broadcasts", ["community_id", "status", "scheduled_at"], None),
    ("ix_claim_reviews_lease", "claim_reviews", ["lease_until"],
     "lease_member_id IS NOT NULL"),
    ("ix_claim_reviews_to_reannounce", "claim_reviews", ["claim_id"],
     "reannounced_at IS NULL AND decided_at IS NULL"),
    ("ix_claim_reviews_to_escalate", "claim_reviews", ["claim_id"],
     "escalated_at IS NULL AND decided_at IS NULL"),
    ("ix_claim_photos_file", "claim_photos", ["community_id", "file_unique_id"], None),
)
# Single-column indexes the composite ones above make redundant.
SUPERSEDED = (
    ("ix_claim_photos_file_unique_id", "claim_photos", ["file_unique_id"]),
    ("ix_refunds_payout_due_at", "refunds", ["payout_due_at"]),
    ("ix_refunds_status", "refunds", ["status"]),
)

_BACKFILL_CHUNK = 2000


def _rebuild_ids(autoincrement: bool) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    if bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError("run SQLite schema upgrades through `groupbot db upgrade` "
                           "(foreign keys must be off while tables are rebuilt)")
    for name in TABLES_WITH_IDS:
        with op.batch_alter_table(name, recreate="always",
                                  table_kwargs={"sqlite_autoincrement": autoincrement}):
            pass


def upgrade() -> None:
    _rebuild_ids(True)
    for name, table, _columns in SUPERSEDED:
        op.drop_index(name, table_name=table)
    for name, table, columns, where in HOT_INDEXES:
        condition = {} if where is None else {"sqlite_where": sa.text(where),
                                              "postgresql_where": sa.text(where)}
        op.create_index(name, table, columns, unique=False, **condition)

    key = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    bands = op.create_table(
        "photo_hash_bands",
        sa.Column("community_id", key, nullable=False),
        sa.Column("band_no", sa.Integer(), nullable=False),
        sa.Column("band_value", sa.Integer(), nullable=False),
        sa.Column("phash", sa.BigInteger(), nullable=False),
        sa.Column("photo_id", key, nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["communities.id"],
                                name=op.f("fk_photo_hash_bands_community_id_communities")),
        sa.ForeignKeyConstraint(["photo_id"], ["claim_photos.id"], ondelete="CASCADE",
                                name=op.f("fk_photo_hash_bands_photo_id_claim_photos")),
        sa.PrimaryKeyConstraint("community_id", "band_no", "band_value", "phash", "photo_id",
                                name=op.f("pk_photo_hash_bands")),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_photo_hash_bands_photo_id", "photo_hash_bands", ["photo_id"],
                    unique=False)
    _backfill(bands)


def _backfill(bands: sa.Table) -> None:
    """Index the photos stored before this revision, a chunk at a time."""
    photos = sa.table("claim_photos", sa.column("id", sa.Integer),
                      sa.column("community_id", sa.Integer), sa.column("phash", sa.String))
    bind = op.get_bind()
    last = 0
    while True:
        chunk = bind.execute(
            sa.select(photos.c.id, photos.c.community_id, photos.c.phash)
            .where(photos.c.id > last, photos.c.phash.is_not(None))
            .order_by(photos.c.id).limit(_BACKFILL_CHUNK)).all()
        if not chunk:
            return
        rows = [r for photo_id, community_id, phash in chunk
                for r in band_rows(photo_id, community_id, phash)]
        if rows:
            op.bulk_insert(bands, rows)
        last = chunk[-1][0]


def downgrade() -> None:
    op.drop_index("ix_photo_hash_bands_photo_id", table_name="photo_hash_bands")
    op.drop_table("photo_hash_bands")
    for name, table, _columns, _where in reversed(HOT_INDEXES):
        op.drop_index(name, table_name=table)
    for name, table, columns in SUPERSEDED:
        op.create_index(name, table, columns, unique=False)
    _rebuild_ids(False)
