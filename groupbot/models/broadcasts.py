"""Organizer broadcasts and one delivery row per recipient (resume without sending twice)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from groupbot.models.base import IDS_NEVER_REUSED, Base, PrimaryKey, TelegramId, UTCDateTime, utcnow

# A broadcast: scheduled -> sending -> done, or cancelled (before or during sending), or missed
# (its time passed while the bot was down for longer than the grace period).
BROADCAST_SCHEDULED = "scheduled"
BROADCAST_SENDING = "sending"
BROADCAST_DONE = "done"
BROADCAST_CANCELLED = "cancelled"
BROADCAST_MISSED = "missed"

# A delivery: pending -> sending -> sent / blocked / gone / failed, or cancelled with its
# broadcast. "sending" is committed before the call to Telegram, the outcome after it.
DELIVERY_PENDING = "pending"
DELIVERY_SENDING = "sending"
DELIVERY_SENT = "sent"
DELIVERY_BLOCKED = "blocked"  # the member blocked the bot
DELIVERY_GONE = "gone"  # the bot left / was removed from the group, or the chat is gone
DELIVERY_FAILED = "failed"  # any other error, after the retries
DELIVERY_CANCELLED = "cancelled"  # the broadcast was stopped before this one went out


class Broadcast(Base):
    __tablename__ = "broadcasts"
    __table_args__ = (
        # start_due and the sending scan: a community's broadcasts in one status, by time.
        Index("ix_broadcasts_due", "community_id", "status", "scheduled_at"),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    organizer_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    # The organizer's language when composing: the progress message and report use it.
    locale: Mapped[str] = mapped_column(String(16))
    # The message exactly as composed: HTML (from the entities) and an optional photo file_id.
    text_html: Mapped[str | None] = mapped_column(Text)
    photo_file_id: Mapped[str | None] = mapped_column(String(255))
    # Who gets it: {"kind": "all_groups"|"groups"|"members"|"deal"|"everyone", "ids": [...]};
    # resolved into delivery rows when sending starts, so later joiners are included.
    target: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default=BROADCAST_SCHEDULED, index=True)
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    progress_message_id: Mapped[int | None] = mapped_column(BigInteger)
    progress_edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BroadcastDelivery(Base):
    """One recipient of one broadcast: unique, so a restart or a retry never sends twice."""

    __tablename__ = "broadcast_deliveries"
    __table_args__ = (
        UniqueConstraint("broadcast_id", "recipient"),
        # The delivery loop's query: the next due rows of one broadcast.
        Index("ix_broadcast_deliveries_due", "broadcast_id", "status", "not_before"),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(
        ForeignKey("broadcasts.id", ondelete="CASCADE")
    )
    # "g:<group id>" or "m:<member id>": stable when a group migrates to a new chat id.
    recipient: Mapped[str] = mapped_column(String(24))
    chat_id: Mapped[int] = mapped_column(TelegramId)
    status: Mapped[str] = mapped_column(String(16), default=DELIVERY_PENDING)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # The old id of a group that became a supergroup while we were sending to it.
    migrated_from: Mapped[int | None] = mapped_column(TelegramId)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    last_error: Mapped[str | None] = mapped_column(String(300))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
