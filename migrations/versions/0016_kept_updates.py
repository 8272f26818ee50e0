"""polling keeps each update it fetched until it is handled: its payload and re-feed count

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01

In polling mode the next getUpdates call confirms the previous batch to Telegram, so an update
still waiting in the process's queue at a crash was gone. ``scale_updates`` now also holds
polled updates ("received", with the update itself) until they are done; a restart handles
those again (handlers/polling.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("scale_updates") as batch:
        batch.add_column(sa.Column("payload", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("refed", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    # Updates kept but not handled yet cannot be kept without their payload: a downgrade
    # forgets them, as the code of revision 0015 would have.
    op.execute("DELETE FROM scale_updates WHERE status = 'received'")
    with op.batch_alter_table("scale_updates") as batch:
        batch.drop_column("refed")
        batch.drop_column("payload")
