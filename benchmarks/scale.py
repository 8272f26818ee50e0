"""Scale benchmark: several bot processes and evidence workers on one PostgreSQL database.

    .venv/bin/python benchmarks/scale.py                 # everything (≈ 10 minutes)
    .venv/bin/python benchmarks/scale.py --only updates  # or: photos, chaos

Loopback only; the sandbox Bot API runs in its own process, every bot is a real
`groupbot run` (webhook mode) and every worker a real `groupbot worker`, on the database
``groupbot_bench`` (dropped and created anew) and Redis db 15 (the shared send budget).

- updates: 1, 2, 3 bot processes; the benchmark plays Telegram behind a load balancer and
  POSTs private ``/help`` updates round-robin to the replicas, 32 at a time (Telegram keeps up
  to 40 connections open); updates/s (as a ratio to one process) and the bots' CPU time per
  update. The sandbox enforces no limits here and the bots' limit is raised, so the figure is
  the bot's own cost, not Telegram's 30 messages/s.
- photos: 1, 2, 3 bot processes with 0, 1, 2 workers: claim photos analysed per second
  (ratio to 1 process, 0 workers). Each "bot process" here is a process running the bot's
  evidence path (the engine the claim flow calls): in-process analysis with 0 workers,
  stored + deferred to procrastinate and awaited with workers.
- chaos: 3 bot processes, Telegram's limits enforced by the sandbox, a random process
  SIGKILLed (and restarted) every 10 s, while they send the notices of ``--orders`` shipped
  orders, post the reviewer cards of ``--claims`` claims and deliver a ``--broadcast``-member
  broadcast: messages sent twice, lost, cards doubled, 429 answers, leader failover seconds.
Not a test: it prints tables.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import socket
import sys
import time
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import asyncpg  # noqa: E402

from groupbot.evidence.synth import make_claim_photo  # noqa: E402

PG = "postgresql://postgres@127.0.0.1:5432"
# GROUPBOT_SCALE_DB / GROUPBOT_SCALE_REDIS_DB: another database (dropped and created anew)
# and Redis db (flushed), so two runs on one machine do not share state.
DB = os.environ.get("GROUPBOT_SCALE_DB", "groupbot_bench")
URL = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{DB}"
REDIS = f"redis://127.0.0.1:6379/{os.environ.get('GROUPBOT_SCALE_REDIS_DB', '15')}"
TOKEN = "123456:SANDBOX-TOKEN"
SECRET = "bench-secret"
TRACKING = "SF7751671905686"
PY = sys.executable
BROADCAST = "明早 7 点到货"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def fresh_database() -> None:
    conn = await asyncpg.connect(f"{PG}/test")
    await conn.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
    await conn.execute(f"CREATE DATABASE {DB}")
    await conn.close()
    from redis import asyncio as redis

    client = redis.from_url(REDIS)
    await client.flushdb()
    await client.aclose()


@dataclass
class Proc:
    name: str
    proc: asyncio.subprocess.Process
    port: int = 0


class Cluster:
    """The sandbox, bot processes and workers, started and killed by name."""

    def __init__(self, *, limits: bool, rate: int, extra: dict[str, str] | None = None,
                 stored_log: Path | None = None) -> None:
        self.limits, self.rate, self.extra = limits, rate, extra or {}
        self.stored_log = stored_log  # the sandbox writes when it stored each message
        self.sandbox: Proc | None = None
        self.bots: list[Proc] = []
        self.workers: list[Proc] = []
        self.sandbox_port = free_port()
        self.http: aiohttp.ClientSession | None = None

    @property
    def control(self) -> str:
        return f"http://127.0.0.1:{self.sandbox_port}/control"

    def env(self, **more: str) -> dict[str, str]:
        base = f"http://127.0.0.1:{self.sandbox_port}"
        return {**os.environ, "GROUPBOT_CONFIG": os.devnull, "GROUPBOT_BOT_TOKEN": TOKEN,
                "GROUPBOT_BASE_URL": f"{base}/bot", "GROUPBOT_BASE_FILE_URL": f"{base}/file/bot",
                "GROUPBOT_DATABASE_URL": URL, "GROUPBOT_REDIS_URL": REDIS,
                "GROUPBOT_WEBHOOK_SECRET": SECRET, "GROUPBOT_TICK_SECONDS": "1",
                "GROUPBOT_PROCESS_LEASE_SECONDS": "3",
                "GROUPBOT_RATE_OVERALL_PER_SECOND": str(self.rate), **self.extra, **more}

    async def start_sandbox(self) -> None:
        args = [PY, "-m", "groupbot.sandbox", "--port", str(self.sandbox_port)]
        if self.stored_log is not None:
            args = [PY, __file__, "--sandbox", str(self.sandbox_port), str(self.stored_log)]
        if self.limits:
            args.append("--limits")
        proc = await asyncio.create_subprocess_exec(*args, stdout=asyncio.subprocess.DEVNULL)
        self.sandbox = Proc("sandbox", proc)
        self.http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120))
        for _ in range(200):
            try:
                await self.get("/state")
                return
            except aiohttp.ClientError:
                await asyncio.sleep(0.05)
        raise RuntimeError("the sandbox did not start")

    async def get(self, path: str) -> Any:
        assert self.http is not None
        async with self.http.get(self.control + path) as resp:
            return (await resp.json())["result"]

    async def post(self, path: str, body: dict[str, Any]) -> Any:
        assert self.http is not None
        async with self.http.post(self.control + path, json=body) as resp:
            return (await resp.json())["result"]

    async def start_bot(self, name: str | None = None) -> Proc:
        port = free_port()
        env = self.env(GROUPBOT_WEBHOOK_URL=f"http://127.0.0.1:{port}/tg",
                       GROUPBOT_WEBHOOK_PORT=str(port))
        proc = await asyncio.create_subprocess_exec(
            PY, "-m", "groupbot.cli", "run", env=env, stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL)
        bot = Proc(name or f"bot{len(self.bots) + 1}", proc, port)
        self.bots.append(bot)
        await self.wait_listening(bot)
        return bot

    async def start_worker(self) -> Proc:
        proc = await asyncio.create_subprocess_exec(
            PY, "-m", "groupbot.cli", "worker", env=self.env(GROUPBOT_EVIDENCE_QUEUE="procrastinate"),
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        worker = Proc(f"worker{len(self.workers) + 1}", proc)
        self.workers.append(worker)
        return worker

    async def wait_listening(self, bot: Proc) -> None:
        for _ in range(2400):  # a loaded machine may take a minute to start a bot
            if bot.proc.returncode is not None:
                raise RuntimeError(f"{bot.name} exited with {bot.proc.returncode}")
            try:
                _r, w = await asyncio.open_connection("127.0.0.1", bot.port)
                w.close()
                return
            except OSError:
                await asyncio.sleep(0.05)
        raise RuntimeError(f"no bot on port {bot.port}")

    def kill(self, p: Proc) -> None:
        if p.proc.returncode is None:
            p.proc.send_signal(signal.SIGKILL)

    async def stop(self) -> None:
        for p in [*self.bots, *self.workers]:
            if p.proc.returncode is None:
                p.proc.send_signal(signal.SIGTERM)
        for p in [*self.bots, *self.workers]:
            try:
                await asyncio.wait_for(p.proc.wait(), 30)
            except TimeoutError:
                self.kill(p)
        if self.sandbox is not None:
            self.sandbox.proc.send_signal(signal.SIGTERM)
            await self.sandbox.proc.wait()
        if self.http is not None:
            await self.http.close()


def help_update(update_id: int, user: dict[str, Any]) -> dict[str, Any]:
    who = {"id": user["id"], "is_bot": False, "first_name": user["first_name"],
           "language_code": "zh-hans"}
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": int(time.time()), "text": "/help", "from": who,
        "chat": {"id": user["id"], "type": "private", "first_name": user["first_name"]},
        "entities": [{"type": "bot_command", "offset": 0, "length": 5}]}}


# --- updates/s -------------------------------------------------------------------------------


async def bench_updates(bots: int, count: int) -> tuple[float, float, float]:
    await fresh_database()
    cluster = Cluster(limits=False, rate=100_000)
    await cluster.start_sandbox()
    try:
        for _ in range(bots):
            await cluster.start_bot()
        users = [await cluster.post("/users", {"first_name": f"成员{i}", "started": True})
                 for i in range(200)]
        ports = [b.port for b in cluster.bots]
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        next_id = iter(range(1, 10**9))
        assert cluster.http is not None

        async def client(n: int) -> None:
            for _ in range(n):
                uid = next(next_id)
                port = ports[uid % len(ports)]
                async with cluster.http.post(f"http://127.0.0.1:{port}/tg", headers=headers,
                                             json=help_update(uid, random.choice(users))) as r:
                    assert r.status == 200, r.status

        await asyncio.gather(*(client(5) for _ in range(8)))  # warm up
        assert cluster.sandbox is not None
        cpu0 = sum(cpu_seconds(b.proc.pid) for b in cluster.bots)
        box0 = cpu_seconds(cluster.sandbox.proc.pid)
        start = time.monotonic()
        await asyncio.gather(*(client(count // 32) for _ in range(32)))
        elapsed = time.monotonic() - start
        cpu = sum(cpu_seconds(b.proc.pid) for b in cluster.bots) - cpu0
        box = cpu_seconds(cluster.sandbox.proc.pid) - box0
        done = count // 32 * 32
        return done / elapsed, cpu / done * 1000, box / elapsed
    finally:
        await cluster.stop()


# --- photos/s --------------------------------------------------------------------------------


async def photo_client(mode: str, photos: int, concurrency: int) -> None:
    """One bot process's evidence path, analysing ``photos`` photos (run as a subprocess)."""
    from groupbot.evidence import EvidenceEngine
    from groupbot.runtime import Runtime
    from groupbot.scale.updates import current_chat
    from groupbot.settings import Settings
    from groupbot.worker.queue import QueuedEvidenceEngine

    rt = Runtime.create(Settings(database_url=URL))
    local = EvidenceEngine(workers=2, pool="thread")
    engine: Any = local
    if mode == "queue":
        engine = QueuedEvidenceEngine(rt, local)
        await engine.open()
    pics = [make_claim_photo(TRACKING, damaged=True, seed=s) for s in range(photos)]
    # A different photo each time (a re-sent photo is answered from the record).
    pics = [p + os.urandom(8) + str(os.getpid()).encode() for p in pics]
    sem = asyncio.Semaphore(concurrency)

    async def one(n: int, data: bytes) -> None:
        async with sem:
            # Each photo a different member's claim, as in a bad batch: the queue keeps one
            # chat's photos in order (its lock) and runs different chats' side by side.
            current_chat.set(os.getpid() * 1000 + n)
            found = await engine.analyse_photo(data, [TRACKING])
            assert found.error is None, found.error

    await asyncio.gather(*(one(n, p) for n, p in enumerate(pics)))
    if mode == "queue":
        await engine.close_async()
    local.close()
    await rt.engine.dispose()


