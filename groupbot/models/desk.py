"""The service desk: service hours, agents, members' topics, conversations and their messages.

A conversation is one row from "I want a person" to its close; every message of it — relayed
either way, an internal note, or a notice the bot owes someone — is a ``DeskMessage`` row, so the
history survives restarts and the relay job sends each exactly once.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from groupbot.models.base import IDS_NEVER_REUSED, Base, PrimaryKey, TelegramId, UTCDateTime, utcnow

# conversation states
CONV_WAITING = "waiting"  # nobody took it yet
CONV_ACTIVE = "active"  # an agent has it
CONV_CLOSED = "closed"

# who owes the next message
OWES_AGENT = "agent"
OWES_MEMBER = "member"

# DeskMessage.direction
FROM_MEMBER = "member"  # relayed into the member's topic
FROM_AGENT = "agent"  # relayed to the member under the agent's desk name
NOTE = "note"  # internal, never leaves the desk
TO_MEMBER = "to_member"  # a notice the bot owes the member (served, idle close, ...)
TO_DESK = "to_desk"  # a notice the bot owes the desk (in the topic, or General if no thread)

# DeskMessage.status
MSG_HELD = "held"  # a second agent's text, waiting for their confirmation
MSG_PENDING = "pending"
MSG_SENDING = "sending"
MSG_SENT = "sent"
MSG_FAILED = "failed"
MSG_DROPPED = "dropped"  # not to be sent (a held text the agent withdrew, a stored note)


class ServicePeriod(Base):
    """One weekly opening period; a day may have several. No rows: the policy default."""

    __tablename__ = "desk_hours"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),
        CheckConstraint("opens_minute >= 0 AND closes_minute <= 1440 AND opens_minute < "
                        "closes_minute", name="period"),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)  # 0 = Monday
    opens_minute: Mapped[int] = mapped_column(Integer)  # minutes after midnight, local time
    closes_minute: Mapped[int] = mapped_column(Integer)  # 1440 = 24:00


class ServiceClosure(Base):
    """A dated closure (a holiday): no human service that whole local day."""

    __tablename__ = "desk_closures"
    __table_args__ = (UniqueConstraint("community_id", "day"), IDS_NEVER_REUSED)

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(200))


class DeskAgent(Base):
    """A service agent and the name members see (never their Telegram account)."""

    __tablename__ = "desk_agents"
    __table_args__ = (IDS_NEVER_REUSED,)

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), unique=True)
    desk_name: Mapped[str] = mapped_column(String(32))


class DeskTopic(Base):
    """A member's topic in one desk chat: created once, reused by every later conversation."""

    __tablename__ = "desk_topics"
    __table_args__ = (UniqueConstraint("member_id", "desk_chat_id"), IDS_NEVER_REUSED)

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    desk_chat_id: Mapped[int] = mapped_column(TelegramId)
    thread_id: Mapped[int | None] = mapped_column(BigInteger)  # None: not created / no topics
    # Set while createForumTopic runs (a lease: a crash there is retried after a while).
    creating_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    title_shown: Mapped[str | None] = mapped_column(String(128))
    card_message_id: Mapped[int | None] = mapped_column(BigInteger)
    card_shown: Mapped[str | None] = mapped_column(Text)  # the summary card as last sent
    # Title, open/closed or card may be out of date: the topics job brings them up to date.
    dirty: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Conversation(Base):
    """One conversation with a person. Its id is the number agents and members see."""

    __tablename__ = "desk_conversations"
    __table_args__ = (
        CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="rating"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("desk_topics.id"), index=True)
    locale: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default=CONV_WAITING, index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    away_sent: Mapped[bool] = mapped_column(Boolean, default=False)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_response_seconds: Mapped[int | None] = mapped_column(Integer)  # in service hours
    owes: Mapped[str] = mapped_column(String(8), default=OWES_MEMBER)
    owed_since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    warned: Mapped[bool] = mapped_column(Boolean, default=False)
    escalated: Mapped[int] = mapped_column(Integer, default=0)  # 1: other agents, 2: organizers
    transfer_note: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[str | None] = mapped_column(String(8))  # agent | member | idle
    rating: Mapped[int | None] = mapped_column(Integer)
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DeskMessage(Base):
    """Every message of a conversation, in order; also the relay's outbox (``status``)."""

    __tablename__ = "desk_messages"
    __table_args__ = (
        # A re-delivered update (a restart before Telegram saw the offset) adds nothing.
        UniqueConstraint("source_chat_id", "source_message_id", "source_version"),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("desk_conversations.id"), index=True)
    direction: Mapped[str] = mapped_column(String(16))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    kind: Mapped[str] = mapped_column(String(16))  # text photo document voice sticker edit notice
    text: Mapped[str | None] = mapped_column(Text)  # plain text or caption; notices: HTML
    buttons: Mapped[list[Any] | None] = mapped_column(JSON)
    source_chat_id: Mapped[int | None] = mapped_column(TelegramId)
    source_message_id: Mapped[int | None] = mapped_column(BigInteger)
    source_version: Mapped[int] = mapped_column(Integer, default=0)  # an edit's edit_date
    status: Mapped[str] = mapped_column(String(16), default=MSG_PENDING, index=True)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(300))
    relay_chat_id: Mapped[int | None] = mapped_column(TelegramId)
    relay_message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    relayed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
