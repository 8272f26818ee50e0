"""What the growth and backlog benchmarks share: a migrated database of either kind, the
community and one buyer with one delivered order, bulk rows made by the database itself, and
a median timer. Not a test helper: the benchmarks are run by hand."""

from __future__ import annotations

import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, text

from groupbot.clock import FrozenClock
from groupbot.db import make_engine, upgrade
from groupbot.models import Order, Product, UTCDateTime
from groupbot.orders import NewItem, create_order
from groupbot.people import Person, ensure_community, upsert_member
from groupbot.runtime import Runtime
from groupbot.settings import Settings

PG_URL = "postgresql://postgres@127.0.0.1:5432/test"


@asynccontextmanager
async def runtime_on(backend: str, pg_url: str = PG_URL) -> AsyncIterator[Runtime]:
    """A runtime on a fresh SQLite file or a fresh PostgreSQL schema, dropped afterwards."""
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with tempfile.TemporaryDirectory(prefix="groupbot-bench-") as tmp:
        if backend == "sqlite":
            url, engine = f"sqlite:///{Path(tmp) / 'bench.db'}", None
        else:
            url = pg_url
            admin = make_engine(pg_url)
            async with admin.begin() as conn:
                await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            await admin.dispose()
        engine = make_engine(url, schema=schema if backend == "postgres" else None)
        try:
            await upgrade(engine)
            rt = Runtime.create(Settings(database_url=url), engine=engine,
                                clock=FrozenClock(datetime(2026, 11, 20, 2, 0, tzinfo=UTC)))
            yield rt
        finally:
            await engine.dispose()
            if backend == "postgres":
                admin = make_engine(pg_url)
                async with admin.begin() as conn:
                    await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                await admin.dispose()


async def buyer_with_order(rt: Runtime) -> tuple[int, int]:
    """(member id, order id) of one buyer: the claims the benchmarks make all point at it."""
    async with rt.tx() as s:
        community = await ensure_community(s, rt.settings)
        rt.community_id = community.id
        member = await upsert_member(s, Person(telegram_id=9_000_001, first_name="小明"))
        product = Product(community_id=community.id, name="沃柑", unit="个", perishable=True)
        s.add(product)
        await s.flush()
        order: Order
        order, _ = await create_order(s, rt, member=member, group=None, source="api",
                                      items=[NewItem(product, 10, Decimal("5.00"))])
        return member.id, order.id


def numbers(backend: str, start: int, count: int) -> str:
    """A derived table ``n(x)`` of the integers start+1 .. start+count, made by the database."""
    if backend == "sqlite":
        return (f"(WITH RECURSIVE c(x) AS (SELECT {start + 1} UNION ALL SELECT x + 1 FROM c "
                f"WHERE x < {start + count}) SELECT x FROM c) AS n")
    return f"(SELECT generate_series({start + 1}, {start + count}) AS x) AS n"


def random64(backend: str) -> str:
    """A uniformly random signed 64-bit integer, per row."""
    if backend == "sqlite":
        return "random()"
    return "(floor(random() * 4294967296)::bigint << 32 | floor(random() * 4294967296)::bigint)"


def when(name: str) -> Any:
    """A bind parameter for a UTC datetime, stored as the models store it."""
    return bindparam(name, type_=UTCDateTime)


async def claims_in_bulk(rt: Runtime, backend: str, start: int, count: int, member_id: int,
                         order_id: int, status: str, submitted: datetime,
                         due: datetime, *, own_orders: bool = False) -> None:
    """Claims start+1 .. start+count (explicit ids), made by one INSERT … SELECT. With
    ``own_orders`` each claim gets an order of its own, a copy of ``order_id`` (as claims
    are spread over orders in a real community): with all of them on one order, the planner
    statistics say an order has as many claims as the community and plans around that."""
    order_of = ":o"
    if own_orders:
        async with rt.tx() as s:
            first = await s.scalar(text("SELECT max(id) FROM orders"))
            await s.execute(text(
                "INSERT INTO orders (id, community_id, member_id, source, currency, "
                "discount_minor, status, placed_at, shipped_at, delivered_at, created_at) "
                "SELECT x, community_id, member_id, source, currency, discount_minor, status, "
                "placed_at, shipped_at, delivered_at, created_at "
                f"FROM orders, {numbers(backend, first, count)} WHERE orders.id = :o"),
                {"o": order_id})
        await sequences_past_explicit_ids(rt, backend, "orders")
        order_of = f"x - {start} + {first}"
    async with rt.tx() as s:
        await s.execute(text(
            "INSERT INTO claims (id, community_id, order_id, member_id, submission_key, status, "
            "reason, currency, refund_minor, submitted_at, review_due_at) "
            f"SELECT x, :c, {order_of}, :m, 'bench-' || x, :status, 'rotten', 'CNY', 1000, "
            f":submitted, :due FROM {numbers(backend, start, count)}")
            .bindparams(when("submitted"), when("due")),
            {"c": rt.community_id, "o": order_id, "m": member_id, "status": status,
             "submitted": submitted, "due": due})


async def sequences_past_explicit_ids(rt: Runtime, backend: str, *tables: str) -> None:
    """PostgreSQL sequences do not see explicit ids: move them past the bulk rows."""
    if backend != "postgres":
        return
    async with rt.tx() as s:
        for table in tables:
            await s.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                 f"(SELECT coalesce(max(id), 1) FROM {table}))"))


async def analyse(rt: Runtime, *tables: str) -> None:
    """Fresh planner statistics after a bulk load (autovacuum would do it in production)."""
    async with rt.engine.connect() as conn:
        if rt.engine.dialect.name == "postgresql":  # and the visibility map: index-only scans
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text(f"VACUUM ANALYZE {', '.join(tables)}"))
        else:
            await conn.execute(text("ANALYZE"))
            await conn.commit()


async def median_ms(run: Callable[[], Awaitable[Any]], repeat: int) -> tuple[float, float]:
    """(median, max) wall time in ms of ``repeat`` runs after one warm-up run."""
    times = await times_ms(run, repeat)
    return statistics.median(times), max(times)


async def times_ms(run: Callable[[], Awaitable[Any]], repeat: int) -> list[float]:
    """The wall times in ms of ``repeat`` runs after one warm-up run."""
    await run()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        await run()
        times.append((time.perf_counter() - t0) * 1000)
    return times