async def bench_photos(bots: int, workers: int, photos: int) -> float:
    await fresh_database()
    cluster = Cluster(limits=False, rate=30)
    try:
        from groupbot import db

        engine = db.make_engine(URL)
        await db.upgrade(engine)
        await engine.dispose()
        for _ in range(workers):
            await cluster.start_worker()
        mode = "queue" if workers else "inline"
        each = photos // bots
        if workers:  # let the workers connect and load their models on a first photo
            await (await asyncio.create_subprocess_exec(
                PY, __file__, "--photo-client", mode, "1", "1")).wait()
        start = time.monotonic()
        clients = [await asyncio.create_subprocess_exec(
            PY, __file__, "--photo-client", mode, str(each), "4") for _ in range(bots)]
        codes = [await c.wait() for c in clients]
        elapsed = time.monotonic() - start
        assert codes == [0] * bots, codes
        return each * bots / elapsed
    finally:
        await cluster.stop()


# --- chaos -----------------------------------------------------------------------------------


async def seed_chaos(orders: int, claims: int, audience: int, cluster: Cluster) -> dict[str, Any]:
    from sqlalchemy import insert, select

    from groupbot import claims as claims_service
    from groupbot import db
    from groupbot.models import Broadcast, Member, Product
    from groupbot.orders import NewItem, create_order
    from groupbot.people import ensure_community
    from groupbot.runtime import Runtime
    from groupbot.settings import Settings
    from groupbot.shipping import mark_delivered, mark_shipped

    settings = Settings(database_url=URL, bot_token=TOKEN)
    rt = Runtime.create(settings)
    await db.upgrade(rt.engine)
    people = [await cluster.post("/users", {"first_name": f"成员{i}", "started": True})
              for i in range(max(orders, audience, claims) + 1)]
    organizer = people[-1]
    now = rt.clock.now()
    async with rt.tx() as s:
        rt.community_id = (await ensure_community(s, settings)).id
        await s.execute(insert(Member), [
            {"telegram_id": u["id"], "first_name": u["first_name"], "started_at": now,
             "created_at": now} for u in people])
    async with rt.tx() as s:
        members = {m.telegram_id: m for m in await s.scalars(select(Member))}
    async with rt.tx() as s:
        product = Product(community_id=rt.community_id, name="沃柑", unit="个", perishable=True)
        s.add(product)
        await s.flush()
        made = []
        for n, user in enumerate(people[:max(orders, claims)]):
            member = await s.get(Member, members[user["id"]].id)
            order, _ = await create_order(s, rt, member=member, group=None, source="api",
                                          items=[NewItem(product, 10, Decimal("5.00"))])
            await mark_shipped(s, rt, order, "顺丰", f"SF{n:010d}")
            made.append((member, order))
    for member, order in made[:claims]:
        async with rt.tx() as s:
            member = await s.get(Member, member.id)
            order = await s.get(type(order), order.id)
            await mark_delivered(s, rt, order)
            draft = await claims_service.begin(s, rt, member, order)
            await claims_service.choose_units(s, rt, draft, order, order.items[0].id, 2)
            claims_service.choose_reason(rt, draft, order, "rotten")
            claims_service.set_description(rt, draft, "两个烂了")
            claims_service.add_photo(rt, draft, {"file_id": f"none-{order.id}",
                                                 "file_unique_id": f"u-{order.id}",
                                                 "phash": f"{order.id:016x}", "findings": {}})
            await claims_service.submit(s, rt, member, draft)
    async with rt.tx() as s:
        org = await s.get(Member, members[organizer["id"]].id)
        s.add(Broadcast(community_id=rt.community_id, organizer_id=org.id, locale="zh-Hans",
                        text_html=BROADCAST, target={"kind": "members"},
                        status="scheduled", scheduled_at=now))
    await rt.engine.dispose()
    return {"people": people, "organizer": organizer}


