"""Posts that must exist once (deal cards, reviewer sheets and cards, a broadcast's progress).

The intent is a row, committed before anything is sent; the message id is written after. A
restart finds intents without a message id and sends them again, at most once more.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from groupbot.models.base import IDS_NEVER_REUSED, Base, PrimaryKey, TelegramId, UTCDateTime, utcnow

UNLINKED = "message_id IS NOT NULL AND linked_at IS NULL"


class Post(Base):
    __tablename__ = "posts"
    __table_args__ = (
        # The periodic job's scan for messages recorded but not linked (a crash in between):
        # almost always empty, so the index holds only those few rows.
        Index("ix_posts_unlinked", "community_id", "id",
              sqlite_where=text(UNLINKED), postgresql_where=text(UNLINKED)),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    # What the post is, e.g. ``deal:12:card``: recording the same intent twice adds nothing.
    key: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    chat_id: Mapped[int] = mapped_column(TelegramId)
    subject_id: Mapped[int] = mapped_column(BigInteger)  # the deal, claim or broadcast
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Sends begun: a row is sent once, and once more after a crash between send and record.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    attempted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The process (heartbeat id) that began the last send: once it is dead, another process
    # may send again without waiting out the lease (groupbot.posts).
    attempted_by: Mapped[str | None] = mapped_column(String(80))
    message_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The subject was told the message id (e.g. the deal's card_message_id): a step of its own
    # after the record, so the record is as short as it can be (groupbot.posts).
    linked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
