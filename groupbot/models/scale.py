"""What several processes share about themselves: who is running (heartbeats, who leads) and
which Telegram updates were taken (so one delivered twice is handled once)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from groupbot.models.base import Base, UTCDateTime

PROCESS_BOT = "bot"
PROCESS_WORKER = "worker"

UPDATE_TAKEN = "taken"  # a process is handling it (or died doing so: its lease tells)
UPDATE_DONE = "done"


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
    (Telegram retries, or a load balancer's) finds it and is not handled again."""

    __tablename__ = "scale_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_key: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))
    holder: Mapped[str] = mapped_column(String(80))
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
