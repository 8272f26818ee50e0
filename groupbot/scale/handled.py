"""An update's first committed write also records the update as done, in that transaction.

Polled updates are kept until done (handlers/polling.py) and webhook updates are recorded when
taken (``UpdateLedger``); either way, one a process was handling when it died is handled again
after the restart, or by the replica Telegram delivers it to next. If its decision had already
committed (a deal created, an amount entered), handling it again would repeat that decision.
So the processor says which update this task is handling (``handling``), and the first
transaction of that task that writes marks the update done before it commits: a crash after
that commit leaves nothing to repeat (what the person must not miss is in the outbox of that
same transaction); a crash before it leaves the update to be handled again from the start. An
update whose handler never writes is marked done by the processor afterwards.
"""

from __future__ import annotations

import asyncio
import contextvars
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from groupbot.models.scale import UPDATE_DONE, TakenUpdate

_WROTE = "groupbot.wrote"
_MARKS = "groupbot.marks_update_done"


@dataclass
class Handling:
    update_id: int
    chat_key: int
    holder: str
    task: asyncio.Task[Any] | None = field(default_factory=asyncio.current_task)
    done: bool = False  # a transaction of this task committed the mark


handling: contextvars.ContextVar[Handling | None] = contextvars.ContextVar(
    "handling_update", default=None)


def done_statement(dialect: str, update_id: int, chat_key: int, holder: str) -> Any:
    return done_rows(dialect, [(update_id, chat_key)], holder)


def done_rows(dialect: str, updates: list[tuple[int, int]], holder: str) -> Any:
    """Upsert ``(update_id, chat_key)`` as done: each may be kept (polling), taken (webhook)
    or not written yet (a quick update done before its batch's keep committed, which then
    changes nothing)."""
    now = datetime.now(UTC)
    insert = (pg_insert if dialect == "postgresql" else sqlite_insert)(TakenUpdate).values([
        {"update_id": update_id, "chat_key": chat_key, "status": UPDATE_DONE, "holder": holder,
         "taken_at": now, "done_at": now, "payload": None, "refed": 0}
        for update_id, chat_key in updates])
    return insert.on_conflict_do_update(
        index_elements=["update_id"],
        set_={"status": UPDATE_DONE, "done_at": now, "payload": None})


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _flush: UOWTransaction) -> None:
    session.info[_WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _statement(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_WROTE] = True


@event.listens_for(Session, "before_commit")
def _with_the_first_write(session: Session) -> None:
    now = handling.get()
    if (now is None or now.done or not session.info.pop(_WROTE, False)
            or _current_task() is not now.task):
        return  # another task that inherited the context (a kicked tick) marks nothing
    session.execute(done_statement(session.get_bind().dialect.name, now.update_id,
                                   now.chat_key, now.holder))
    session.info[_MARKS] = now


@event.listens_for(Session, "after_commit")
def _marked(session: Session) -> None:
    if (now := session.info.pop(_MARKS, None)) is not None:
        now.done = True


@event.listens_for(Session, "after_rollback")
def _not_marked(session: Session) -> None:
    session.info.pop(_MARKS, None)
    session.info.pop(_WROTE, None)


def _current_task() -> asyncio.Task[Any] | None:
    try:
        return asyncio.current_task()
    except RuntimeError:  # no running loop (a synchronous script)
        return None
