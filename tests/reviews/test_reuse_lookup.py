"""The re-use lookup at submit compares a claim's photos with every earlier photo of the
community, through the band index: nothing within the distance is missed, however old."""

import io
import random
from datetime import timedelta
from itertools import combinations

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import delete, func, insert, select

import messages
from groupbot import texts
from groupbot.db import downgrade, upgrade
from groupbot.evidence import REUSE_MAX_DISTANCE, phash_image, reuse_probes
from groupbot.models import Claim, ClaimPhoto, Community, Draft, PhotoHashBand, Product
from groupbot.models.photo_bands import BAND_BITS, BAND_COUNT, BLOCKS, band_keys, block_values
from groupbot.people import ensure_community
from groupbot.reviews import reuse_lookup
from groupbot.reviews.evidence import evidence_for, known_photos
from handlers.claim_submit import submitted_message
from handlers.ticks import tick_now
from tests.factories import community_with_bot, member, order_for, started
from tests.handlers.test_claims import at_photos
from tests.reviews.test_stored_evidence import _photo, _stored


def t(key: str, **values: object) -> str:
    return messages.t("zh-Hans", key, **values)


async def _claim(rt, s, community_id: int, key: str) -> Claim:
    rt.community_id = community_id
    person = await member(rt, s, 8_000_000 + len(key), name="小明")
    product = Product(community_id=community_id, name="沃柑", unit="个", perishable=True)
    s.add(product)
    await s.flush()
    order = await order_for(rt, s, person, product)
    now = rt.clock.now()
    claim = Claim(community_id=community_id, order_id=order.id, member_id=person.id,
                  submission_key=key, reason="rotten", currency="CNY", refund_minor=100,
                  submitted_at=now, review_due_at=now + timedelta(days=2))
    s.add(claim)
    await s.flush()
    return claim


def _photo_row(claim: Claim, position: int, image: Image.Image, unique: str) -> ClaimPhoto:
    return ClaimPhoto(claim_id=claim.id, community_id=claim.community_id, position=position,
                      file_id=f"file-{unique}", file_unique_id=unique,
                      phash=phash_image(image), findings=_stored(image))


def _flip(value: int, bits: int, rng: random.Random) -> int:
    for bit in rng.sample(range(64), bits):
        value ^= 1 << bit
    return value


async def test_a_cropped_copy_of_the_first_claims_photo_is_found_past_20000_later_photos(
        runtime):
    rt = runtime
    original = _photo(1)
    async with rt.tx() as s:
        community = await ensure_community(s, rt.settings)
        first = await _claim(rt, s, community.id, "first")
        s.add(_photo_row(first, 1, original, "u-first"))
        crowd = await _claim(rt, s, community.id, "crowd")
        await s.flush()
        rng = random.Random(7)
        later = [{"claim_id": crowd.id, "community_id": community.id, "position": i,
                  "file_id": f"f{i}", "file_unique_id": f"u{i}",
                  "phash": f"{rng.getrandbits(64):016x}"} for i in range(20_001)]
        # Core inserts skip the mapper event, so these have no band rows: they only need to
        # push the first claim's photo past the old "latest 20,000" window.
        await s.execute(insert(ClaimPhoto), later)
        new = await _claim(rt, s, community.id, "new")
        w, h = original.size
        cropped = original.crop((int(w * 0.08), int(h * 0.08), w, h)).resize((560, 420))
        photos = [_photo_row(new, 1, cropped, "u-new"), _photo_row(new, 2, _photo(2), "u-2")]
        s.add_all(photos)
        await s.flush()
        evidence = await evidence_for(s, community.id, new.id, photos, new.order_id)
    assert [(r["photo"], r["claim_id"], r["kind"]) for r in evidence["reused"]] == [
        (1, first.id, "similar")]


