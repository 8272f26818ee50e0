"""The outbox of proactive messages and the drafts of guided conversations.

Both live in the database because they must survive a restart: a warning owed to a member is
sent once even if the bot dies before sending it, and a half-filled claim resumes where it was.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from groupbot.models.base import IDS_NEVER_REUSED, Base, PrimaryKey, TelegramId, UTCDateTime, utcnow

OUTBOX_PENDING = "pending"
OUTBOX_SENDING = "sending"
OUTBOX_SENT = "sent"
OUTBOX_BLOCKED = "blocked"  # the member blocked the bot or never started it
OUTBOX_FAILED = "failed"  # chat gone, or an error that retrying will not fix
OUTBOX_CANCELLED = "cancelled"  # no longer wanted (e.g. reminder after a claim was filed)


class OutboxMessage(Base):
    __tablename__ = "outbox"
    __table_args__ = (
        # dispatch_due: a community's pending (or stuck sending) rows by not_before.
        Index("ix_outbox_due", "community_id", "status", "not_before", "id"),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    # (order, kind) and the like: a second enqueue with the same key is a no-op.
    key: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    chat_id: Mapped[int] = mapped_column(TelegramId)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"))
    # Messages that may still absorb later ones (the combined order-time warning).
    merge_key: Mapped[str | None] = mapped_column(String(120), index=True)
    # What to say: a catalog key and its parameters (groupbot.texts JSON), drawn in the
    # recipient's language when sent. ``text`` is only for rows queued before revision 0007.
    message: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    text: Mapped[str | None] = mapped_column(Text)
    buttons: Mapped[list[Any] | None] = mapped_column(JSON)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default=OUTBOX_PENDING, index=True)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(300))
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The process (groupbot.scale.beats id) that marked the row "sending": while it beats,
    # nobody else sends it; once it is silent past its lease, another process takes it over.
    sending_by: Mapped[str | None] = mapped_column(String(80))


class Draft(Base):
    """A guided conversation in the private chat (deal, claim, broadcast), one step at a time."""

    __tablename__ = "drafts"
    __table_args__ = (
        UniqueConstraint("member_id", "kind"),
        # The idle scan: active drafts of one kind silent since before the cutoff.
        Index("ix_drafts_idle", "kind", "status", "updated_at"),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    step: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # "active" while being filled in; "idle" after the silence timeout (kept, resumable);
    # rows that are finished or abandoned are deleted.
    status: Mapped[str] = mapped_column(String(8), default="active")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
