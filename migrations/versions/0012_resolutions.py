"""resolutions: reships, returns, the parcel watch, the packaging answer on claims

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = sa.DateTime(timezone=True)
TO_REMIND = "status = 'open' AND reminded_at IS NULL"
TO_ESCALATE = "status = 'shipped' AND escalated_at IS NULL"
IN_TRANSIT = "status = 'shipped'"


def _fk(column: str, table: str, target: str, ondelete: str | None = None):
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], ondelete=ondelete,
                                   name=op.f(f"fk_{table}_{column}_{target}"))


def upgrade() -> None:
    op.add_column("claims", sa.Column("packaging", sa.String(length=8), nullable=True))
    op.create_index("ix_orders_in_transit", "orders", ["community_id", "shipped_at"],
                    unique=False, sqlite_where=sa.text(IN_TRANSIT),
                    postgresql_where=sa.text(IN_TRANSIT))
    op.create_table(
        "reships",
        sa.Column("id", ID, nullable=False),
        sa.Column("community_id", ID, nullable=False),
        sa.Column("claim_id", ID, nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("original_order_id", ID, nullable=False),
        sa.Column("reship_order_id", ID, nullable=False),
        sa.Column("decided_by", ID, nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        _fk("community_id", "reships", "communities"),
        _fk("claim_id", "reships", "claims", "CASCADE"),
        _fk("original_order_id", "reships", "orders"),
        _fk("reship_order_id", "reships", "orders"),
        _fk("decided_by", "reships", "members"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reships")),
        sa.UniqueConstraint("claim_id", name=op.f("uq_reships_claim_id")),
        sa.UniqueConstraint("reship_order_id", name=op.f("uq_reships_reship_order_id")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_reships_community_id"), "reships", ["community_id"])
    op.create_index(op.f("ix_reships_original_order_id"), "reships", ["original_order_id"])
    op.create_index(op.f("ix_reships_created_at"), "reships", ["created_at"])
    op.create_table(
        "returns",
        sa.Column("id", ID, nullable=False),
        sa.Column("community_id", ID, nullable=False),
        sa.Column("claim_id", ID, nullable=False),
        sa.Column("order_id", ID, nullable=False),
        sa.Column("member_id", ID, nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("requested_at", WHEN, nullable=False),
        sa.Column("courier", sa.String(length=64), nullable=True),
        sa.Column("tracking_number", sa.String(length=64), nullable=True),
        sa.Column("shipped_at", WHEN, nullable=True),
        sa.Column("reminded_at", WHEN, nullable=True),
        sa.Column("escalated_at", WHEN, nullable=True),
        sa.Column("received_at", WHEN, nullable=True),
        sa.Column("received_by", ID, nullable=True),
        _fk("community_id", "returns", "communities"),
        _fk("claim_id", "returns", "claims", "CASCADE"),
        _fk("order_id", "returns", "orders"),
        _fk("member_id", "returns", "members"),
        _fk("received_by", "returns", "members"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_returns")),
        sa.UniqueConstraint("claim_id", name=op.f("uq_returns_claim_id")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_returns_community_id"), "returns", ["community_id"])
    op.create_index(op.f("ix_returns_order_id"), "returns", ["order_id"])
    op.create_index(op.f("ix_returns_member_id"), "returns", ["member_id"])
    op.create_index("ix_returns_to_remind", "returns", ["requested_at"],
                    sqlite_where=sa.text(TO_REMIND), postgresql_where=sa.text(TO_REMIND))
    op.create_index("ix_returns_to_escalate", "returns", ["shipped_at"],
                    sqlite_where=sa.text(TO_ESCALATE), postgresql_where=sa.text(TO_ESCALATE))
    op.create_table(
        "parcel_watch",
        sa.Column("id", ID, nullable=False),
        sa.Column("community_id", ID, nullable=False),
        sa.Column("order_id", ID, nullable=False),
        sa.Column("stalled_at", WHEN, nullable=True),
        sa.Column("exception", sa.String(length=16), nullable=True),
        sa.Column("exception_at", WHEN, nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        _fk("community_id", "parcel_watch", "communities"),
        _fk("order_id", "parcel_watch", "orders", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parcel_watch")),
        sa.UniqueConstraint("order_id", name=op.f("uq_parcel_watch_order_id")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_parcel_watch_community_id"), "parcel_watch", ["community_id"])


def downgrade() -> None:
    op.drop_table("parcel_watch")
    op.drop_table("returns")
    op.drop_table("reships")
    op.drop_index("ix_orders_in_transit", table_name="orders")
    with op.batch_alter_table("claims", schema=None,
                              table_kwargs={"sqlite_autoincrement": True}) as batch_op:
        batch_op.drop_column("packaging")
