"""Root cause (改善): batch alerts, product pauses, supplier notes and improvement records.

The rates themselves are never stored: they are aggregated from orders, claims and refunds
when asked (groupbot.analytics.rates). What is stored here is what people decided about them.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from groupbot.models.base import Base, PrimaryKey, UTCDateTime, utcnow

IMPROVEMENT_OPEN = "open"
IMPROVEMENT_CLOSED = "closed"


class BatchAlert(Base):
    """A deal (batch) whose claim rate clearly exceeded its product's usual rate; one per deal.

    The counts are the evidence at the moment the alert was raised, so the message people got
    can always be explained later, even after more claims came in.
    """

    __tablename__ = "batch_alerts"
    __table_args__ = {"sqlite_autoincrement": True}  # alert numbers are shown to people

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id"), unique=True)
    # Products are identified by name across deals (each deal makes its own products row).
    product_name: Mapped[str] = mapped_column(String(200))
    units_delivered: Mapped[int] = mapped_column(Integer)
    units_claimed: Mapped[int] = mapped_column(Integer)
    baseline_units: Mapped[int] = mapped_column(Integer)
    baseline_claimed: Mapped[int] = mapped_column(Integer)
    baseline_batches: Mapped[int] = mapped_column(Integer)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProductPause(Base):
    """The product's next deals are paused: no new deal of that name until lifted."""

    __tablename__ = "product_pauses"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    product_name: Mapped[str] = mapped_column(String(200), index=True)
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("batch_alerts.id"))
    paused_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    paused_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lifted_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SupplierNote(Base):
    """A note for the supplier about a batch (what went wrong, what we expect next time)."""

    __tablename__ = "supplier_notes"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    supplier: Mapped[str | None] = mapped_column(String(120))
    product_name: Mapped[str] = mapped_column(String(200))
    deal_id: Mapped[int | None] = mapped_column(ForeignKey("deals.id"))
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("batch_alerts.id"))
    text: Mapped[str] = mapped_column(Text)
    written_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    written_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Improvement(Base):
    """改善: why a product's batches went wrong, what is done about it, by whom, by when; closed
    with a check of the batches that followed against the ones before."""

    __tablename__ = "improvements"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    product_name: Mapped[str] = mapped_column(String(200))
    deal_id: Mapped[int | None] = mapped_column(ForeignKey("deals.id"))
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("batch_alerts.id"))
    cause: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(120))
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(8), default=IMPROVEMENT_OPEN, index=True)
    opened_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The check at closing: the batches before the record was opened and those since.
    before_batches: Mapped[int | None] = mapped_column(Integer)
    before_units: Mapped[int | None] = mapped_column(Integer)
    before_claimed: Mapped[int | None] = mapped_column(Integer)
    after_batches: Mapped[int | None] = mapped_column(Integer)
    after_units: Mapped[int | None] = mapped_column(Integer)
    after_claimed: Mapped[int | None] = mapped_column(Integer)