async def test_the_same_file_is_found_and_the_claims_own_photos_are_not(runtime):
    rt = runtime
    async with rt.tx() as s:
        community = await ensure_community(s, rt.settings)
        other = Community(title="别的小区")
        s.add(other)
        earlier = await _claim(rt, s, community.id, "earlier")
        s.add(_photo_row(earlier, 1, _photo(3), "u-same"))
        await s.flush()
        elsewhere = await _claim(rt, s, other.id, "elsewhere")
        s.add(_photo_row(elsewhere, 1, _photo(4), "u-elsewhere"))
        new = await _claim(rt, s, community.id, "new")
        # The same Telegram file re-sent (its hash unknown), plus a photo seen only elsewhere.
        same = ClaimPhoto(claim_id=new.id, community_id=community.id, position=1,
                          file_id="f-again", file_unique_id="u-same", phash=None)
        foreign = _photo_row(new, 2, _photo(4), "u-foreign")
        broken = ClaimPhoto(claim_id=new.id, community_id=community.id, position=3,
                            file_id="f-x", file_unique_id="u-x", phash="not-a-hash")
        s.add_all([same, foreign, broken])
        await s.flush()
        known = await known_photos(s, community.id, new.id, [same, foreign, broken])
        evidence = await evidence_for(s, community.id, new.id, [same, foreign, broken],
                                      new.order_id)
    assert [(k.claim_id, k.file_unique_id) for k in known] == [(earlier.id, "u-same")]
    assert evidence["reused"] == [{"photo": 1, "claim_id": earlier.id, "kind": "exact",
                                   "distance": 0}]


@pytest.mark.parametrize("seed", [1, 2])
async def test_every_photo_within_the_distance_is_a_candidate_and_none_beyond(runtime, seed):
    rt = runtime
    rng = random.Random(seed)
    stored = [rng.getrandbits(64) for _ in range(REUSE_MAX_DISTANCE + 2)]
    async with rt.tx() as s:
        community = await ensure_community(s, rt.settings)
        earlier = await _claim(rt, s, community.id, "earlier")
        for i, value in enumerate(stored):
            s.add(ClaimPhoto(claim_id=earlier.id, community_id=community.id, position=i,
                             file_id=f"f{i}", file_unique_id=f"u{i}", phash=f"{value:016x}"))
        await s.flush()
        assert await s.scalar(select(func.count()).select_from(PhotoHashBand)) == len(
            BLOCKS) * len(stored)
        found = {}
        for distance, value in enumerate(stored):  # a probe `distance` bits away from each
            probe = ClaimPhoto(file_unique_id=f"p{distance}", phash=None, findings={
                "reuse_probes": [f"{_flip(value, distance, rng):016x}"]})
            known = await known_photos(s, community.id, None, [probe])
            found[distance] = [k.file_unique_id for k in known]
    assert found == {d: [f"u{d}"] for d in range(REUSE_MAX_DISTANCE + 1)} | {
        REUSE_MAX_DISTANCE + 1: []}


def test_the_probes_of_a_photo_share_a_band_pair_with_its_cropped_original():
    # The index's promise on real probes: the right crop probe lands within the distance.
    original = _photo(5)
    w, h = original.size
    cropped = original.crop((0, int(h * 0.04), int(w * 0.96), h))
    stored = int(phash_image(original), 16)
    best = min((int(p, 16) ^ stored).bit_count() for p in reuse_probes(cropped))
    assert best <= REUSE_MAX_DISTANCE


def test_any_six_bands_leave_a_block_whole():
    # The index's promise: 6 differing bits touch at most 6 bands, and some block avoids them.
    assert BAND_COUNT * BAND_BITS == 64
    for touched in combinations(range(BAND_COUNT), REUSE_MAX_DISTANCE):
        assert any(not set(block) & set(touched) for block in BLOCKS), touched


def test_six_bits_anywhere_keep_one_key():
    rng = random.Random(3)
    for _ in range(2000):
        value = rng.getrandbits(64)
        near = _flip(value, REUSE_MAX_DISTANCE, rng)
        assert set(band_keys(value)) & set(band_keys(near))