async def leader_backend(conn: asyncpg.Connection, key: int) -> int | None:
    """The backend holding the leader's lock (a bigint key shows as classid:objid)."""
    return await conn.fetchval(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1 "
        "AND ((classid::bigint << 32) | objid::bigint) = $1", key)


# Every message id the bot records (outbox, broadcast deliveries, posts), with the bot's own
# time for it (sent_at: taken as the answer is handled) and the time of the COMMIT itself: a
# deferred constraint trigger fires inside the commit. Compared with the time the sandbox
# stored the message, it is the window in which a SIGKILL makes a message go out twice.
SENT_LOG = """
CREATE TABLE bench_sent (tbl text, row_id bigint, chat_id bigint, message_id bigint,
                         answered double precision, committed double precision);
CREATE FUNCTION bench_sent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO bench_sent VALUES (TG_TABLE_NAME, NEW.id, NEW.chat_id, NEW.message_id,
      extract(epoch FROM NEW.sent_at), extract(epoch FROM clock_timestamp()));
  RETURN NULL;
END $$;
""" + "".join(f"""
CREATE CONSTRAINT TRIGGER bench_sent_{t} AFTER UPDATE ON {t} DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW WHEN (NEW.message_id IS NOT NULL AND NEW.message_id IS DISTINCT FROM OLD.message_id)
  EXECUTE FUNCTION bench_sent();
""" for t in ("outbox", "broadcast_deliveries", "posts"))


