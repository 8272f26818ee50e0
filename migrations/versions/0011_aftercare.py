"""aftercare: return visits, ratings, complaint cases and their audit; coupons.case_id

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# A table SQLite rebuilds in batch mode keeps AUTOINCREMENT (ids never reused, revision 0006).
IDS_KEPT = {"sqlite_autoincrement": True}


def upgrade() -> None:
    op.create_table(
        "aftercare_members",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("visits_off_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_aftercare_members_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aftercare_members")),
        sa.UniqueConstraint("member_id", name=op.f("uq_aftercare_members_member_id")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "aftercare_visits",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "community_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("skipped_because", sa.String(length=16), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_aftercare_visits_community_id_communities"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_aftercare_visits_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_aftercare_visits_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aftercare_visits")),
        sa.UniqueConstraint("order_id", name=op.f("uq_aftercare_visits_order_id")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("aftercare_visits", schema=None, table_kwargs=IDS_KEPT) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_aftercare_visits_community_id"), ["community_id"], unique=False
        )
        batch_op.create_index("ix_aftercare_visits_due", ["state", "due_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_aftercare_visits_member_id"), ["member_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_aftercare_visits_sent_at"), ["sent_at"], unique=False)

    op.create_table(
        "aftercare_ratings",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "community_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("subject", sa.String(length=8), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("claim_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("comment_until", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "score IS NULL OR score BETWEEN 1 AND 5", name=op.f("ck_aftercare_ratings_score")
        ),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claims.id"],
            name=op.f("fk_aftercare_ratings_claim_id_claims"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_aftercare_ratings_community_id_communities"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_aftercare_ratings_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_aftercare_ratings_order_id_orders"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_aftercare_ratings")),
        sa.UniqueConstraint(
            "subject", "subject_id", name=op.f("uq_aftercare_ratings_subject_subject_id")
        ),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("aftercare_ratings", schema=None, table_kwargs=IDS_KEPT) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_aftercare_ratings_community_id"), ["community_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_aftercare_ratings_member_id"), ["member_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_aftercare_ratings_rated_at"), ["rated_at"], unique=False
        )

    op.create_table(
        "complaint_cases",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "community_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("order_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("claim_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("rating_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("opened_by", sa.String(length=16), nullable=False),
        sa.Column("trigger_key", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("what", sa.Text(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("owner_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("apology_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("contacted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.String(length=16), nullable=True),
        sa.Column("resolution_note", sa.Text(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reopened", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["claims.id"],
            name=op.f("fk_complaint_cases_claim_id_claims"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_complaint_cases_community_id_communities"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_complaint_cases_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_complaint_cases_order_id_orders"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["members.id"], name=op.f("fk_complaint_cases_owner_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["rating_id"],
            ["aftercare_ratings.id"],
            name=op.f("fk_complaint_cases_rating_id_aftercare_ratings"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_cases")),
        sa.UniqueConstraint("trigger_key", name=op.f("uq_complaint_cases_trigger_key")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("complaint_cases", schema=None, table_kwargs=IDS_KEPT) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_complaint_cases_community_id"), ["community_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_complaint_cases_member_id"), ["member_id"], unique=False
        )
        batch_op.create_index(
            "ix_complaint_cases_state_due", ["state", "apology_due_at"], unique=False
        )

    op.create_table(
        "complaint_case_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "actor_member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("action", sa.String(length=24), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_member_id"],
            ["members.id"],
            name=op.f("fk_complaint_case_events_actor_member_id_members"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["complaint_cases.id"],
            name=op.f("fk_complaint_case_events_case_id_complaint_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_case_events")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table(
        "complaint_case_events", schema=None, table_kwargs=IDS_KEPT
    ) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_complaint_case_events_case_id"), ["case_id"], unique=False
        )

    with op.batch_alter_table("coupons", schema=None, table_kwargs=IDS_KEPT) as batch_op:
        batch_op.add_column(
            sa.Column(
                "case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
            )
        )
        batch_op.create_unique_constraint(batch_op.f("uq_coupons_case_id"), ["case_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_coupons_case_id_complaint_cases"),
            "complaint_cases",
            ["case_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("coupons", schema=None, table_kwargs=IDS_KEPT) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_coupons_case_id_complaint_cases"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("uq_coupons_case_id"), type_="unique")
        batch_op.drop_column("case_id")

    with op.batch_alter_table(
        "complaint_case_events", schema=None, table_kwargs=IDS_KEPT
    ) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaint_case_events_case_id"))

    op.drop_table("complaint_case_events")
    with op.batch_alter_table("complaint_cases", schema=None, table_kwargs=IDS_KEPT) as batch_op:
        batch_op.drop_index("ix_complaint_cases_state_due")
        batch_op.drop_index(batch_op.f("ix_complaint_cases_member_id"))
        batch_op.drop_index(batch_op.f("ix_complaint_cases_community_id"))

    op.drop_table("complaint_cases")
    with op.batch_alter_table("aftercare_ratings", schema=None, table_kwargs=IDS_KEPT) as batch_op:
        batch_op.drop_index(batch_op.f("ix_aftercare_ratings_rated_at"))
        batch_op.drop_index(batch_op.f("ix_aftercare_ratings_member_id"))
        batch_op.drop_index(batch_op.f("ix_aftercare_ratings_community_id"))

    op.drop_table("aftercare_ratings")
    with op.batch_alter_table("aftercare_visits", schema=None, table_kwargs=IDS_KEPT) as batch_op:
        batch_op.drop_index(batch_op.f("ix_aftercare_visits_sent_at"))
        batch_op.drop_index(batch_op.f("ix_aftercare_visits_member_id"))
        batch_op.drop_index("ix_aftercare_visits_due")
        batch_op.drop_index(batch_op.f("ix_aftercare_visits_community_id"))

    op.drop_table("aftercare_visits")
    op.drop_table("aftercare_members")
