"""Aftercare: return visits after delivery, ratings, and complaint cases (投诉) with their audit.

A visit is one row per delivered order (planned when the order is delivered, then sent, skipped
or answered); a rating is one row per thing rated (a visit, a decided claim, a desk
conversation), so a second request or a second tap never makes a second rating; a complaint
case carries its reason, owner, apology deadline, state and resolution, and every change of it
is a ``complaint_case_events`` row.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from groupbot.models.base import IDS_NEVER_REUSED, Base, PrimaryKey, UTCDateTime, utcnow

# visit states
VISIT_PLANNED = "planned"  # waiting for its time
VISIT_SENT = "sent"  # asked; a reminder may follow
VISIT_REMINDED = "reminded"  # asked twice: nothing more
VISIT_ANSWERED = "answered"  # rated (or the member asked for after-sales from it)
VISIT_SKIPPED = "skipped"  # not sent: open claim or case, cooldown, opt-out, blocked
VISIT_DUE_STATES = (VISIT_PLANNED, VISIT_SENT)

# what a rating is about
RATED_VISIT = "visit"
RATED_CLAIM = "claim"
RATED_DESK = "desk"

# case states: open → contacted → resolved → closed, or reopened (→ contacted → resolved …)
CASE_OPEN = "open"
CASE_CONTACTED = "contacted"
CASE_RESOLVED = "resolved"  # a resolution was given; the member is asked "问题解决了吗？"
CASE_CLOSED = "closed"
CASE_REOPENED = "reopened"
CASE_ACTIVE = (CASE_OPEN, CASE_CONTACTED, CASE_RESOLVED, CASE_REOPENED)
CASE_UNCONTACTED = (CASE_OPEN, CASE_REOPENED)  # the apology deadline runs

# what opened a case
OPENED_BY_RATING = "rating"
OPENED_BY_UNHAPPY = "still_unhappy"  # "仍不满意" under a rejection or an adjusted amount
OPENED_BY_WORDS = "words"  # complaint words in free text
OPENED_BY_STAFF = "staff"  # /complaint in a desk topic

RESOLUTIONS = ("apology", "coupon", "refund", "reship", "explanation")


class AftercareMember(Base):
    """A member's aftercare choices: the opt-out from return visits is kept for good."""

    __tablename__ = "aftercare_members"
    __table_args__ = (IDS_NEVER_REUSED,)

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), unique=True)
    visits_off_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Visit(Base):
    """The return visit (回访) of one delivered order."""

    __tablename__ = "aftercare_visits"
    __table_args__ = (
        # The clock's scan: visits still to send or to remind, by when.
        Index("ix_aftercare_visits_due", "state", "due_at"),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"),
                                          unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    state: Mapped[str] = mapped_column(String(16), default=VISIT_PLANNED)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the send, then the reminder
    skipped_because: Mapped[str | None] = mapped_column(String(16))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Rating(Base):
    """One rating (1–5, optional comment) of one thing: asked once, given once."""

    __tablename__ = "aftercare_ratings"
    __table_args__ = (
        UniqueConstraint("subject", "subject_id"),
        CheckConstraint("score IS NULL OR score BETWEEN 1 AND 5", name="score"),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    subject: Mapped[str] = mapped_column(String(8))  # visit | claim | desk
    subject_id: Mapped[int] = mapped_column(Integer)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"))
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id", ondelete="SET NULL"))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    score: Mapped[int | None] = mapped_column(Integer)
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    comment: Mapped[str | None] = mapped_column(Text)
    comment_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ComplaintCase(Base):
    """A complaint (投诉): listened to, apologised for, solved, and closed with the member."""

    __tablename__ = "complaint_cases"
    __table_args__ = (
        # One case per trigger: a double tap or a re-delivered update opens nothing new.
        UniqueConstraint("trigger_key"),
        Index("ix_complaint_cases_state_due", "state", "apology_due_at"),
        IDS_NEVER_REUSED,
    )

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"))
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id", ondelete="SET NULL"))
    rating_id: Mapped[int | None] = mapped_column(
        ForeignKey("aftercare_ratings.id", ondelete="SET NULL"))
    opened_by: Mapped[str] = mapped_column(String(16))  # rating | still_unhappy | words | staff
    trigger_key: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(16))  # policy.CASE_REASONS
    what: Mapped[str | None] = mapped_column(Text)  # the member's own words, if any
    state: Mapped[str] = mapped_column(String(16), default=CASE_OPEN)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    apology_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    contacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution: Mapped[str | None] = mapped_column(String(16))  # RESOLUTIONS
    resolution_note: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopened: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)  # keys the member's questions


class CaseEvent(Base):
    """The audit trail of a case: every change of state, owner, reason or resolution."""

    __tablename__ = "complaint_case_events"
    __table_args__ = (IDS_NEVER_REUSED,)

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("complaint_cases.id", ondelete="CASCADE"),
                                         index=True)
    actor_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    action: Mapped[str] = mapped_column(String(24))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