def run_sandbox(port: int, log_path: str, limits: bool) -> None:
    """The sandbox, writing down when it stored each message (Telegram "has" it from then)."""
    from groupbot.sandbox.server import Sandbox

    sandbox = Sandbox(TOKEN, port=port, enforce_limits=limits)
    seen: set[tuple[int, int]] = set()
    out = open(log_path, "w", buffering=1)  # noqa: SIM115 - line-buffered: SIGTERM loses none

    def stored(chat_id: int, message_id: int) -> None:
        if (chat_id, message_id) not in seen:  # edits and deletions are reported too
            seen.add((chat_id, message_id))
            out.write(f"{time.time():.6f} {chat_id} {message_id}\n")

    sandbox.state.observers.append(stored)

    async def run() -> None:
        await sandbox.start()
        await asyncio.Event().wait()

    asyncio.run(run())


def quantiles(values: list[float]) -> str:
    """p50 / p90 / p99 / max in milliseconds."""
    if not values:
        return "-"
    v = sorted(values)
    at = [v[min(len(v) - 1, int(q * len(v)))] for q in (0.5, 0.9, 0.99)] + [v[-1]]
    return " / ".join(f"{x * 1000:.0f}" for x in at)


@dataclass
class Kill:
    at: float  # time.time() of the SIGKILL
    victim: str
    leader: bool
    doubled: list[tuple[str, float]]  # (kind, ms from Telegram storing it to the kill)


