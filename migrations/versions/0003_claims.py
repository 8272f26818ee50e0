"""claims: claims, their items, photos and audit events

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "claims",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "community_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("submission_key", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("refund_minor", sa.BigInteger(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("review_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("refund_minor >= 0", name=op.f("ck_claims_refund_not_negative")),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"], name=op.f("fk_claims_community_id_communities")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_claims_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_claims_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claims")),
        sa.UniqueConstraint("submission_key", name=op.f("uq_claims_submission_key")),
    )
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_claims_community_id"), ["community_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_claims_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_claims_order_id"), ["order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_claims_status"), ["status"], unique=False)

    op.create_table(
        "claim_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("claim_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "actor_member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_member_id"],
            ["members.id"],
            name=op.f("fk_claim_events_actor_member_id_members"),
        ),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claims.id"],
            name=op.f("fk_claim_events_claim_id_claims"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_events")),
    )
    with op.batch_alter_table("claim_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_claim_events_claim_id"), ["claim_id"], unique=False)

    op.create_table(
        "claim_items",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("claim_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "order_item_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("damaged_units", sa.Integer(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("damaged_units > 0", name=op.f("ck_claim_items_units_positive")),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claims.id"],
            name=op.f("fk_claim_items_claim_id_claims"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["order_item_id"],
            ["order_items.id"],
            name=op.f("fk_claim_items_order_item_id_order_items"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_items")),
    )
    with op.batch_alter_table("claim_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_claim_items_claim_id"), ["claim_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_claim_items_order_item_id"), ["order_item_id"], unique=False
        )

    op.create_table(
        "claim_photos",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("claim_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "community_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.String(length=255), nullable=False),
        sa.Column("file_unique_id", sa.String(length=64), nullable=False),
        sa.Column("phash", sa.String(length=16), nullable=True),
        sa.Column("findings", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claims.id"],
            name=op.f("fk_claim_photos_claim_id_claims"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_claim_photos_community_id_communities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_photos")),
    )
    with op.batch_alter_table("claim_photos", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_claim_photos_claim_id"), ["claim_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_claim_photos_community_id"), ["community_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_claim_photos_file_unique_id"), ["file_unique_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("claim_photos", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claim_photos_file_unique_id"))
        batch_op.drop_index(batch_op.f("ix_claim_photos_community_id"))
        batch_op.drop_index(batch_op.f("ix_claim_photos_claim_id"))

    op.drop_table("claim_photos")
    with op.batch_alter_table("claim_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claim_items_order_item_id"))
        batch_op.drop_index(batch_op.f("ix_claim_items_claim_id"))

    op.drop_table("claim_items")
    with op.batch_alter_table("claim_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claim_events_claim_id"))

    op.drop_table("claim_events")
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claims_status"))
        batch_op.drop_index(batch_op.f("ix_claims_order_id"))
        batch_op.drop_index(batch_op.f("ix_claims_member_id"))
        batch_op.drop_index(batch_op.f("ix_claims_community_id"))

    op.drop_table("claims")
