"""Refund claims: what the member reported, the photos, the money, and every state change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from groupbot.models.base import IDS_NEVER_REUSED, Base, PrimaryKey, UTCDateTime, utcnow

CLAIM_PENDING = "pending_review"
CLAIM_MORE_PHOTOS = "more_photos"
CLAIM_APPROVED = "approved"
CLAIM_REJECTED = "rejected"
CLAIM_PAID = "paid"
OPEN_STATUSES = (CLAIM_PENDING, CLAIM_MORE_PHOTOS)


class Claim(Base):
    __tablename__ = "claims"
    __table_args__ = (
        CheckConstraint("refund_minor >= 0", name="refund_not_negative"),
        # The review queue, card posting and the review clocks: a community's claims in one
        # status, oldest submission first.
        Index("ix_claims_queue", "community_id", "status", "submitted_at", "id"),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    # The draft a claim was submitted from: a double tap on "submit" cannot make two claims.
    submission_key: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=CLAIM_PENDING, index=True)
    reason: Mapped[str] = mapped_column(String(32))
    description: Mapped[str | None] = mapped_column(Text)
    currency: Mapped[str] = mapped_column(String(3))
    refund_minor: Mapped[int] = mapped_column(BigInteger)
    evidence: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Damage reasons: the member's answer to "外包装是否完好？" (intact | damaged | photo).
    packaging: Mapped[str | None] = mapped_column(String(8))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    review_due_at: Mapped[datetime] = mapped_column(UTCDateTime)

    items: Mapped[list[ClaimItem]] = relationship(order_by="ClaimItem.id", lazy="selectin")
    photos: Mapped[list[ClaimPhoto]] = relationship(order_by="ClaimPhoto.position",
                                                    lazy="selectin")


class ClaimItem(Base):
    __tablename__ = "claim_items"
    __table_args__ = (
        CheckConstraint("damaged_units > 0", name="units_positive"),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    order_item_id: Mapped[int] = mapped_column(ForeignKey("order_items.id"), index=True)
    damaged_units: Mapped[int] = mapped_column(Integer)
    amount_minor: Mapped[int] = mapped_column(BigInteger)


class ClaimPhoto(Base):
    __tablename__ = "claim_photos"
    __table_args__ = (
        # The re-use lookup: the same Telegram file sent again in this community.
        Index("ix_claim_photos_file", "community_id", "file_unique_id"),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    file_id: Mapped[str] = mapped_column(String(255))
    file_unique_id: Mapped[str] = mapped_column(String(64))
    phash: Mapped[str | None] = mapped_column(String(16))
    findings: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class ClaimEvent(Base):
    """The audit trail: who did what to a claim, and when."""

    __tablename__ = "claim_events"
    __table_args__ = IDS_NEVER_REUSED

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    actor_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    action: Mapped[str] = mapped_column(String(32))
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