async def bench_chaos(orders: int, claims: int, audience: int, every: float,
                      dump: Path | None = None) -> dict[str, Any]:
    from groupbot.scale.locks import lock_key

    await fresh_database()
    review_room = -1_009_000_001
    stored_log = Path(f"/tmp/{DB}-stored-{os.getpid()}.log")
    cluster = Cluster(limits=True, rate=30, stored_log=stored_log, extra={
        "GROUPBOT_REVIEWERS_CHAT_ID": str(review_room),
        "GROUPBOT_REVIEWER_IDS": "7000001"})
    await cluster.start_sandbox()
    conn = await asyncpg.connect(f"{PG}/{DB}")
    failovers: list[float] = []
    kills: list[Kill] = []
    try:
        await cluster.post("/users", {"first_name": "李审核", "user_id": 7000001,
                                      "started": True})
        await cluster.post("/groups", {"title": "售后审核群", "members": [7000001],
                                       "admins": [7000001], "chat_id": review_room})
        await cluster.post(f"/groups/{review_room}/bot", {"by": 7000001})
        seeded = await seed_chaos(orders, claims, audience, cluster)
        await conn.execute(SENT_LOG)
        key = lock_key(f"{DB}/public", "leader")

        async def finished() -> bool:
            pending = await conn.fetchval(
                "SELECT (SELECT count(*) FROM outbox WHERE status IN ('pending', 'sending') "
                "AND not_before <= now() + interval '1 minute') + "
                "(SELECT count(*) FROM broadcast_deliveries WHERE status IN "
                "('pending', 'sending')) + (SELECT count(*) FROM claims c WHERE NOT EXISTS "
                "(SELECT 1 FROM claim_reviews r WHERE r.claim_id = c.id AND "
                "r.card_posted_at IS NOT NULL)) + (SELECT count(*) FROM broadcasts WHERE "
                "status IN ('scheduled', 'sending')) + "
                # A card "posted" above is one whose post is intended; the reviewers' group
                # takes 20 a minute, so the posts themselves are waited for too.
                "(SELECT count(*) FROM posts WHERE message_id IS NULL AND attempts < 2)")
            return pending == 0

        start = time.monotonic()  # from the first process's start: the work begins with it
        for _ in range(3):
            await cluster.start_bot()
        while not await finished():
            await asyncio.sleep(every)
            if await finished():
                break
            victim = random.choice([b for b in cluster.bots if b.proc.returncode is None])
            before = await leader_backend(conn, key)
            killed_at = time.monotonic()
            wall = time.time()
            cluster.kill(victim)
            await victim.proc.wait()
            await asyncio.sleep(0.3)
            alive = await conn.fetchval("SELECT count(*) FROM pg_stat_activity WHERE pid = $1",
                                        before) if before else 0
            kills.append(Kill(wall, victim.name, bool(before and not alive), []))
            if before and not alive:  # it was the leader: time until another one leads
                for _ in range(3000):
                    if await leader_backend(conn, key) not in (None, before):
                        break
                    await asyncio.sleep(0.02)
                failovers.append(time.monotonic() - killed_at)
            cluster.bots.remove(victim)
            await cluster.start_bot(victim.name)
            if time.monotonic() - start > 3600:
                raise TimeoutError("the chaos run did not finish in an hour")
        elapsed = time.monotonic() - start
        await asyncio.sleep(3)
        # When the sandbox stored each message, and when (if ever) the bot committed its id.
        stored = read_stored(stored_log)
        recorded = {(r["chat_id"], r["message_id"]): r
                    for r in await conn.fetch("SELECT * FROM bench_sent")}
        windows: dict[str, list[tuple[float, float]]] = {}  # kind → (answer, record) seconds
        unrecorded: list[dict[str, Any]] = []
        people = seeded["people"]
        sent_twice = lost = twice_broadcast = 0
        for user in people[:-1]:
            msgs = await cluster.get(f"/chats/{user['id']}/messages?bot_only=1")
            texts = Counter(m.get("html") or m.get("text") or "" for m in msgs)
            sent_twice += sum(n - 1 for n in texts.values() if n > 1)
            twice_broadcast += sum(n - 1 for t, n in texts.items() if n > 1 and BROADCAST in t)
            expected = await conn.fetch("SELECT text FROM outbox WHERE chat_id = $1 AND "
                                        "status = 'sent'", user["id"])
            owed = 1 + len(expected)  # the broadcast and its outbox messages
            lost += max(0, owed - len(msgs))
            for m in msgs:
                kind = "broadcast" if BROADCAST in (m.get("html") or "") else "notice"
                _window(kind, user["id"], m, stored, recorded, windows, unrecorded, texts)
        room = await cluster.get(f"/chats/{review_room}/messages?bot_only=1")
        room_texts = Counter(m.get("html") or m.get("text") or "" for m in room)
        for m in room:
            _window("review room", review_room, m, stored, recorded, windows, unrecorded,
                    room_texts)
        for u in unrecorded:  # sent twice: the kill that came next cut its first record
            # A request already written when its sender died is stored a little after the
            # kill (negative ms: it was on the wire at the SIGKILL).
            after = [k for k in kills if k.at >= u["stored"] - 1.0] if u["twice"] else []
            if after:
                after[0].doubled.append((u["kind"], (after[0].at - u["stored"]) * 1000))
        cards = Counter(m["html"].split("</b>")[0] for m in room
                        if "售后申请 #" in (m.get("html") or "") and m.get("text"))
        stats = await cluster.get("/stats")
        undelivered = await conn.fetchval(
            "SELECT count(*) FROM outbox WHERE status NOT IN ('sent', 'cancelled') "
            "AND not_before <= now()")
        if dump is not None:
            write_json(dump, {"kills": [k.__dict__ for k in kills], "unrecorded": unrecorded,
                              "windows": windows})
        return {"elapsed": elapsed, "kills": kills, "sent_twice": sent_twice,
                "twice_broadcast": twice_broadcast,
                "lost": lost + undelivered, "cards": len(cards),
                "cards_doubled": sum(n - 1 for n in cards.values()),
                "rejected_429": stats.get("rejected_429", 0), "failovers": failovers,
                "windows": windows, "unrecorded": unrecorded}
    finally:
        await conn.close()
        await cluster.stop()
        forget(stored_log)


