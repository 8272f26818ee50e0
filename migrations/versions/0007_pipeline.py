"""pipeline: outbox rows carry a catalog key and parameters; posts that must exist once

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# A table SQLite rebuilds in batch mode keeps AUTOINCREMENT (ids never reused, revision 0006).
IDS_KEPT = {"sqlite_autoincrement": True}

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None, table_kwargs=IDS_KEPT) as batch_op:
        batch_op.add_column(sa.Column("message", sa.JSON(), nullable=True))
        # Rows queued before this revision keep their rendered text; new rows have none.
        batch_op.alter_column("text", existing_type=sa.Text(), nullable=True)

    op.create_table(
        "posts",
        sa.Column("id", _ID, nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("community_id", _ID, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("subject_id", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"], ["communities.id"], name=op.f("fk_posts_community_id_communities")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_posts")),
        sa.UniqueConstraint("key", name=op.f("uq_posts_key")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("posts", schema=None, table_kwargs=IDS_KEPT) as batch_op:
        batch_op.create_index(batch_op.f("ix_posts_community_id"), ["community_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_posts_message_id"), ["message_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("posts", schema=None, table_kwargs=IDS_KEPT) as batch_op:
        batch_op.drop_index(batch_op.f("ix_posts_message_id"))
        batch_op.drop_index(batch_op.f("ix_posts_community_id"))
    op.drop_table("posts")
    # Rows queued as key + parameters have no text: they cannot go back to the old format.
    op.execute("DELETE FROM outbox WHERE text IS NULL")
    with op.batch_alter_table("outbox", schema=None, table_kwargs=IDS_KEPT) as batch_op:
        batch_op.alter_column("text", existing_type=sa.Text(), nullable=False)
        batch_op.drop_column("message")
