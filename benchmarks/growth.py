"""Growth benchmark: claim submit as the community's earlier photos pile up (issue 11).

    .venv/bin/python benchmarks/growth.py                          # 1k, 10k, 100k, 1M; both
    .venv/bin/python benchmarks/growth.py --sizes 1000,10000 --backends sqlite   # quick

The first claim holds one real photo (its hash and band rows written the way claim submit
writes them). Then earlier photos are added in bulk (uniformly random 64-bit pHashes, six
photos a claim, with their band rows exactly as submit writes them), up to each size in turn.
At each size three things are timed, median (and minimum) of ``--repeat`` runs after a
warm-up (at the first size, after a whole untimed round of them):

* ``evidence_for`` for a new claim of three photos with no look-back — the same-file lookup,
  the band lookup with every crop probe of each photo, the exact Hamming check, the verdict
  (what submit pays for photos stored without a look-back);
* a photo's look-back (``reuse_lookup.look_back``): the band lookup that photo intake runs
  once each photo is checked, while the member waits for that photo's check anyway;
* the member's whole submit tap, through the bot's own handler
  (``handlers.claim_submit.submit_tap``), of a draft whose photos looked back: the re-use
  lookup in its read-only session (the look-backs' finds and the photos stored since), then
  the write unit that creates the claim and queues "submitted", committed. Telegram is a
  stub that answers at once, and the outbox send the commit kicks off is not run.

The claim's first photo is a cropped (8% / 4%), resized copy of the first claim's photo: the
table says whether both paths still name the first claim. Not a test: prints a table.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import sys
import time
from collections.abc import Iterator
from decimal import Decimal
from itertools import repeat
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402
from sqlalchemy import delete, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.orm import selectinload  # noqa: E402
from telegram import Update  # noqa: E402

from benchmarks.seeding import (  # noqa: E402
    analyse,
    buyer_with_order,
    claims_in_bulk,
    runtime_on,
    sequences_past_explicit_ids,
    times_ms,
)
from groupbot import claims, drafts, policy  # noqa: E402
from groupbot.evidence import phash_image, reuse_probes  # noqa: E402
from groupbot.models import Claim, ClaimPhoto, Draft, Order, OutboxMessage, Product  # noqa: E402
from groupbot.models.claims import CLAIM_APPROVED  # noqa: E402
from groupbot.models.photo_bands import band_rows, block_values  # noqa: E402
from groupbot.orders import NewItem, create_order  # noqa: E402
from groupbot.people import Person, mark_started, upsert_member  # noqa: E402
from groupbot.photo_check import PhotoCheck  # noqa: E402
from groupbot.reviews.evidence import evidence_for, known_photos  # noqa: E402
from groupbot.reviews.reuse_lookup import look_back  # noqa: E402
from groupbot.runtime import Runtime  # noqa: E402
from groupbot.shipping import mark_delivered, mark_shipped  # noqa: E402
from handlers.claim_submit import submit_tap  # noqa: E402
from handlers.common import RUNTIME_KEY  # noqa: E402

SUBMITTER = 9_000_002  # the member whose submit is timed
PHOTOS_PER_CLAIM = 6


def picture(seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    noise = rng.integers(0, 255, (48, 64, 3), dtype=np.uint8)
    return Image.fromarray(noise).resize((640, 480), Image.Resampling.BICUBIC)


def stored(image: Image.Image) -> dict:
    return {"reuse_probes": list(reuse_probes(image)), "goods_found": True,
            "waybill_found": False, "numbers": [], "tracking_match": False,
            "goods_score": 0.9, "damage_score": 0.5, "problems": []}


def photo(claim: Claim, position: int, image: Image.Image, unique: str) -> ClaimPhoto:
    return ClaimPhoto(claim_id=claim.id, community_id=claim.community_id, position=position,
                      file_id=f"file-{unique}", file_unique_id=unique,
                      phash=phash_image(image), findings=stored(image))


async def first_claim(rt: Runtime, member_id: int, order_id: int) -> int:
    async with rt.tx() as s:
        claim = Claim(community_id=rt.community_id, order_id=order_id, member_id=member_id,
                      submission_key="first", status=CLAIM_APPROVED, reason="rotten",
                      currency="CNY", refund_minor=1000, submitted_at=rt.clock.now(),
                      review_due_at=rt.clock.now())
        s.add(claim)
        await s.flush()
        s.add(photo(claim, 1, picture(1), "first-photo"))  # band rows by the mapper event
        return claim.id


async def add_photos(rt: Runtime, backend: str, count: int, member_id: int,
                     order_id: int, seed: int) -> float:
    """``count`` more synthetic photos, with their claims and band rows; the load's seconds.

    The hashes are drawn here (numpy, uniform over the 64 bits, ``seed``: the same photos on
    both backends) and go in through the raw driver in one transaction. The band rows are
    exactly ``band_rows``' (checked on a sample), written in the band index's key order: a
    B-tree filled in key order appends instead of splitting pages all over, which is what
    made 28M rows in random order take hours. The secondary index (and on PostgreSQL the
    primary key and the foreign-key checks) are built after the load, by one sort each.
    """
    t0 = time.perf_counter()
    async with rt.tx() as s:
        last_claim = await s.scalar(text("SELECT max(id) FROM claims"))
        last_photo = await s.scalar(text("SELECT coalesce(max(id), 0) FROM claim_photos"))
    now = rt.clock.now()
    await claims_in_bulk(rt, backend, last_claim, -(-count // PHOTOS_PER_CLAIM), member_id,
                         order_id, CLAIM_APPROVED, now, now, own_orders=True)
    rng = np.random.default_rng(seed)
    hashes = rng.integers(np.iinfo(np.int64).min, np.iinfo(np.int64).max, count,
                          dtype=np.int64, endpoint=True)  # the stored signed 64 bits
    ids = np.arange(last_photo + 1, last_photo + 1 + count, dtype=np.int64)
    nth = ids - (last_photo + 1)
    claim_ids = last_claim + 1 + nth // PHOTOS_PER_CLAIM
    positions = nth % PHOTOS_PER_CLAIM + 1
    _check_bands(rt.community_id, ids[:50], hashes[:50])
    if backend == "sqlite":
        await _load_sqlite(rt, ids, claim_ids, positions, hashes)
    else:
        await _load_postgres(rt, ids, claim_ids, positions, hashes)
    await sequences_past_explicit_ids(rt, backend, "claims", "claim_photos")
    await analyse(rt, "orders", "claims", "claim_photos", "photo_hash_bands")
    return time.perf_counter() - t0


def _photo_rows(community_id: int, ids: np.ndarray, claim_ids: np.ndarray,
                positions: np.ndarray, hashes: np.ndarray) -> Iterator[tuple]:
    for i, c, p, h in zip(ids.tolist(), claim_ids.tolist(), positions.tolist(),
                          hashes.view(np.uint64).tolist(), strict=True):
        yield (i, c, community_id, p, f"f{i}", f"u{i}", f"{h:016x}")


def _band_columns(hashes: np.ndarray, ids: np.ndarray) -> Iterator[tuple[int, list, list, list]]:
    """Per block (the index's second key column): band values, hashes, photo ids, in the
    index's key order."""
    for n, values in enumerate(block_values(hashes)):
        order = np.lexsort((ids, hashes, values))
        yield n, values[order].tolist(), hashes[order].tolist(), ids[order].tolist()


def _check_bands(community_id: int, ids: np.ndarray, hashes: np.ndarray) -> None:
    """The bulk rows must be the rows submit writes (photo_bands.band_rows)."""
    want = sorted((r["band_no"], r["band_value"], r["phash"], r["photo_id"])
                  for i, h in zip(ids.tolist(), hashes.view(np.uint64).tolist(), strict=True)
                  for r in band_rows(i, community_id, f"{h:016x}"))
    got = sorted((n, v, h, i) for n, values, hs, photo_ids in _band_columns(hashes, ids)
                 for v, h, i in zip(values, hs, photo_ids, strict=True))
    assert got == want, "bulk band rows differ from band_rows()"


_PHOTO_COLUMNS = ("id", "claim_id", "community_id", "position", "file_id", "file_unique_id",
                  "phash")
_BAND_INSERT = ("INSERT INTO photo_hash_bands (community_id, band_no, band_value, phash, "
                "photo_id) VALUES (?, ?, ?, ?, ?)")


async def _load_sqlite(rt: Runtime, ids: np.ndarray, claim_ids: np.ndarray,
                       positions: np.ndarray, hashes: np.ndarray) -> None:
    path = make_url(rt.settings.database_url).database
    assert path
    await rt.engine.dispose()  # no pooled connection in the way of the raw one
    c = rt.community_id

    def load() -> None:
        db = sqlite3.connect(path, isolation_level=None)
        try:
            # A throwaway benchmark file: no fsync, a big page cache for the index builds.
            # and no journal: in WAL mode every page of the load was written twice.
            db.execute("PRAGMA journal_mode=OFF")
            db.execute("PRAGMA synchronous=OFF")
            db.execute("PRAGMA cache_size=-1000000")
            db.execute("PRAGMA temp_store=MEMORY")
            db.execute("BEGIN")
            db.executemany(f"INSERT INTO claim_photos ({', '.join(_PHOTO_COLUMNS)}) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?)",
                           _photo_rows(c, ids, claim_ids, positions, hashes))
            db.execute("DROP INDEX ix_photo_hash_bands_photo_id")
            for n, values, hs, photo_ids in _band_columns(hashes, ids):
                db.executemany(_BAND_INSERT, zip(repeat(c), repeat(n), values, hs, photo_ids))
            db.execute("CREATE INDEX ix_photo_hash_bands_photo_id "
                       "ON photo_hash_bands (photo_id)")
            db.execute("COMMIT")
            db.execute("PRAGMA journal_mode=WAL")  # as groupbot.db runs it
        finally:
            db.close()

    await asyncio.to_thread(load)


async def _load_postgres(rt: Runtime, ids: np.ndarray, claim_ids: np.ndarray,
                         positions: np.ndarray, hashes: np.ndarray) -> None:
    c = rt.community_id
    async with rt.engine.connect() as conn:
        raw = (await conn.get_raw_connection()).driver_connection  # asyncpg
        assert raw is not None
        async with raw.transaction():
            # Benchmark rows made from claim_photos' own ids: skip the per-row FK triggers.
            await raw.execute("SET LOCAL session_replication_role = replica")
            await raw.execute("SET LOCAL maintenance_work_mem = '1GB'")
            await raw.copy_records_to_table(
                "claim_photos", columns=_PHOTO_COLUMNS,
                records=_photo_rows(c, ids, claim_ids, positions, hashes))
            await raw.execute("ALTER TABLE photo_hash_bands DROP CONSTRAINT pk_photo_hash_bands")
            await raw.execute("DROP INDEX ix_photo_hash_bands_photo_id")
            for n, values, hs, photo_ids in _band_columns(hashes, ids):
                await raw.copy_records_to_table(
                    "photo_hash_bands",
                    columns=("community_id", "band_no", "band_value", "phash", "photo_id"),
                    records=zip(repeat(c), repeat(n), values, hs, photo_ids))
            await raw.execute("ALTER TABLE photo_hash_bands ADD CONSTRAINT pk_photo_hash_bands "
                              "PRIMARY KEY (community_id, band_no, band_value, phash, photo_id)")
            await raw.execute("CREATE INDEX ix_photo_hash_bands_photo_id "
                              "ON photo_hash_bands (photo_id)")


async def new_claim(rt: Runtime, member_id: int, order_id: int, n: int) -> tuple[int, list]:
    """A claim of three photos: a cropped copy of the first claim's photo and two new ones."""
    original = picture(1)
    w, h = original.size
    copy = original.crop((int(w * 0.08), int(h * 0.04), w, h)).resize((560, 440))
    async with rt.tx() as s:
        claim = Claim(community_id=rt.community_id, order_id=order_id, member_id=member_id,
                      submission_key=f"new-{n}", status=CLAIM_APPROVED, reason="rotten",
                      currency="CNY", refund_minor=1000, submitted_at=rt.clock.now(),
                      review_due_at=rt.clock.now())
        s.add(claim)
        await s.flush()
        photos = [photo(claim, 1, copy, f"new-{n}-1"),
                  photo(claim, 2, picture(1000 + n), f"new-{n}-2"),
                  photo(claim, 3, picture(2000 + n), f"new-{n}-3")]
        s.add_all(photos)
        await s.flush()
        return claim.id, photos


async def delivered_order(rt: Runtime) -> tuple[int, int]:
    """(member id, order id): the member whose claims are submitted, on a delivered order."""
    async with rt.tx() as s:
        member = await upsert_member(s, Person(telegram_id=SUBMITTER, first_name="小红"))
        mark_started(member, rt.clock.now())
        product = Product(community_id=rt.community_id, name="沃柑", unit="个", perishable=True)
        s.add(product)
        await s.flush()
        order, _ = await create_order(s, rt, member=member, group=None, source="api",
                                      items=[NewItem(product, 10, Decimal("5.00"))])
        await mark_shipped(s, rt, order, "顺丰", "SF1234567890")
        await mark_delivered(s, rt, order)
        return member.id, order.id


class _Bot:
    """Telegram as far as the submit tap talks to it after its commit: answered at once."""

    async def answer_callback_query(self, *_args: Any, **_kwargs: Any) -> bool:
        return True

    async def edit_message_reply_markup(self, *_args: Any, **_kwargs: Any) -> bool:
        return True


class _Application:
    def __init__(self, rt: Runtime) -> None:
        self.bot_data: dict[str, Any] = {RUNTIME_KEY: rt}

    def create_task(self, coroutine: Any) -> asyncio.Future:
        coroutine.close()  # the kick: the outbox send after the commit is not the submit
        done = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done


class _Context:
    def __init__(self, rt: Runtime) -> None:
        self.application = _Application(rt)
        self.bot_data = self.application.bot_data
        self.bot = _Bot()


def submit_update(n: int) -> Update:
    """The member's tap on the summary's submit button, as Telegram delivers it."""
    chat = {"id": SUBMITTER, "type": "private", "first_name": "小红"}
    return Update.de_json({
        "update_id": n, "callback_query": {
            "id": str(n), "chat_instance": "growth", "data": "cl:submit",
            "from": {"id": SUBMITTER, "is_bot": False, "first_name": "小红"},
            "message": {"message_id": 1, "date": 0, "chat": chat, "text": "summary"}}},
        _Bot())  # type: ignore[arg-type]


async def summary_draft(rt: Runtime, order_id: int, photos: list[dict]) -> None:
    """The member's draft at the summary step, photos checked (what the claim steps leave)."""
    async with rt.tx() as s:
        member = await upsert_member(s, Person(telegram_id=SUBMITTER, first_name="小红"))
        order = await s.get(Order, order_id, options=[selectinload(Order.items)])
        assert order is not None
        draft = await claims.begin(s, rt, member, order)
        assert isinstance(draft, Draft), draft
        await claims.choose_units(s, rt, draft, order, order.items[0].id, 1)
        claims.choose_reason(rt, draft, order, "rotten")
        if draft.step == "packaging":
            claims.set_packaging(rt, draft, policy.PACKAGING_ANSWERS[0])
        claims.set_description(rt, draft, "打开箱子两个烂了")
        for p in photos:
            claims.add_photo(rt, draft, p)
        drafts.advance(rt, draft, "summary")


async def time_submits(rt: Runtime, order_id: int, photos: list[dict], repeat: int,
                       first: int) -> tuple[list[float], bool]:
    """(ms of each run, first claim's photo found) of the member's submit tap, run through
    the bot's own handler: the re-use lookup in its read-only session, then the write unit
    (claim, items, photos and their band rows, review row, events, the outbox's
    "submitted"), committed. Each run gets a fresh draft and its claim is removed after it,
    neither timed, so every run sees the same earlier photos."""
    context = _Context(rt)
    times, found = [], True
    for n in range(repeat + 1):
        await summary_draft(rt, order_id, photos)
        t0 = time.perf_counter()
        await submit_tap(submit_update(n), context)  # type: ignore[arg-type]
        elapsed = (time.perf_counter() - t0) * 1000
        async with rt.tx() as s:
            claim = await s.scalar(select(Claim).where(Claim.order_id == order_id))
            assert claim is not None, "the submit made no claim"
            found = found and [(r["photo"], r["claim_id"]) for r in
                               (claim.evidence or {}).get("reused", [])] == [(1, first)]
            await s.execute(delete(Claim).where(Claim.id == claim.id))
            await s.execute(delete(OutboxMessage).where(OutboxMessage.key == f"claim:{claim.id}:submitted"))
        if n:  # the first is the warm-up
            times.append(elapsed)
    return times, found


async def measure(backend: str, sizes: list[int], repeat: int, pg_url: str) -> list[tuple]:
    rows = []
    async with runtime_on(backend, pg_url) as rt:
        member_id, order_id = await buyer_with_order(rt)
        submitter_order = (await delivered_order(rt))[1]
        first = await first_claim(rt, member_id, order_id)
        have = 1  # the first claim's photo
        for n, size in enumerate(sizes):
            load_s = await add_photos(rt, backend, size - have, member_id, order_id, seed=size)
            have = size
            claim_id, photos = await new_claim(rt, member_id, order_id, n)

            async def lookup(claim_id: int = claim_id, photos: list = photos) -> dict:
                async with rt.tx() as s:
                    return await evidence_for(s, rt.community_id, claim_id, photos, order_id)

            if n == 0:  # the process's first lookups and submits pay for its warm caches
                await times_ms(lookup, repeat)
            lookups = await times_ms(lookup, repeat)
            med, least = statistics.median(lookups), min(lookups)
            evidence = await lookup()
            async with rt.tx() as s:
                candidates = len(await known_photos(s, rt.community_id, claim_id, photos))
            found = [r["claim_id"] for r in evidence["reused"]] == [first]
            async with rt.tx() as s:  # the next size's copy must find the first claim's
                await s.execute(delete(Claim).where(Claim.id == claim_id))
            # Each photo's look-back, as photo intake does it once the photo is checked.
            checks = [PhotoCheck(checked=True, phash=p.phash, findings=p.findings)
                      for p in photos]
            backs = await times_ms(lambda c=checks[0]: look_back(rt, c), repeat)
            looked = [await look_back(rt, c) for c in checks]
            drafted = [{"file_id": p.file_id, "file_unique_id": p.file_unique_id,
                        "phash": p.phash, "findings": c.findings}
                       for p, c in zip(photos, looked, strict=True)]
            if n == 0:
                await time_submits(rt, submitter_order, drafted, repeat, first)
            submits, sub_found = await time_submits(rt, submitter_order, drafted, repeat, first)
            sub_med, sub_least = statistics.median(submits), min(submits)
            rows.append((backend, size, load_s, med, least, statistics.median(backs),
                         sub_med, sub_least, candidates, found and sub_found))
            # The minimum beside the median: on a shared machine it is the run least slowed
            # by other work, closest to the cost itself.
            print(f"  {backend} {size:>9,}: loaded in {load_s:6.1f} s; evidence_for "
                  f"{med:7.1f} ms median ({least:7.1f} min); submit {sub_med:7.1f} ms "
                  f"({sub_least:7.1f} min); first claim's photo "
                  f"{'found' if found and sub_found else 'MISSED'}; a photo's look-back "
                  f"{statistics.median(backs):6.1f} ms", flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000,1000000")
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    results = []
    for backend in args.backends.split(","):
        results += asyncio.run(measure(backend, sizes, args.repeat, args.database_url))
    print()
    print("| backend | earlier photos | load (s) | evidence_for median (ms) | × 1st size | min "
          "| × 1st size | a photo's look-back (ms) | × 1st size | submit median (ms) "
          "| × 1st size | min | × 1st size | known photos returned | first claim's photo found |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    base: dict[str, tuple[float, ...]] = {}
    for backend, size, load_s, med, least, back, sub, sub_least, candidates, found in results:
        b = base.setdefault(backend, (med, least, back, sub, sub_least))
        print(f"| {backend} | {size:,} | {load_s:.1f} | {med:.1f} | {med / b[0]:.2f} | "
              f"{least:.1f} | {least / b[1]:.2f} | {back:.1f} | {back / b[2]:.2f} | "
              f"{sub:.1f} | {sub / b[3]:.2f} | {sub_least:.1f} | {sub_least / b[4]:.2f} | "
              f"{candidates} | {'yes' if found else 'NO'} |")


if __name__ == "__main__":
    main()