def test_the_bulk_band_values_are_the_rows_submit_writes():
    rng = random.Random(5)
    values = [rng.getrandbits(64) for _ in range(200)]
    columns = block_values(np.array(values, dtype=np.uint64))
    assert [[(n, int(c[i])) for n, c in enumerate(columns)] for i in range(len(values))] == [
        band_keys(v) for v in values]


async def test_revision_0015_rewrites_the_rows_both_ways(runtime):
    rt = runtime
    rng = random.Random(11)
    values = [rng.getrandbits(64) for _ in range(3)]
    async with rt.tx() as s:
        community = await ensure_community(s, rt.settings)
        claim = await _claim(rt, s, community.id, "stored")
        photos = [ClaimPhoto(claim_id=claim.id, community_id=community.id, position=i,
                             file_id=f"f{i}", file_unique_id=f"u{i}", phash=f"{v:016x}")
                  for i, v in enumerate(values)]
        photos.append(ClaimPhoto(claim_id=claim.id, community_id=community.id, position=9,
                                 file_id="f-x", file_unique_id="u-x", phash=None))
        s.add_all(photos)
        await s.flush()
        ids = [p.id for p in photos[:3]]

    async def stored() -> list[tuple]:
        async with rt.tx() as s:
            return sorted((await s.execute(select(
                PhotoHashBand.photo_id, PhotoHashBand.band_no, PhotoHashBand.band_value,
                PhotoHashBand.phash))).all())

    def rows(keys_of) -> list[tuple]:
        return sorted((i, n, k, v - (1 << 64) if v >= 1 << 63 else v)
                      for i, v in zip(ids, values, strict=True) for n, k in keys_of(v))

    def pairs(v: int) -> list[tuple[int, int]]:
        bands = [(v >> (8 * i)) & 0xFF for i in range(8)]
        return [(n, bands[i] << 8 | bands[j])
                for n, (i, j) in enumerate(combinations(range(8), 2))]

    assert await stored() == rows(band_keys)
    await downgrade(rt.engine, "0014")
    assert await stored() == rows(pairs)
    await upgrade(rt.engine)
    assert await stored() == rows(band_keys)


# --- the look-back at photo intake, and submit's comparison of the photos stored since ---


def _jpeg(image: Image.Image, quality: int) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


async def _two_delivered(bot):
    c = await community_with_bot(bot, "小明", "小红")
    ming, hong = c.members
    await started(bot, ming, hong)
    await bot.say(c.organizer, "/deal 沃柑 5/个 20:00", chat=c.group)
    bot.replies(c.group)
    for n, person in enumerate((ming, hong), 1):
        await bot.say(person, "/start d1")
        await bot.say(person, "2")
        await bot.say(c.organizer, f"/ship {n} 顺丰 SF123456789{n}")
        await bot.say(c.organizer, f"/delivered {n}")
    await tick_now(bot.app)
    await bot.settle()
    for chat in (ming, hong, c.organizer, c.group):
        bot.replies(chat)
    return ming, hong


async def _photo_sent(bot, person, order: int, data: bytes) -> None:
    await at_photos(bot, person, units=1, order=order)
    await bot.send_photos(person, [data])
    [received] = bot.texts(person)
    # A noise picture: the engine sees neither goods nor a waybill, and says so.
    assert received == "\n".join([t("claims.photo.received", count=1, max=6),
                                  t("claims.photo.nothing_seen")])


async def _submitted(bot, person) -> int:
    await bot.tap(person, bot.last(person), "cl:done")
    [summary] = bot.replies(person)
    assert "实付 ¥10.00 共 2个，坏 1个 → 退 ¥5.00" in summary["text"]
    await bot.tap(person, summary, "cl:submit")
    [told] = bot.texts(person)
    async with bot.rt.tx() as s:
        claim = await s.scalar(select(Claim).order_by(Claim.id.desc()))
    assert told == texts.render("zh-Hans", submitted_message(bot.rt, claim))
    assert claim.refund_minor == 500  # one of two units at ¥5.00
    return claim.id


