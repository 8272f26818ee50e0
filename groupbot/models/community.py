"""Communities, their group chats, the people in them and their roles."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from groupbot.models.base import IDS_NEVER_REUSED, Base, PrimaryKey, TelegramId, UTCDateTime, utcnow

ROLE_MEMBER = "member"
ROLE_REVIEWER = "reviewer"
ROLE_ORGANIZER = "organizer"
ROLES = (ROLE_MEMBER, ROLE_REVIEWER, ROLE_ORGANIZER)


class Community(Base):
    __tablename__ = "communities"
    __table_args__ = IDS_NEVER_REUSED

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    locale: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Group(Base):
    """A Telegram group chat the bot was added to."""

    __tablename__ = "groups"
    __table_args__ = IDS_NEVER_REUSED

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    chat_id: Mapped[int] = mapped_column(TelegramId, unique=True)
    title: Mapped[str] = mapped_column(String(255))
    chat_type: Mapped[str] = mapped_column(String(16), default="supergroup")
    locale: Mapped[str | None] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Member(Base):
    """A Telegram user known to the bot."""

    __tablename__ = "members"
    __table_args__ = IDS_NEVER_REUSED

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    telegram_id: Mapped[int] = mapped_column(TelegramId, unique=True)
    first_name: Mapped[str] = mapped_column(String(255))
    last_name: Mapped[str | None] = mapped_column(String(255))
    username: Mapped[str | None] = mapped_column(String(64))
    language_code: Mapped[str | None] = mapped_column(String(16))
    # Telegram forbids a bot to open a private chat: only after /start may we write to them.
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name

    @property
    def can_receive_private(self) -> bool:
        return self.started_at is not None and self.blocked_at is None


class Role(Base):
    __tablename__ = "roles"
    __table_args__ = (UniqueConstraint("community_id", "member_id", "role"), IDS_NEVER_REUSED)

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    # "config", "group_admin" or "granted": where the role came from, so a sync can revoke its own.
    source: Mapped[str] = mapped_column(String(16), default="granted")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
