"""analytics: suppliers on products and deals, batch alerts, pauses, supplier notes, 改善 records

Revision ID: 0009
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# A table SQLite rebuilds in batch mode keeps AUTOINCREMENT (ids never reused, revision 0006).
IDS_KEPT = {"sqlite_autoincrement": True}

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _fk(column: str, table: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    with op.batch_alter_table("products", schema=None, table_kwargs=IDS_KEPT) as batch_op:
        batch_op.add_column(sa.Column("supplier", sa.String(length=120), nullable=True))
    with op.batch_alter_table("deals", schema=None, table_kwargs=IDS_KEPT) as batch_op:
        batch_op.add_column(sa.Column("supplier", sa.String(length=120), nullable=True))
    with op.batch_alter_table("orders", schema=None, table_kwargs=IDS_KEPT) as batch_op:
        batch_op.create_index("ix_orders_delivered", ["community_id", "delivered_at"],
                              unique=False)
    with op.batch_alter_table("order_items", schema=None, table_kwargs=IDS_KEPT) as batch_op:
        batch_op.create_index(batch_op.f("ix_order_items_product_id"), ["product_id"],
                              unique=False)

    op.create_table(
        "batch_alerts",
        sa.Column("id", ID, nullable=False),
        sa.Column("community_id", ID, nullable=False),
        sa.Column("deal_id", ID, nullable=False),
        sa.Column("product_name", sa.String(length=200), nullable=False),
        sa.Column("units_delivered", sa.Integer(), nullable=False),
        sa.Column("units_claimed", sa.Integer(), nullable=False),
        sa.Column("baseline_units", sa.Integer(), nullable=False),
        sa.Column("baseline_claimed", sa.Integer(), nullable=False),
        sa.Column("baseline_batches", sa.Integer(), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        _fk("community_id", "batch_alerts", "communities"),
        _fk("deal_id", "batch_alerts", "deals"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch_alerts")),
        sa.UniqueConstraint("deal_id", name=op.f("uq_batch_alerts_deal_id")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("batch_alerts", schema=None, table_kwargs=IDS_KEPT) as batch_op:
        batch_op.create_index(batch_op.f("ix_batch_alerts_community_id"), ["community_id"],
                              unique=False)

    op.create_table(
        "product_pauses",
        sa.Column("id", ID, nullable=False),
        sa.Column("community_id", ID, nullable=False),
        sa.Column("product_name", sa.String(length=200), nullable=False),
        sa.Column("alert_id", ID, nullable=True),
        sa.Column("paused_by", ID, nullable=True),
        sa.Column("paused_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lifted_by", ID, nullable=True),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        _fk("community_id", "product_pauses", "communities"),
        _fk("alert_id", "product_pauses", "batch_alerts"),
        _fk("paused_by", "product_pauses", "members"),
        _fk("lifted_by", "product_pauses", "members"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_pauses")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("product_pauses", schema=None, table_kwargs=IDS_KEPT) as batch_op:
        batch_op.create_index(batch_op.f("ix_product_pauses_community_id"), ["community_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_product_pauses_product_name"), ["product_name"],
                              unique=False)

    op.create_table(
        "supplier_notes",
        sa.Column("id", ID, nullable=False),
        sa.Column("community_id", ID, nullable=False),
        sa.Column("supplier", sa.String(length=120), nullable=True),
        sa.Column("product_name", sa.String(length=200), nullable=False),
        sa.Column("deal_id", ID, nullable=True),
        sa.Column("alert_id", ID, nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("written_by", ID, nullable=True),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        _fk("community_id", "supplier_notes", "communities"),
        _fk("deal_id", "supplier_notes", "deals"),
        _fk("alert_id", "supplier_notes", "batch_alerts"),
        _fk("written_by", "supplier_notes", "members"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplier_notes")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("supplier_notes", schema=None, table_kwargs=IDS_KEPT) as batch_op:
        batch_op.create_index(batch_op.f("ix_supplier_notes_community_id"), ["community_id"],
                              unique=False)

    op.create_table(
        "improvements",
        sa.Column("id", ID, nullable=False),
        sa.Column("community_id", ID, nullable=False),
        sa.Column("product_name", sa.String(length=200), nullable=False),
        sa.Column("deal_id", ID, nullable=True),
        sa.Column("alert_id", ID, nullable=True),
        sa.Column("cause", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=120), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("opened_by", ID, nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_by", ID, nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("before_batches", sa.Integer(), nullable=True),
        sa.Column("before_units", sa.Integer(), nullable=True),
        sa.Column("before_claimed", sa.Integer(), nullable=True),
        sa.Column("after_batches", sa.Integer(), nullable=True),
        sa.Column("after_units", sa.Integer(), nullable=True),
        sa.Column("after_claimed", sa.Integer(), nullable=True),
        _fk("community_id", "improvements", "communities"),
        _fk("deal_id", "improvements", "deals"),
        _fk("alert_id", "improvements", "batch_alerts"),
        _fk("opened_by", "improvements", "members"),
        _fk("closed_by", "improvements", "members"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_improvements")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("improvements", schema=None, table_kwargs=IDS_KEPT) as batch_op:
        batch_op.create_index(batch_op.f("ix_improvements_community_id"), ["community_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_improvements_status"), ["status"], unique=False)


def downgrade() -> None:
    for table, indexes in (
        ("improvements", ("community_id", "status")),
        ("supplier_notes", ("community_id",)),
        ("product_pauses", ("community_id", "product_name")),
        ("batch_alerts", ("community_id",)),
    ):
        with op.batch_alter_table(table, schema=None, table_kwargs=IDS_KEPT) as batch_op:
            for column in indexes:
                batch_op.drop_index(batch_op.f(f"ix_{table}_{column}"))
        op.drop_table(table)
    with op.batch_alter_table("order_items", schema=None, table_kwargs=IDS_KEPT) as batch_op:
        batch_op.drop_index(batch_op.f("ix_order_items_product_id"))
    with op.batch_alter_table("orders", schema=None, table_kwargs=IDS_KEPT) as batch_op:
        batch_op.drop_index("ix_orders_delivered")
    with op.batch_alter_table("deals", schema=None, table_kwargs=IDS_KEPT) as batch_op:
        batch_op.drop_column("supplier")
    with op.batch_alter_table("products", schema=None, table_kwargs=IDS_KEPT) as batch_op:
        batch_op.drop_column("supplier")
