"""Claiming due rows so that any number of processes may work on them at once.

``claimable(select(...))`` locks the rows it returns until the transaction ends and skips rows
another transaction holds (PostgreSQL ``FOR UPDATE SKIP LOCKED``): two processes picking the
outbox's due messages get disjoint sets, and the status each writes before committing keeps the
rows from being picked again. SQLite (one process, one writer) ignores the clause.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select

S = TypeVar("S", bound=Select[Any])


def claimable(statement: S, *, of: Any = None) -> S:
    return statement.with_for_update(skip_locked=True, of=of)
