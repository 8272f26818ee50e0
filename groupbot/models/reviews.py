"""Reviewer decisions on claims, the refunds and payouts they create, and coupons."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from groupbot.models.base import IDS_NEVER_REUSED, Base, PrimaryKey, TelegramId, UTCDateTime, utcnow

REFUND_DUE = "due"
REFUND_PAID = "paid"

TO_REANNOUNCE = "reannounced_at IS NULL AND decided_at IS NULL"
TO_ESCALATE = "escalated_at IS NULL AND decided_at IS NULL"
TO_REMIND = "reminded_at IS NULL"
# A claim whose card is not out yet, and a claim some posted copy of which shows an older
# version: the card jobs read these few rows, not every pending claim (revision 0014).
CARD_TO_POST = "card_posted_at IS NULL"
CARDS_STALE = "cards_version < version"

# Claim statuses added by the review (the claims model keeps the string column).
CLAIM_COUPON = "coupon"


class ClaimReview(Base):
    """The reviewers' side of one claim: its card, who holds it, who decided and when.

    One row per claim. The decision itself is won by a conditional UPDATE of ``claims.status``
    (see groupbot.reviews.decisions); this row records who won and drives the clocks.
    """

    __tablename__ = "claim_reviews"
    __table_args__ = (
        # The clocks' lapsed-lease scan reads only the leases that are held.
        Index("ix_claim_reviews_lease", "lease_until",
              sqlite_where=text("lease_member_id IS NOT NULL"),
              postgresql_where=text("lease_member_id IS NOT NULL")),
        # The clocks' scans: undecided claims not yet re-announced / escalated (a few).
        Index("ix_claim_reviews_to_reannounce", "claim_id",
              sqlite_where=text(TO_REANNOUNCE), postgresql_where=text(TO_REANNOUNCE)),
        Index("ix_claim_reviews_to_escalate", "claim_id",
              sqlite_where=text(TO_ESCALATE), postgresql_where=text(TO_ESCALATE)),
        Index("ix_claim_reviews_to_post", "claim_id",
              sqlite_where=text(CARD_TO_POST), postgresql_where=text(CARD_TO_POST)),
        Index("ix_claim_reviews_stale_cards", "claim_id",
              sqlite_where=text(CARDS_STALE), postgresql_where=text(CARDS_STALE)),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    claim_id: Mapped[int] = mapped_column(
        ForeignKey("claims.id", ondelete="CASCADE"), unique=True
    )
    # Bumped on every change a card shows; cards older than this are edited by the tick.
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The oldest version any posted copy shows (None: no copy yet); below ``version`` some
    # copy needs editing (groupbot.reviews.cards keeps it with the review_cards rows).
    cards_version: Mapped[int | None] = mapped_column(Integer)
    card_posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # Each time the claim comes back with more photos a new card goes out: a new round.
    card_round: Mapped[int] = mapped_column(Integer, default=1)
    lease_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision: Mapped[str | None] = mapped_column(String(16))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reject_reason: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    auto: Mapped[bool] = mapped_column(Boolean, default=False)
    reannounced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ReviewCard(Base):
    """One posted copy of a claim's card (reviewers' chat, a reviewer's private chat)."""

    __tablename__ = "review_cards"
    __table_args__ = (UniqueConstraint("chat_id", "message_id"), IDS_NEVER_REUSED)

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    chat_id: Mapped[int] = mapped_column(TelegramId)
    message_id: Mapped[int] = mapped_column(BigInteger)
    locale: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer, default=0)
    card_round: Mapped[int] = mapped_column(Integer, default=1)
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Refund(Base):
    """The money a decision gives back; at most one live refund per claim (unique)."""

    __tablename__ = "refunds"
    __table_args__ = (
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        # /payouts and the payout reminders: a community's due refunds by deadline.
        Index("ix_refunds_payouts", "community_id", "status", "payout_due_at", "id"),
        # The payout reminders: due refunds not reminded yet (the reminded ones stay due).
        Index("ix_refunds_to_remind", "community_id", "status", "payout_due_at",
              sqlite_where=text(TO_REMIND), postgresql_where=text(TO_REMIND)),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"),
                                          unique=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    computed_minor: Mapped[int] = mapped_column(BigInteger)
    # "computed" (the claim's quote), "adjusted" (a reviewer's amount) or "auto".
    how: Mapped[str] = mapped_column(String(16))
    adjust_reason: Mapped[str | None] = mapped_column(Text)
    # {order_item_id: minor}: what each order line's refunded_minor was increased by.
    lines: Mapped[dict[str, Any]] = mapped_column(JSON)
    auto: Mapped[bool] = mapped_column(Boolean, default=False)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
    payout_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(8), default=REFUND_DUE)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_reference: Mapped[str | None] = mapped_column(String(120))
    paid_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))


class Coupon(Base):
    """A small-flaw coupon; it lowers the paid total of a later order once."""

    __tablename__ = "coupons"
    __table_args__ = (
        CheckConstraint("amount_minor > 0", name="amount_positive"),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    claim_id: Mapped[int | None] = mapped_column(
        ForeignKey("claims.id", ondelete="SET NULL"), unique=True
    )
    # A goodwill coupon compensates a complaint case (groupbot/aftercare); a coupon always
    # records the claim or the case it makes up for, never a rating.
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("complaint_cases.id", ondelete="SET NULL"), unique=True
    )
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # One coupon per order and one order per coupon.
    redeemed_order_id: Mapped[int | None] = mapped_column(
        ForeignKey("orders.id", ondelete="SET NULL"), unique=True
    )
    redeemed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    applied_minor: Mapped[int | None] = mapped_column(BigInteger)
