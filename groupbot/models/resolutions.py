"""Resolutions beyond a refund (issue 15): reships and replacements, returns of
non-perishables, and the watch on parcels that do not arrive."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from groupbot.models.base import IDS_NEVER_REUSED, Base, PrimaryKey, UTCDateTime, utcnow

RESHIP = "reship"  # the damaged or missing units again
REPLACE = "replace"  # the right item for a wrong one

RETURN_OPEN = "open"  # address sent, waiting for the member's courier and number
RETURN_SHIPPED = "shipped"  # on its way back
RETURN_RECEIVED = "received"  # the organizer confirmed receipt; the refund is in review

# Claim statuses added here (the claims model keeps the string column).
CLAIM_RESHIPPED = "reshipped"
CLAIM_REPLACED = "replaced"
CLAIM_RETURN_OPEN = "return_open"  # a return not yet received: not in the reviewers' queue

EXCEPTION_KINDS = ("lost", "returned", "delayed")

TO_REMIND = "status = 'open' AND reminded_at IS NULL"
TO_ESCALATE = "status = 'shipped' AND escalated_at IS NULL"


class Reship(Base):
    """A reviewer's reship or replacement: the claim it settles and the order it created."""

    __tablename__ = "reships"
    __table_args__ = IDS_NEVER_REUSED

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"),
                                          unique=True)
    kind: Mapped[str] = mapped_column(String(8))
    original_order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    # The linked order: no charge, its own shipping and delivery notices and claim window.
    reship_order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), unique=True)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class ReturnRequest(Base):
    """A 7-day no-reason return; its money is the claim's (the same queue, cap and payout)."""

    __tablename__ = "returns"
    __table_args__ = (
        # The reminder and escalation clocks read only the few returns still owing something.
        Index("ix_returns_to_remind", "requested_at",
              sqlite_where=text(TO_REMIND), postgresql_where=text(TO_REMIND)),
        Index("ix_returns_to_escalate", "shipped_at",
              sqlite_where=text(TO_ESCALATE), postgresql_where=text(TO_ESCALATE)),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"),
                                          unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    status: Mapped[str] = mapped_column(String(8), default=RETURN_OPEN)
    address: Mapped[str] = mapped_column(Text)  # as sent to the member
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    courier: Mapped[str | None] = mapped_column(String(64))
    tracking_number: Mapped[str | None] = mapped_column(String(64))
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))


class ParcelWatch(Base):
    """A shipped parcel that stalled or that the storefront reported a problem with."""

    __tablename__ = "parcel_watch"
    __table_args__ = IDS_NEVER_REUSED

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"),
                                          unique=True)
    stalled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    exception: Mapped[str | None] = mapped_column(String(16))  # lost | returned | delayed
    exception_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)
