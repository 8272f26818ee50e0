"""Backlog benchmark: the review queue and the periodic tick's jobs with a big backlog.

    .venv/bin/python benchmarks/backlog.py                         # 1k and 100k; both backends
    .venv/bin/python benchmarks/backlog.py --sizes 1000,10000 --backends sqlite

A backlog of N claims pending review in their steady state (card posted, re-announced and
escalated long ago, as the clocks leave them), N/10 approved claims whose refunds are due and
were reminded, N sent outbox messages, and a handful of fresh claims just posted. Rows are
made in bulk by the database. Then each query a reviewer or the tick runs is timed: the
queue pages and counts in a rolled-back transaction, the tick's jobs as the bot runs them
(every one finds nothing to do, so the state stays the same and it is pure query cost; a
send would stop the run). Target: each at N = 100k within 2× its time at N = 1k. Not a test:
prints a table.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

import handlers.reviews_cards  # noqa: E402
from benchmarks.seeding import (  # noqa: E402
    analyse,
    buyer_with_order,
    claims_in_bulk,
    median_ms,
    numbers,
    runtime_on,
    sequences_past_explicit_ids,
    when,
)
from groupbot import claims, deal_card, deals, outbox_dispatch  # noqa: E402
from groupbot.broadcasts.schedule import start_due  # noqa: E402
from groupbot.models.claims import CLAIM_APPROVED, CLAIM_PENDING  # noqa: E402
from groupbot.reviews import clocks, payouts, queue  # noqa: E402
from groupbot.runtime import Runtime  # noqa: E402

FRESH = 10
TABLES = ("claims", "claim_reviews", "review_cards", "refunds", "outbox")


class NothingToSend:
    """The tick's sender: in the steady state nothing is due, so any send is a seeding bug."""

    async def send(self, chat_id: int, text: str, buttons: Any = None,
                   photo: bytes | None = None) -> int:
        raise AssertionError(f"the backlog benchmark sent something to {chat_id}: {text[:60]}")

    async def edit(self, chat_id: int, message_id: int, text: str, buttons: Any = None) -> None:
        raise AssertionError(f"the backlog benchmark edited a message in {chat_id}")


async def seed(rt: Runtime, backend: str, size: int) -> None:
    member_id, order_id = await buyer_with_order(rt)
    now = rt.clock.now()
    await claims_in_bulk(rt, backend, 0, size, member_id, order_id, CLAIM_PENDING,
                         now - timedelta(days=3), now - timedelta(days=1))
    await claims_in_bulk(rt, backend, size, FRESH, member_id, order_id, CLAIM_PENDING,
                         now - timedelta(hours=1), now + timedelta(hours=47))
    approved = size // 10
    await claims_in_bulk(rt, backend, size + FRESH, approved, member_id, order_id,
                         CLAIM_APPROVED, now - timedelta(days=9), now - timedelta(days=7))
    old = {"reannounced": now - timedelta(days=2), "escalated": now - timedelta(days=1),
           "reminded": now - timedelta(days=1), "due": now - timedelta(days=2), "now": now}
    params = {"c": rt.community_id, "m": member_id, "pending": CLAIM_PENDING,
              "approved": CLAIM_APPROVED, "fresh_from": size + 1, **old}
    false = "0" if backend == "sqlite" else "false"
    statements = [
        # Every claim has its review row; the old pending ones were re-announced and escalated.
        "INSERT INTO claim_reviews (claim_id, version, cards_version, card_posted_at, card_round, auto, "
        "reannounced_at, escalated_at, decision, decided_at) "
        f"SELECT id, 1, 1, submitted_at, 1, {false}, "
        "CASE WHEN status = :pending AND id < :fresh_from THEN :reannounced END, "
        "CASE WHEN status = :pending AND id < :fresh_from THEN :escalated END, "
        "CASE WHEN status = :approved THEN 'approve' END, "
        "CASE WHEN status = :approved THEN :now END FROM claims",
        # One posted card per claim, showing its current version.
        "INSERT INTO review_cards (claim_id, chat_id, message_id, locale, version, card_round, "
        "posted_at) SELECT id, -1001, id, 'zh-Hans', 1, 1, submitted_at FROM claims",
        # The approved claims' refunds: due, past their deadline, reminded.
        "INSERT INTO refunds (claim_id, community_id, member_id, currency, amount_minor, "
        "computed_minor, how, lines, auto, decided_at, payout_due_at, status, reminded_at) "
        f"SELECT id, :c, :m, 'CNY', 1000, 1000, 'computed', '{{}}', {false}, :now, :due, "
        "'due', :reminded FROM claims WHERE status = :approved",
        # What the bot has sent over time.
        "INSERT INTO outbox (key, kind, community_id, chat_id, member_id, text, status, "
        "not_before, attempts, created_at, sent_at) "
        "SELECT 'bench:' || x, 'claim_status', :c, 9000001, :m, '…', 'sent', :due, 1, :due, "
        f":due FROM {numbers(backend, 0, size)}",
    ]
    dates = [when(k) for k in ("reannounced", "escalated", "reminded", "due", "now")]
    async with rt.tx() as s:
        for sql in statements:
            used = [d for d in dates if f":{d.key}" in sql]
            await s.execute(text(sql).bindparams(*used),
                            {k: v for k, v in params.items() if f":{k}" in sql})
    await sequences_past_explicit_ids(rt, backend, *TABLES)
    await analyse(rt, *TABLES)


