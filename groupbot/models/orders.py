"""Products, orders, their items and shipments. Money is integer minor units (fen)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from groupbot.models.base import IDS_NEVER_REUSED, Base, PrimaryKey, UTCDateTime, utcnow

ORDER_PLACED = "placed"
ORDER_SHIPPED = "shipped"
ORDER_DELIVERED = "delivered"
ORDER_CANCELLED = "cancelled"


class Product(Base):
    __tablename__ = "products"
    __table_args__ = IDS_NEVER_REUSED

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(32), default="份")
    perishable: Mapped[bool] = mapped_column(Boolean, default=True)
    # The usual supplier (imported); a deal's own supplier takes precedence for its batch.
    supplier: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("community_id", "external_id"),
        # One order per member per deal: a second tap changes it instead of adding one.
        UniqueConstraint("deal_id", "member_id"),
        CheckConstraint("discount_minor >= 0", name="discount_not_negative"),
        # Reports and the batch-alert check select orders by when they were delivered.
        Index("ix_orders_delivered", "community_id", "delivered_at"),
        # The logistics watch: parcels still in transit, oldest shipment first (0012).
        Index("ix_orders_in_transit", "community_id", "shipped_at",
              sqlite_where=text("status = 'shipped'"), postgresql_where=text("status = 'shipped'")),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"))
    source: Mapped[str] = mapped_column(String(16))  # deal | api | csv
    deal_id: Mapped[int | None] = mapped_column(ForeignKey("deals.id"), index=True)
    external_id: Mapped[str | None] = mapped_column(String(100))
    currency: Mapped[str] = mapped_column(String(3))
    discount_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(16), default=ORDER_PLACED)
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The member's answer to the private confirmation: "ok" or "problem".
    confirmation: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    items: Mapped[list[OrderItem]] = relationship(
        back_populates="order", order_by="OrderItem.id", lazy="selectin"
    )
    shipments: Mapped[list[Shipment]] = relationship(order_by="Shipment.id", lazy="selectin")


class OrderItem(Base):
    __tablename__ = "order_items"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("paid_minor >= 0", name="paid_not_negative"),
        # The database itself refuses refunds beyond what was paid for the item.
        CheckConstraint(
            "refunded_minor >= 0 AND refunded_minor <= paid_minor", name="refund_within_paid"
        ),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    # Indexed for the batch-alert baseline: a product's lines without scanning every line.
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_minor: Mapped[int] = mapped_column(BigInteger)
    discount_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    # What the buyer really paid for this line after the order discount was allocated.
    paid_minor: Mapped[int] = mapped_column(BigInteger)
    refunded_minor: Mapped[int] = mapped_column(BigInteger, default=0)

    order: Mapped[Order] = relationship(back_populates="items")
    product: Mapped[Product] = relationship(lazy="joined", innerjoin=True)


class Shipment(Base):
    __tablename__ = "shipments"
    __table_args__ = IDS_NEVER_REUSED

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    courier: Mapped[str] = mapped_column(String(64))
    tracking_number: Mapped[str] = mapped_column(String(64), index=True)
    shipped_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
