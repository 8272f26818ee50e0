"""desk: service hours, agents, topics, conversations, messages

Revision ID: 0010
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# A table SQLite rebuilds in batch mode keeps AUTOINCREMENT (ids never reused, revision 0006).
IDS_KEPT = {"sqlite_autoincrement": True}


def upgrade() -> None:

    op.create_table(
        "desk_agents",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("desk_name", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_desk_agents_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_agents")),
        sa.UniqueConstraint("member_id", name=op.f("uq_desk_agents_member_id")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "desk_closures",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "community_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_desk_closures_community_id_communities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_closures")),
        sa.UniqueConstraint("community_id", "day", name=op.f("uq_desk_closures_community_id_day")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("desk_closures", schema=None, table_kwargs=IDS_KEPT) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_desk_closures_community_id"), ["community_id"], unique=False
        )

    op.create_table(
        "desk_hours",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "community_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("opens_minute", sa.Integer(), nullable=False),
        sa.Column("closes_minute", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "opens_minute >= 0 AND closes_minute <= 1440 AND opens_minute < closes_minute",
            name=op.f("ck_desk_hours_period"),
        ),
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name=op.f("ck_desk_hours_weekday")),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_desk_hours_community_id_communities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_hours")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("desk_hours", schema=None, table_kwargs=IDS_KEPT) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_desk_hours_community_id"), ["community_id"], unique=False
        )

    op.create_table(
        "desk_topics",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("desk_chat_id", sa.BigInteger(), nullable=False),
        sa.Column("thread_id", sa.BigInteger(), nullable=True),
        sa.Column("creating_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("title_shown", sa.String(length=128), nullable=True),
        sa.Column("card_message_id", sa.BigInteger(), nullable=True),
        sa.Column("card_shown", sa.Text(), nullable=True),
        sa.Column("dirty", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_desk_topics_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_topics")),
        sa.UniqueConstraint(
            "member_id", "desk_chat_id", name=op.f("uq_desk_topics_member_id_desk_chat_id")
        ),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("desk_topics", schema=None, table_kwargs=IDS_KEPT) as batch_op:
        batch_op.create_index(batch_op.f("ix_desk_topics_dirty"), ["dirty"], unique=False)
        batch_op.create_index(batch_op.f("ix_desk_topics_member_id"), ["member_id"], unique=False)

    op.create_table(
        "desk_conversations",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "community_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("topic_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("away_sent", sa.Boolean(), nullable=False),
        sa.Column("agent_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_response_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_response_seconds", sa.Integer(), nullable=True),
        sa.Column("owes", sa.String(length=8), nullable=False),
        sa.Column("owed_since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("warned", sa.Boolean(), nullable=False),
        sa.Column("escalated", sa.Integer(), nullable=False),
        sa.Column("transfer_note", sa.Text(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=8), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("rated_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "rating IS NULL OR rating BETWEEN 1 AND 5", name=op.f("ck_desk_conversations_rating")
        ),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["members.id"], name=op.f("fk_desk_conversations_agent_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name=op.f("fk_desk_conversations_community_id_communities"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_desk_conversations_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["desk_topics.id"],
            name=op.f("fk_desk_conversations_topic_id_desk_topics"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_conversations")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("desk_conversations", schema=None, table_kwargs=IDS_KEPT) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_desk_conversations_community_id"), ["community_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_desk_conversations_member_id"), ["member_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_desk_conversations_state"), ["state"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_desk_conversations_topic_id"), ["topic_id"], unique=False
        )

    op.create_table(
        "desk_messages",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "conversation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("author_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("buttons", sa.JSON(), nullable=True),
        sa.Column("source_chat_id", sa.BigInteger(), nullable=True),
        sa.Column("source_message_id", sa.BigInteger(), nullable=True),
        sa.Column("source_version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("relay_chat_id", sa.BigInteger(), nullable=True),
        sa.Column("relay_message_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("relayed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"], ["members.id"], name=op.f("fk_desk_messages_author_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["desk_conversations.id"],
            name=op.f("fk_desk_messages_conversation_id_desk_conversations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_messages")),
        sa.UniqueConstraint(
            "source_chat_id",
            "source_message_id",
            "source_version",
            name=op.f("uq_desk_messages_source_chat_id_source_message_id_source_version"),
        ),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("desk_messages", schema=None, table_kwargs=IDS_KEPT) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_desk_messages_conversation_id"), ["conversation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_desk_messages_status"), ["status"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("desk_messages", schema=None, table_kwargs=IDS_KEPT) as batch_op:
        batch_op.drop_index(batch_op.f("ix_desk_messages_status"))
        batch_op.drop_index(batch_op.f("ix_desk_messages_conversation_id"))

    op.drop_table("desk_messages")
    with op.batch_alter_table("desk_conversations", schema=None, table_kwargs=IDS_KEPT) as batch_op:
        batch_op.drop_index(batch_op.f("ix_desk_conversations_topic_id"))
        batch_op.drop_index(batch_op.f("ix_desk_conversations_state"))
        batch_op.drop_index(batch_op.f("ix_desk_conversations_member_id"))
        batch_op.drop_index(batch_op.f("ix_desk_conversations_community_id"))

    op.drop_table("desk_conversations")
    with op.batch_alter_table("desk_topics", schema=None, table_kwargs=IDS_KEPT) as batch_op:
        batch_op.drop_index(batch_op.f("ix_desk_topics_member_id"))
        batch_op.drop_index(batch_op.f("ix_desk_topics_dirty"))

    op.drop_table("desk_topics")
    with op.batch_alter_table("desk_hours", schema=None, table_kwargs=IDS_KEPT) as batch_op:
        batch_op.drop_index(batch_op.f("ix_desk_hours_community_id"))

    op.drop_table("desk_hours")
    with op.batch_alter_table("desk_closures", schema=None, table_kwargs=IDS_KEPT) as batch_op:
        batch_op.drop_index(batch_op.f("ix_desk_closures_community_id"))

    op.drop_table("desk_closures")
    op.drop_table("desk_agents")