def rolled_back(rt: Runtime, query: Callable[..., Awaitable[Any]]) -> Callable[[], Awaitable[Any]]:
    async def run() -> Any:
        async with rt.sessionmaker() as session:
            try:
                return await query(session, rt)
            finally:
                await session.rollback()

    return run


def as_ticked(rt: Runtime, job: Callable[..., Awaitable[Any]]) -> Callable[[], Awaitable[Any]]:
    sender = NothingToSend()

    async def run() -> Any:
        return await job(rt, sender)

    return run


def timed(rt: Runtime) -> list[tuple[str, Callable[[], Awaitable[Any]]]]:
    return [
        ("/queue: oldest 10 pending", rolled_back(rt, queue.pending)),
        ("/queue: waiting for photos", rolled_back(rt, queue.waiting_for_photos)),
        ("/payouts: due refunds", rolled_back(rt, payouts.due)),
        ("tick: deals.close_due", as_ticked(rt, deals.close_due)),
        ("tick: deals.refresh_cards", as_ticked(rt, deal_card.refresh_cards)),
        ("tick: claims.idle_out", as_ticked(rt, claims.idle_out)),
        ("tick: reviews_cards.post_cards", as_ticked(rt, handlers.reviews_cards.post_cards)),
        ("tick: review clocks", as_ticked(rt, clocks.run)),
        ("tick: reviews_cards.refresh_cards",
         as_ticked(rt, handlers.reviews_cards.refresh_cards)),
        ("tick: broadcasts start_due", lambda: start_due(rt)),
        ("tick: outbox_dispatch.dispatch_due", as_ticked(rt, outbox_dispatch.dispatch_due)),
    ]


async def measure(backend: str, sizes: list[int], repeat: int, pg_url: str) -> dict:
    results: dict[tuple[str, int], float] = {}
    for size in sizes:
        async with runtime_on(backend, pg_url) as rt:
            await seed(rt, backend, size)
            for name, run in timed(rt):
                results[(name, size)], _worst = await median_ms(run, repeat)
        print(f"  {backend} {size:,} done", flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print("| backend | query | " + " | ".join(f"{s:,} pending (ms)" for s in sizes)
          + f" | {sizes[-1]:,} ÷ {sizes[0]:,} |")
    table = []
    for backend in args.backends.split(","):
        results = asyncio.run(measure(backend, sizes, args.repeat, args.database_url))
        names = dict.fromkeys(name for name, _ in results)
        for name in names:
            cells = [results[(name, s)] for s in sizes]
            table.append(f"| {backend} | {name} | " + " | ".join(f"{c:.2f}" for c in cells)
                         + f" | {cells[-1] / cells[0]:.2f} |")
    print("| --- | --- | " + " | ".join("---:" for _ in sizes) + " | ---: |")
    print("\n".join(table))


if __name__ == "__main__":
    main()