def read_stored(path: Path) -> dict[tuple[int, int], float]:
    stored: dict[tuple[int, int], float] = {}
    for line in path.read_text().splitlines():
        at, chat, mid = line.split()
        stored[(int(chat), int(mid))] = float(at)
    return stored


def write_json(path: Path, data: Any) -> None:
    import json

    path.write_text(json.dumps(data, default=str))


def forget(path: Path) -> None:
    path.unlink(missing_ok=True)


def _window(kind: str, chat_id: int, m: dict[str, Any], stored: dict[tuple[int, int], float],
            recorded: dict[tuple[int, int], Any], windows: dict[str, list[tuple[float, float]]],
            unrecorded: list[dict[str, Any]], texts: Counter[str]) -> None:
    """One bot message: how long from the sandbox storing it to the commit of its record
    (a message never recorded is listed, ``twice`` when the chat got its text again)."""
    key = (chat_id, m["message_id"])
    at = stored.get(key)
    if at is None:
        return
    r = recorded.get(key)
    if r is None:
        text = m.get("html") or m.get("text") or ""
        unrecorded.append({"kind": kind, "chat_id": chat_id, "message_id": m["message_id"],
                           "stored": at, "twice": texts[text] > 1, "text": text[:40]})
        return
    windows.setdefault(kind, []).append((r["answered"] - at, r["committed"] - r["answered"]))


def table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows)


