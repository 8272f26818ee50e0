"""Report benchmark: the analytics queries on PostgreSQL as the order items grow to 1M.

    .venv/bin/python benchmarks/report.py                         # 100k then 1M items
    .venv/bin/python benchmarks/report.py --steps 100000 300000   # other sizes
    .venv/bin/python benchmarks/report.py --database-url postgresql+asyncpg://...

A fresh schema on the server (dropped at the end), migrated by Alembic, then synthetic data
bulk-loaded with COPY: deals (batches) of ~200 one-item orders of 150 products from 12
suppliers, 6 couriers and 20 groups, delivered over the last 365 days; claims on 5% of the
orders (50k at 1M items), their evidence summary, reviews, refunds and coupons. After each
step the tables are ANALYZEd and every query of the report (the one pass over the lines, the
one over the claims, reasons, promises) and of the batch-alert check runs three times; the
table shows the median and the growth from the first step to the last. Target: each query <= 2 s at 1M items.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import signal
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402

from groupbot.analytics import alerts, cells, promises, rates  # noqa: E402
from groupbot.analytics.period import last_days  # noqa: E402
from groupbot.clock import FrozenClock  # noqa: E402
from groupbot.db import make_engine, upgrade  # noqa: E402
from groupbot.runtime import Runtime  # noqa: E402
from groupbot.settings import Settings  # noqa: E402

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
ORDERS_PER_DEAL = 200
MEMBERS = 20_000
PRODUCTS = [f"{fruit}{grade}" for fruit in ("芒果", "沃柑", "草莓", "车厘子", "榴莲", "苹果",
                                            "脐橙", "葡萄", "猕猴桃", "荔枝", "龙眼", "蓝莓",
                                            "石榴", "柚子", "火龙果")
            for grade in ("", "A", "B", "C", "D", "E", "F", "G", "H", "I")]
SUPPLIERS = [f"供应商{i}" for i in range(12)]
COURIERS = ["顺丰", "中通", "圆通", "韵达", "京东", "邮政"]
REASONS = ["rotten", "crushed", "missing", "wrong_item"]


class Loader:
    """Generates and COPYs the rows, keeping the next id of every table."""

    def __init__(self, conn: asyncpg.Connection, schema: str, community_id: int) -> None:
        self.conn, self.schema, self.community = conn, schema, community_id
        self.rng = random.Random(16)
        self.next = {t: 1 for t in ("members", "groups", "products", "deals", "orders",
                                    "order_items", "shipments", "claims", "claim_items",
                                    "claim_reviews", "refunds", "coupons")}

    def ids(self, table: str, n: int) -> range:
        start = self.next[table]
        self.next[table] += n
        return range(start, start + n)

    async def copy(self, table: str, columns: list[str], rows: list[tuple]) -> None:
        await self.conn.copy_records_to_table(table, records=rows, columns=columns,
                                              schema_name=self.schema)

    async def people(self) -> None:
        await self.copy("members", ["id", "telegram_id", "first_name", "created_at"],
                        [(i, 9_000_000 + i, f"买家{i}", NOW) for i in self.ids("members", MEMBERS)])
        await self.copy("groups", ["id", "community_id", "chat_id", "title", "chat_type", "active",
                                   "registered_at"],
                        [(i, self.community, -100_000 - i, f"团购群{i}", "supergroup", True, NOW)
                         for i in self.ids("groups", 20)])

    async def deals(self, count: int) -> int:
        """``count`` deals of ORDERS_PER_DEAL orders each; returns the order items added."""
        rng = self.rng
        products, deals, orders, items, shipments = [], [], [], [], []
        claims, claim_items, reviews, refunds, coupons = [], [], [], [], []
        for deal_id, product_id in zip(self.ids("deals", count), self.ids("products", count),
                                       strict=True):
            name = rng.choice(PRODUCTS)
            supplier = rng.choice(SUPPLIERS)
            group = rng.randrange(1, 21)
            delivered = NOW - timedelta(days=rng.uniform(0, 365))
            price = rng.randrange(300, 3000)
            products.append((product_id, self.community, name, "个", True, NOW, supplier))
            deals.append((deal_id, self.community, group, product_id, 1, "CNY", price, 0,
                          delivered - timedelta(days=2), "closed", False, NOW, None))
            bad = rng.random() < 0.03  # a few bad batches
            for member in rng.sample(range(1, MEMBERS + 1), ORDERS_PER_DEAL):
                [order_id] = self.ids("orders", 1)
                [item_id] = self.ids("order_items", 1)
                quantity = rng.randrange(1, 11)
                at = delivered + timedelta(minutes=rng.randrange(0, 600))
                orders.append((order_id, self.community, member, group, "deal", deal_id, "CNY", 0,
                               "delivered", at - timedelta(days=3), at - timedelta(days=1), at,
                               at - timedelta(days=3)))
                claimed = rng.random() < (0.2 if bad else 0.045)
                refunded = 0
                if claimed:
                    units = rng.randrange(1, quantity + 1)
                    [claim_id] = self.ids("claims", 1)
                    submitted = at + timedelta(hours=rng.uniform(1, 40))
                    outcome = rng.random()
                    status = ("paid" if outcome < 0.6 else "rejected" if outcome < 0.75
                              else "coupon" if outcome < 0.85 else "pending_review")
                    evidence = json.dumps({"checked": True, "tracking_match": rng.random() < 0.8,
                                           "goods_found": rng.random() < 0.9})
                    claims.append((claim_id, self.community, order_id, member, uuid.uuid4().hex,
                                   status, rng.choice(REASONS), "CNY", price * units, evidence,
                                   submitted, submitted + timedelta(days=2)))
                    [ci] = self.ids("claim_items", 1)
                    claim_items.append((ci, claim_id, item_id, units, price * units))
                    if status != "pending_review":
                        decided = submitted + timedelta(hours=rng.uniform(1, 60))
                        [rid] = self.ids("claim_reviews", 1)
                        reviews.append((rid, claim_id, 2, 1, False, status, decided))
                    if status == "paid":
                        refunded = price * units
                        [fid] = self.ids("refunds", 1)
                        refunds.append((fid, claim_id, self.community, member, "CNY", refunded,
                                        refunded, "computed", json.dumps({str(item_id): refunded}),
                                        False, decided, decided + timedelta(days=3), "paid",
                                        decided + timedelta(days=rng.uniform(0.2, 4))))
                    elif status == "coupon":
                        [cid] = self.ids("coupons", 1)
                        coupons.append((cid, self.community, member, claim_id, "CNY", 500, decided,
                                        decided + timedelta(days=30)))
                items.append((item_id, order_id, product_id, quantity, price, 0, price * quantity,
                              refunded))
                [sid] = self.ids("shipments", 1)
                shipments.append((sid, order_id, rng.choice(COURIERS), f"SF{order_id:012d}",
                                  at - timedelta(days=1), at))
        await self.copy("products", ["id", "community_id", "name", "unit", "perishable",
                                     "created_at", "supplier"], products)
        await self.copy("deals", ["id", "community_id", "group_id", "product_id", "organizer_id",
                                  "currency", "unit_price_minor", "reserved", "closes_at",
                                  "status", "card_dirty", "created_at", "supplier"], deals)
        await self.copy("orders", ["id", "community_id", "member_id", "group_id", "source",
                                   "deal_id", "currency", "discount_minor", "status", "placed_at",
                                   "shipped_at", "delivered_at", "created_at"], orders)
        await self.copy("order_items", ["id", "order_id", "product_id", "quantity",
                                        "unit_price_minor", "discount_minor", "paid_minor",
                                        "refunded_minor"], items)
        await self.copy("shipments", ["id", "order_id", "courier", "tracking_number",
                                      "shipped_at", "delivered_at"], shipments)
        await self.copy("claims", ["id", "community_id", "order_id", "member_id",
                                   "submission_key", "status", "reason", "currency",
                                   "refund_minor", "evidence", "submitted_at", "review_due_at"],
                        claims)
        await self.copy("claim_items", ["id", "claim_id", "order_item_id", "damaged_units",
                                        "amount_minor"], claim_items)
        await self.copy("claim_reviews", ["id", "claim_id", "version", "card_round", "auto",
                                          "decision", "decided_at"], reviews)
        await self.copy("refunds", ["id", "claim_id", "community_id", "member_id", "currency",
                                    "amount_minor", "computed_minor", "how", "lines", "auto",
                                    "decided_at", "payout_due_at", "status", "paid_at"], refunds)
        await self.copy("coupons", ["id", "community_id", "member_id", "claim_id", "currency",
                                    "amount_minor", "issued_at", "expires_at"], coupons)
        return len(items)


async def timed(rt: Runtime, label: str, make) -> tuple[str, float, str]:
    runs, result = [], None
    for _ in range(3):
        async with rt.tx() as session:
            await rates.tune(session)  # as the report and the alert check do
            started = time.perf_counter()
            result = await make(session)
            runs.append(time.perf_counter() - started)
    rows = len(result) if isinstance(result, list | dict) else 1
    return label, statistics.median(runs), f"{rows} rows"


async def measure(rt: Runtime, per_dimension: bool) -> list[tuple[str, float, str]]:
    c, m = rt.community_id, rt.settings.analytics_min_units
    out = []
    for days in (30, 365):
        period = last_days(days, rt.settings.tz, NOW)
        # What the report runs: every dimension in one pass over the lines, one over the claims.
        out.append(await timed(rt, f"lines, every dimension ({days} d)",
                               lambda s, p=period: cells._lines(s, c, p)))
        out.append(await timed(rt, f"claims, every dimension ({days} d)",
                               lambda s, p=period: cells._claims(s, c, p)))
        out.append(await timed(rt, f"lines, every dimension, joined live ({days} d)",
                               lambda s, p=period: cells._lines(s, c, p, live=True)))
        out.append(await timed(rt, f"claims, every dimension, joined live ({days} d)",
                               lambda s, p=period: cells._claims(s, c, p, live=True)))
        if per_dimension:  # the old way, one query pair per dimension, for comparison
            for dimension in (rates.TOTAL, *rates.DIMENSIONS):
                out.append(await timed(rt, f"per dimension: {dimension} ({days} d)",
                                       lambda s, d=dimension, p=period:
                                       rates.figures(s, c, p, d, m)))
        out.append(await timed(rt, f"reasons ({days} d)",
                               lambda s, p=period: rates.top_reasons(s, c, p)))
        out.append(await timed(rt, f"promises ({days} d)",
                               lambda s, p=period: promises.promises(s, c, p, NOW, m)))
    out.append(await timed(rt, "alert: watched batches", lambda s: alerts.watched_batches(s, rt)))

    async def one_check(session):
        watched = await alerts.watched_batches(session, rt)
        deal, name, first = watched[0]
        return await alerts.check_batch(session, rt, deal, name, first)

    out.append(await timed(rt, "alert: one batch vs baseline", one_check))
    return out


async def _trigger_cost(conn: asyncpg.Connection, lines: int = 2000) -> tuple[float, float]:
    """ms per order line of an UPDATE of refunded_minor (what a payout writes), with the
    report_lines trigger and without it; rolled back."""
    out = []
    for role in ("origin", "replica"):
        tx = conn.transaction()
        await tx.start()
        try:
            await conn.execute(f"SET LOCAL session_replication_role = {role}")
            started = time.perf_counter()
            for first in range(1, lines + 1, 200):
                await conn.execute("UPDATE order_items SET refunded_minor = refunded_minor "
                                   "WHERE id >= $1 AND id < $2", first, first + 200)
            out.append((time.perf_counter() - started) * 1000 / lines)
        finally:
            await tx.rollback()
    return out[0], out[1]


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--steps", type=int, nargs="+", default=[100_000, 1_000_000],
                        help="order item counts to measure at (growing)")
    parser.add_argument("--per-dimension", action="store_true",
                        help="also time the per-dimension queries the one pass replaced")
    args = parser.parse_args()
    dsn = args.database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(dsn)
    await conn.execute(f'CREATE SCHEMA "{schema}"')
    engine = make_engine(args.database_url, schema=schema)
    # Stopped with kill (or Ctrl-C): still drop the schema in ``finally``.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        await upgrade(engine)
        rt = Runtime.create(Settings(database_url=args.database_url), clock=FrozenClock(NOW),
                            engine=engine)
        community = await conn.fetchval(
            f'INSERT INTO "{schema}".communities (title, created_at) VALUES ($1, $2) RETURNING id',
            "benchmark", NOW)
        rt.community_id = community
        loader = Loader(conn, schema, community)
        await loader.people()
        loaded, results, upkeep = 0, {}, {}
        for target in args.steps:
            started = time.perf_counter()
            # COPY with the report_lines triggers off (one refresh per copied row would be a
            # slow way to fill it), then one rebuild, as after any bulk load.
            await conn.execute("SET session_replication_role = replica")
            while loaded < target:
                loaded += await loader.deals(min(500, (target - loaded) // ORDERS_PER_DEAL or 1))
            await conn.execute(f'SET session_replication_role = origin; SET search_path TO "{schema}"')
            rebuilt = time.perf_counter()
            await conn.fetchval("SELECT report_lines_rebuild()")
            upkeep[loaded] = {"rebuild": time.perf_counter() - rebuilt,
                              "trigger": await _trigger_cost(conn)}
            await conn.execute("ANALYZE")
            claims = await conn.fetchval(f'SELECT count(*) FROM "{schema}".claims')
            print(f"loaded {loaded:,} order items, {claims:,} claims "
                  f"in {time.perf_counter() - started:.0f} s", file=sys.stderr)
            results[loaded] = await measure(rt, args.per_dimension)
        sizes = list(results)
        ratio = len(sizes) > 1
        header = "| query | " + " | ".join(f"{n:,} items (ms)" for n in sizes)
        print(header + (f" | {sizes[-1]:,} ÷ {sizes[0]:,} |" if ratio else " |"))
        print("|---|" + "---:|" * (len(sizes) + ratio))
        for i, (label, _, rows) in enumerate(results[sizes[-1]]):
            times = [results[n][i][1] for n in sizes]
            row = " | ".join(f"{t * 1000:.0f}" for t in times)
            if ratio:
                row += f" | {times[-1] / times[0]:.1f}" if times[0] else " | -"
            print(f"| {label} ({rows}) | {row} |")
        for n in sizes:
            print(f"report_lines at {n:,} items: rebuild {upkeep[n]['rebuild']:.1f} s; "
                  f"a refund written with its trigger {upkeep[n]['trigger'][0]:.2f} ms a line, "
                  f"without {upkeep[n]['trigger'][1]:.2f} ms")
        worst = max(t for label, t, _ in results[sizes[-1]]
                    if "joined live" not in label and "per dimension" not in label)
        print(f"\nslowest query at {sizes[-1]:,} items: {worst * 1000:.0f} ms "
              f"({'within' if worst <= 2 else 'OVER'} the 2 s target)")
    finally:
        await engine.dispose()
        await conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await conn.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
