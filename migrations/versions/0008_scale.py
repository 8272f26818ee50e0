"""scale: process heartbeats, the ledger of taken Telegram updates, photo checks for workers

Revision ID: 0008
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# A table SQLite rebuilds in batch mode keeps AUTOINCREMENT (ids never reused, revision 0006).
IDS_KEPT = {"sqlite_autoincrement": True}


def upgrade() -> None:
    op.create_table(
        "scale_processes",
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("leading", sa.Boolean(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scale_processes")),
    )
    with op.batch_alter_table("scale_processes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scale_processes_seen_at"), ["seen_at"], unique=False)
    op.create_table(
        "scale_updates",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("chat_key", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("holder", sa.String(length=80), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_scale_updates")),
    )
    with op.batch_alter_table("scale_updates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scale_updates_taken_at"), ["taken_at"], unique=False)
    op.create_table(
        "scale_photo_checks",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("expected", sa.JSON(), nullable=False),
        sa.Column("ocr_mode", sa.String(length=16), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("findings", sa.JSON(), nullable=True),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scale_photo_checks")),
        sa.UniqueConstraint("key", name=op.f("uq_scale_photo_checks_key")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("scale_photo_checks", schema=None, table_kwargs=IDS_KEPT) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_scale_photo_checks_created_at"), ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("scale_photo_checks", schema=None, table_kwargs=IDS_KEPT) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scale_photo_checks_created_at"))
    op.drop_table("scale_photo_checks")
    with op.batch_alter_table("scale_updates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scale_updates_taken_at"))
    op.drop_table("scale_updates")
    with op.batch_alter_table("scale_processes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scale_processes_seen_at"))
    op.drop_table("scale_processes")