async def main(args: argparse.Namespace) -> None:
    if args.only in (None, "updates"):
        rows = [["bot processes", "updates/s", "ratio", "bot CPU ms/update", "sandbox CPU"]]
        base = None
        for bots in (1, 2, 3):
            rate, cpu, box = await bench_updates(bots, args.updates)
            base = base or rate
            rows.append([str(bots), f"{rate:.0f}", f"{rate / base:.2f}", f"{cpu:.1f}",
                         f"{box:.0%}"])
            print(table(rows), "\n", flush=True)
    if args.only in (None, "photos"):
        rows = [["bot processes", "workers", "photos/s", "ratio"]]
        base = None
        for bots in (1, 2, 3):
            for workers in (0, 1, 2):
                rate = await bench_photos(bots, workers, args.photos)
                base = base or rate
                rows.append([str(bots), str(workers), f"{rate:.2f}", f"{rate / base:.2f}"])
                print(table(rows), "\n", flush=True)
    if args.only in (None, "chaos"):
        # --burn N: N busy loops beside the run (same niceness), standing in for the load of
        # a shared machine, so runs of two versions can be compared under the same load.
        burners = [await asyncio.create_subprocess_exec(PY, "-c", "while True: pass")
                   for _ in range(args.burn)]
        try:
            r = await bench_chaos(args.orders, args.claims, args.broadcast, args.kill_every,
                                  args.dump)
        finally:
            for b in burners:
                b.kill()
                await b.wait()
        fo = r["failovers"]
        kills: list[Kill] = r["kills"]
        print(table([
            [f"3 processes, SIGKILL every {args.kill_every:g} s", "value"],
            ["run time (s)", f"{r['elapsed']:.0f}"],
            ["processes killed (of them leaders)",
             f"{len(kills)} ({sum(k.leader for k in kills)})"],
            ["messages sent twice", str(r["sent_twice"])],
            ["… of them the broadcast", str(r["twice_broadcast"])],
            ["… of them outbox notices", str(r["sent_twice"] - r["twice_broadcast"])],
            ["messages lost", str(r["lost"])],
            ["reviewer cards posted", str(r["cards"])],
            ["reviewer cards doubled", str(r["cards_doubled"])],
            ["429 answers", str(r["rejected_429"])],
            ["leader failovers", str(len(fo))],
            ["failover s (max / mean)",
             f"{max(fo):.2f} / {sum(fo) / len(fo):.2f}" if fo else "-"],
        ]), "\n", flush=True)
        # The duplicate window, per kind of message: from the sandbox storing a message to the
        # bot's "sent" commit, split at the bot's own sent_at (taken as it handles the answer).
        rows = [["window (ms: p50 / p90 / p99 / max)", "messages", "answer → bot",
                 "bot → commit", "stored → commit"]]
        for kind, w in sorted(r["windows"].items()):
            rows.append([kind, str(len(w)), quantiles([a for a, _ in w]),
                         quantiles([b for _, b in w]), quantiles([a + b for a, b in w])])
        print(table(rows), "\n", flush=True)
        rows = [["kill", "victim", "leader",
                 "sent twice: stored … ms before the kill (< 0: after, it was on the wire)"]]
        for n, k in enumerate(kills, 1):
            rows.append([str(n), k.victim, "yes" if k.leader else "",
                         ", ".join(f"{kind} {ms:.0f}" for kind, ms in k.doubled) or "-"])
        print(table(rows), flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--sandbox"]:
        run_sandbox(int(sys.argv[2]), sys.argv[3], "--limits" in sys.argv[4:])
        raise SystemExit(0)
    if sys.argv[1:2] == ["--photo-client"]:
        mode, photos, concurrency = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
        asyncio.run(photo_client(mode, photos, concurrency))
        raise SystemExit(0)
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", choices=["updates", "photos", "chaos"])
    parser.add_argument("--updates", type=int, default=1600)
    parser.add_argument("--photos", type=int, default=24)
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--claims", type=int, default=20)
    parser.add_argument("--broadcast", type=int, default=2000)
    parser.add_argument("--kill-every", type=float, default=10.0)
    parser.add_argument("--burn", type=int, default=0, help="chaos: busy loops beside it")
    parser.add_argument("--dump", type=Path, help="chaos: write kills and windows as JSON here")
    asyncio.run(main(parser.parse_args()))
