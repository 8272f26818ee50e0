"""Heartbeats: every bot process and evidence worker refreshes its row every few seconds, so
``groupbot status`` shows who runs and who leads; a row silent for longer than the lease is a
process that died (what it held — outbox rows, updates — is taken over after its lease)."""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from groupbot.models.scale import PhotoCheckJob, ProcessBeat
from groupbot.scale.updates import UpdateLedger, process_id, wall_now

FORGET_AFTER = timedelta(hours=1)  # a dead process's row stays this long for `status`


def me(rt: Any) -> str:
    """This process's id (one per Runtime, so two Applications in one test are two)."""
    found = rt.extras.get("scale.process_id")
    if found is None:
        found = rt.extras["scale.process_id"] = process_id()
    return found


async def beat(rt: Any, kind: str, mode: str, leading: bool) -> None:
    now = wall_now()
    insert = pg_insert if rt.engine.dialect.name == "postgresql" else sqlite_insert
    started: datetime = rt.extras.setdefault("scale.started_at", now)
    values = {"id": me(rt), "kind": kind, "host": socket.gethostname()[:255], "pid": os.getpid(),
              "mode": mode, "leading": leading, "started_at": started, "seen_at": now}
    statement = insert(ProcessBeat).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=["id"], set_={"seen_at": now, "leading": leading, "mode": mode})
    async with rt.tx() as session:
        await session.execute(statement)


async def leave(rt: Any) -> None:
    """A clean stop: the row goes at once instead of going stale."""
    async with rt.tx() as session:
        await session.execute(delete(ProcessBeat).where(ProcessBeat.id == me(rt)))


async def housekeeping(rt: Any, sender: Any) -> None:
    """The leader's tidying: forget long-dead processes and old update records."""
    async with rt.tx() as session:
        await session.execute(delete(ProcessBeat).where(
            ProcessBeat.seen_at < wall_now() - FORGET_AFTER))
        await session.execute(delete(PhotoCheckJob).where(  # a member's retry comes sooner
            PhotoCheckJob.created_at < wall_now() - timedelta(days=1)))
    await UpdateLedger(rt, me(rt)).forget_old()