async def _reused(bot, claim_id: int) -> list[tuple]:
    async with bot.rt.tx() as s:
        evidence = (await s.get(Claim, claim_id)).evidence
    return [(r["photo"], r["claim_id"], r["kind"]) for r in evidence["reused"]]


@pytest.mark.parametrize("hong_first", [False, True], ids=["stored-before", "stored-since"])
async def test_a_copy_is_found_whether_stored_before_the_photo_arrived_or_since(bot, hong_first):
    # 小明 and 小红 send the same picture (each re-encoded: different Telegram files). The
    # look-back of 小红's photo finds 小明's when his claim came first; when hers came first,
    # submit compares it with the photos stored since her look-back, and finds his there.
    ming, hong = await _two_delivered(bot)
    picture = _photo(21)
    if hong_first:
        await _photo_sent(bot, hong, 2, _jpeg(picture, 90))
    await _photo_sent(bot, ming, 1, _jpeg(picture, 70))
    ming_claim = await _submitted(bot, ming)
    if not hong_first:
        await _photo_sent(bot, hong, 2, _jpeg(picture, 90))
    async with bot.rt.tx() as s:
        [draft] = (await s.scalars(select(Draft).where(Draft.kind == "claim"))).all()
        seen = draft.data["photos"][0]["findings"]["reuse_seen"]
        ming_photo = await s.scalar(select(ClaimPhoto.id).where(ClaimPhoto.claim_id == ming_claim))
    assert seen["near"] == ([] if hong_first else [ming_photo])
    assert (seen["upto"] < ming_photo) == hong_first
    hong_claim = await _submitted(bot, hong)
    assert await _reused(bot, hong_claim) == [(1, ming_claim, "similar")]


async def test_photos_stored_since_are_compared_directly_or_through_the_index(
        runtime, monkeypatch):
    rt = runtime
    rng = random.Random(4)
    async with rt.tx() as s:
        community = await ensure_community(s, rt.settings)
        earlier = await _claim(rt, s, community.id, "earlier")
        value = rng.getrandbits(64)
        near_one = ClaimPhoto(claim_id=earlier.id, community_id=community.id, position=1,
                              file_id="f-near", file_unique_id="u-near",
                              phash=f"{_flip(value, REUSE_MAX_DISTANCE, rng):016x}")
        far_one = ClaimPhoto(claim_id=earlier.id, community_id=community.id, position=2,
                             file_id="f-far", file_unique_id="u-far",
                             phash=f"{_flip(value, REUSE_MAX_DISTANCE + 1, rng):016x}")
        s.add_all([near_one, far_one])
        await s.flush()
        # A look-back that saw none of them: "upto" before both, with the slack as the only
        # reason the older one is compared at all (its insert may still have been on its way).
        upto = near_one.id + reuse_lookup.ID_SLACK - 1
        probe = ClaimPhoto(file_unique_id="u-probe", phash=None, findings={
            "reuse_probes": [f"{value:016x}"], "reuse_seen": {"upto": upto, "near": []}})
        direct = [k.file_unique_id for k in await known_photos(s, community.id, None, [probe])]
        monkeypatch.setattr(reuse_lookup, "SINCE_LIMIT", 1)  # too many since: the index
        indexed = [k.file_unique_id for k in await known_photos(s, community.id, None, [probe])]
        # What the look-back found is kept, whether or not the index still has it.
        gone = ClaimPhoto(file_unique_id="u-probe", phash=None, findings={
            "reuse_probes": [f"{value:016x}"],
            "reuse_seen": {"upto": far_one.id + reuse_lookup.ID_SLACK, "near": [near_one.id]}})
        await s.execute(delete(PhotoHashBand))
        kept = [k.file_unique_id for k in await known_photos(s, community.id, None, [gone])]
    assert direct == indexed == kept == ["u-near"]
