"""pipeline: the card jobs read only the claims that need a card or an edit; outbox holders

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# A table SQLite rebuilds in batch mode keeps AUTOINCREMENT (ids never reused, revision 0006).
IDS_KEPT = {"sqlite_autoincrement": True}

CARD_TO_POST = "card_posted_at IS NULL"
CARDS_STALE = "cards_version < version"


def _partial(where: str) -> dict[str, sa.TextClause]:
    return {"sqlite_where": sa.text(where), "postgresql_where": sa.text(where)}


def upgrade() -> None:
    op.add_column("claim_reviews", sa.Column("cards_version", sa.Integer(), nullable=True))
    # The oldest version any posted copy shows (groupbot.reviews.cards keeps it from now on).
    op.execute("UPDATE claim_reviews SET cards_version = (SELECT min(review_cards.version) "
               "FROM review_cards WHERE review_cards.claim_id = claim_reviews.claim_id)")
    # Claims from before the review rows existed get theirs here, once, instead of the card
    # job looking for them on every tick (an outer join over every pending claim).
    op.execute("INSERT INTO claim_reviews (claim_id, version, card_round, auto) "
               "SELECT claims.id, 1, 1, false FROM claims WHERE claims.status = 'pending' "
               "AND NOT EXISTS (SELECT 1 FROM claim_reviews "
               "WHERE claim_reviews.claim_id = claims.id)")
    op.create_index("ix_claim_reviews_to_post", "claim_reviews", ["claim_id"], unique=False,
                    **_partial(CARD_TO_POST))
    op.create_index("ix_claim_reviews_stale_cards", "claim_reviews", ["claim_id"],
                    unique=False, **_partial(CARDS_STALE))
    # Which process holds an outbox row it is sending (taken over once that process is dead).
    op.add_column("outbox", sa.Column("sending_by", sa.String(length=80), nullable=True))
    op.add_column("posts", sa.Column("attempted_by", sa.String(length=80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("posts", schema=None, table_kwargs=IDS_KEPT) as batch_op:
        batch_op.drop_column("attempted_by")
    with op.batch_alter_table("outbox", schema=None, table_kwargs=IDS_KEPT) as batch_op:
        batch_op.drop_column("sending_by")
    op.drop_index("ix_claim_reviews_stale_cards", table_name="claim_reviews")
    op.drop_index("ix_claim_reviews_to_post", table_name="claim_reviews")
    with op.batch_alter_table("claim_reviews", schema=None, table_kwargs=IDS_KEPT) as batch_op:
        batch_op.drop_column("cards_version")
