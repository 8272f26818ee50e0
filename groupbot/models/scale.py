"""What several processes share about themselves: who is running (heartbeats, who leads),
which Telegram updates were taken (so one delivered twice is handled once), and the photo
checks handed to evidence workers (their input and their findings)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from groupbot.models.base import IDS_NEVER_REUSED, Base, PrimaryKey, UTCDateTime

PROCESS_BOT = "bot"
PROCESS_WORKER = "worker"

UPDATE_RECEIVED = "received"  # polled and kept, not handled yet (handlers/polling.py)
UPDATE_TAKEN = "taken"  # a process is handling it (or died doing so: its lease tells)
UPDATE_DONE = "done"

CHECK_QUEUED = "queued"
CHECK_DONE = "done"


class ProcessBeat(Base):
    """One row per running bot process or evidence worker, refreshed every few seconds."""

    __tablename__ = "scale_processes"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)  # host:pid:random
    kind: Mapped[str] = mapped_column(String(16))
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    mode: Mapped[str] = mapped_column(String(16))  # polling, webhook, worker
    leading: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class TakenUpdate(Base):
    """A Telegram update some process took: ``update_id`` is unique, so a second delivery
    (Telegram retries, or a load balancer's) finds it and is not handled again.

    In polling mode the update itself is kept here (``payload``) from the moment it is
    fetched until it is done, so a restart handles what a crash left in the queue."""

    __tablename__ = "scale_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_key: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))
    holder: Mapped[str] = mapped_column(String(80))
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # dropped once done
    refed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # restarts


class PhotoCheckJob(Base):
    """One photo for an evidence worker: the bytes the bot downloaded, then the findings.

    ``key`` (sha-256 of the photo, the expected numbers and the OCR mode) is unique, so the
    same photo asked again — a redelivered update, a retried job — is analysed once."""

    __tablename__ = "scale_photo_checks"
    __table_args__ = (IDS_NEVER_REUSED,)

    id: Mapped[int] = mapped_column(PrimaryKey, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    expected: Mapped[list[str]] = mapped_column(JSON)
    ocr_mode: Mapped[str] = mapped_column(String(16))
    data: Mapped[bytes | None] = mapped_column(LargeBinary)  # dropped once analysed
    status: Mapped[str] = mapped_column(String(16))
    findings: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    runs: Mapped[int] = mapped_column(Integer, default=0)  # analyses recorded (1 when done)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
