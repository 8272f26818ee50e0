"""posts: the message id's record and its link to the subject are two steps (``linked_at``)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02

A post's message id is now committed on its own, the shortest way (groupbot/sent_records.py),
and what it means to the subject (the deal's card, the review card's row, the broadcast's
progress message) follows in a transaction of its own; ``linked_at`` says the second step was
done, so the periodic job can finish it after a crash in between. Posts sent before this
revision were recorded and linked in one transaction: they count as linked.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

UNLINKED = "message_id IS NOT NULL AND linked_at IS NULL"


def upgrade() -> None:
    with op.batch_alter_table("posts") as batch:
        batch.add_column(sa.Column("linked_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE posts SET linked_at = sent_at WHERE message_id IS NOT NULL")
    op.create_index("ix_posts_unlinked", "posts", ["community_id", "id"],
                    sqlite_where=sa.text(UNLINKED), postgresql_where=sa.text(UNLINKED))


def downgrade() -> None:
    # Revision 0016's code links in the record's own transaction: nothing to finish there, so
    # a post recorded but not yet linked stays without its link (its copy's buttons work).
    op.drop_index("ix_posts_unlinked", table_name="posts")
    with op.batch_alter_table("posts") as batch:
        batch.drop_column("linked_at")
