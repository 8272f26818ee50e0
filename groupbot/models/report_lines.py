"""The report's facts per order line, kept by the database itself (PostgreSQL triggers).

A report groups a period's delivered lines by product, deal, supplier, courier and group. At a
million lines the joins that find those keys (order_items ⋈ orders ⋈ the delivering shipment)
cost seconds, every report. ``report_lines`` holds them already joined: one row per line of a
delivered, not cancelled order, with the order's community, delivery time, deal and group, the
courier of the shipment that delivered it (the one shipped when the order was) and the line's
units, money paid and refunded. It is not a second truth: triggers on ``orders``,
``order_items`` and ``shipments`` rebuild an order's rows in the same transaction as any change
to it, whatever code made the change (ORM or a plain UPDATE), and
``groupbot report --rebuild-lines`` rebuilds it all (migration 0013 filled it).

PostgreSQL only: on SQLite (one community on one machine) the report joins the tables as they
are, and this table stays empty — SQLite's batch migrations rebuild a table without its
triggers, so triggers there could silently stop.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from groupbot.models.base import Base, PrimaryKey, UTCDateTime


class ReportLine(Base):
    __tablename__ = "report_lines"
    __table_args__ = (
        Index("ix_report_lines_delivered", "community_id", "delivered_at"),
    )

    order_item_id: Mapped[int] = mapped_column(
        ForeignKey("order_items.id", ondelete="CASCADE"), primary_key=True,
        autoincrement=False)
    order_id: Mapped[int] = mapped_column(PrimaryKey, index=True)  # what the triggers rebuild by
    community_id: Mapped[int] = mapped_column(PrimaryKey)
    delivered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deal_id: Mapped[int | None] = mapped_column(PrimaryKey)
    group_id: Mapped[int] = mapped_column(PrimaryKey)  # 0: no group (a storefront order)
    product_id: Mapped[int] = mapped_column(PrimaryKey)
    courier: Mapped[str] = mapped_column(String(64))  # "": not known
    quantity: Mapped[int] = mapped_column(Integer)
    paid_minor: Mapped[int] = mapped_column(BigInteger)
    refunded_minor: Mapped[int] = mapped_column(BigInteger)
