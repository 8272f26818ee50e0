"""Deals (接龙): an organizer's offer posted in a group, joined by tapping its card."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from groupbot.models.base import IDS_NEVER_REUSED, Base, PrimaryKey, TelegramId, UTCDateTime, utcnow
from groupbot.models.orders import Product

DEAL_OPEN = "open"
DEAL_CLOSED = "closed"


class Deal(Base):
    __tablename__ = "deals"
    __table_args__ = (
        CheckConstraint("unit_price_minor >= 0", name="price_not_negative"),
        CheckConstraint("stock IS NULL OR reserved <= stock", name="within_stock"),
        # close_due: open deals past their closing time; refresh_cards: dirty cards.
        Index("ix_deals_closing", "community_id", "status", "closes_at"),
        Index("ix_deals_dirty_cards", "community_id", "card_dirty"),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    organizer_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    currency: Mapped[str] = mapped_column(String(3))
    unit_price_minor: Mapped[int] = mapped_column(BigInteger)
    per_member_limit: Mapped[int | None] = mapped_column(Integer)
    stock: Mapped[int | None] = mapped_column(Integer)
    reserved: Mapped[int] = mapped_column(Integer, default=0)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # Who grew or packed this batch; None: the product's supplier (reports group by either).
    supplier: Mapped[str | None] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(8), default=DEAL_OPEN, index=True)
    card_chat_id: Mapped[int | None] = mapped_column(TelegramId)
    card_message_id: Mapped[int | None] = mapped_column(BigInteger)
    # The card's live count is edited at most every few seconds, however many taps come in.
    card_dirty: Mapped[bool] = mapped_column(Boolean, default=False)
    card_edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    product: Mapped[Product] = relationship(lazy="joined", innerjoin=True)
