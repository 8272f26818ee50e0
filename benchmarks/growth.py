"""Growth benchmark: the re-use lookup of a claim submit as the community's photos pile up.

    .venv/bin/python benchmarks/growth.py                          # 1k, 10k, 100k, 1M; both
    .venv/bin/python benchmarks/growth.py --sizes 1000,10000 --backends sqlite   # quick

The first claim holds one real photo (its hash and band rows written the way claim submit
writes them). Then earlier photos are added in bulk, made by the database itself (uniformly
random 64-bit pHashes, six photos a claim, with their band rows), up to each size in turn.
At each size a new claim of three photos is timed through ``evidence_for`` — what submit
calls: the same-file lookup, the band lookup with every crop probe of each photo, the exact
Hamming check of the candidates, and the verdict. Its first photo is a cropped, resized copy
of the first claim's photo: the table says whether it was found. Not a test: prints a table.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402
from sqlalchemy import delete, text  # noqa: E402

from benchmarks.seeding import (  # noqa: E402
    analyse,
    buyer_with_order,
    claims_in_bulk,
    median_ms,
    numbers,
    random64,
    runtime_on,
    sequences_past_explicit_ids,
)
from groupbot.evidence import phash_image, reuse_probes  # noqa: E402
from groupbot.models import Claim, ClaimPhoto  # noqa: E402
from groupbot.models.claims import CLAIM_APPROVED  # noqa: E402
from groupbot.models.photo_bands import BAND_BITS, PAIRS  # noqa: E402
from groupbot.reviews.evidence import evidence_for, known_photos  # noqa: E402
from groupbot.runtime import Runtime  # noqa: E402

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
                     order_id: int) -> None:
    """``count`` more synthetic photos, with their claims and band rows."""
    async with rt.tx() as s:
        last_claim = await s.scalar(text("SELECT max(id) FROM claims"))
        last_photo = await s.scalar(text("SELECT coalesce(max(id), 0) FROM claim_photos"))
    now = rt.clock.now()
    await claims_in_bulk(rt, backend, last_claim, -(-count // PHOTOS_PER_CLAIM), member_id,
                         order_id, CLAIM_APPROVED, now, now)
    hex16 = "printf('%016x', h)" if backend == "sqlite" else "lpad(to_hex(h), 16, '0')"
    pairs = " UNION ALL ".join(f"SELECT {n} AS n, {i} AS i, {j} AS j"
                               for n, (i, j) in enumerate(PAIRS))
    mask = (1 << BAND_BITS) - 1
    nth = f"(id - {last_photo + 1})"  # 0, 1, ... for this batch
    async with rt.tx() as s:
        await s.execute(text("DROP TABLE IF EXISTS bench_hashes"))
        await s.execute(text("CREATE TABLE bench_hashes (id BIGINT PRIMARY KEY, h BIGINT)"))
        await s.execute(text(f"INSERT INTO bench_hashes SELECT x, {random64(backend)} "
                             f"FROM {numbers(backend, last_photo, count)}"))
        await s.execute(text(
            "INSERT INTO claim_photos (id, claim_id, community_id, position, file_id, "
            "file_unique_id, phash) "
            f"SELECT id, {last_claim + 1} + {nth} / {PHOTOS_PER_CLAIM}, :c, "
            f"{nth} % {PHOTOS_PER_CLAIM} + 1, 'f' || id, 'u' || id, {hex16} "
            "FROM bench_hashes"), {"c": rt.community_id})
        await s.execute(text(
            "INSERT INTO photo_hash_bands (photo_id, band_no, community_id, band_value, phash) "
            f"SELECT b.id, p.n, :c, (((b.h >> ({BAND_BITS} * p.i)) & {mask}) << {BAND_BITS}) "
            f"| ((b.h >> ({BAND_BITS} * p.j)) & {mask}), b.h FROM bench_hashes b "
            f"CROSS JOIN ({pairs}) p ORDER BY 2, 4"), {"c": rt.community_id})  # key order
        await s.execute(text("DROP TABLE bench_hashes"))
    await sequences_past_explicit_ids(rt, backend, "claims", "claim_photos")
    await analyse(rt, "claims", "claim_photos", "photo_hash_bands")


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


async def measure(backend: str, sizes: list[int], repeat: int, pg_url: str) -> list[tuple]:
    rows = []
    async with runtime_on(backend, pg_url) as rt:
        member_id, order_id = await buyer_with_order(rt)
        first = await first_claim(rt, member_id, order_id)
        have = 1  # the first claim's photo
        for n, size in enumerate(sizes):
            await add_photos(rt, backend, size - have, member_id, order_id)
            have = size
            claim_id, photos = await new_claim(rt, member_id, order_id, n)

            async def lookup(claim_id: int = claim_id, photos: list = photos) -> dict:
                async with rt.tx() as s:
                    return await evidence_for(s, rt.community_id, claim_id, photos, order_id)

            med, worst = await median_ms(lookup, repeat)
            evidence = await lookup()
            async with rt.tx() as s:
                candidates = len(await known_photos(s, rt.community_id, claim_id, photos))
            found = [r["claim_id"] for r in evidence["reused"]] == [first]
            rows.append((backend, size, med, worst, candidates, found))
            async with rt.tx() as s:  # the next size's copy must find the first claim's
                await s.execute(delete(Claim).where(Claim.id == claim_id))
            print(f"  {backend} {size:>9,}: {med:8.1f} ms median, {worst:8.1f} max, "
                  f"first claim's photo {'found' if found else 'MISSED'}", flush=True)
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
    print("| backend | earlier photos | lookup median (ms) | max (ms) | × smallest | "
          "known photos returned | first claim's photo found |")
    print("|---|---:|---:|---:|---:|---:|---|")
    base: dict[str, float] = {}
    for backend, size, med, worst, candidates, found in results:
        base.setdefault(backend, med)
        print(f"| {backend} | {size:,} | {med:.1f} | {worst:.1f} | {med / base[backend]:.2f} | "
              f"{candidates} | {'yes' if found else 'NO'} |")


if __name__ == "__main__":
    main()
