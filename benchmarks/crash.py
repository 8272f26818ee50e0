"""Crash safety: the bot SIGKILLed at random moments while people use it, restarted each time.

    .venv/bin/python benchmarks/crash.py [--trials 500] [--stories 4] [--max-gap 3]
                                         [--database-url URL]

Three processes on loopback: the sandbox (``python -m groupbot.sandbox``: Telegram, which keeps
every update and message across the bot's deaths), the bot (``groupbot run``), and this driver.
The driver plays people through whole stories, ``--stories`` at a time: the organizer posts a
deal, a member joins it, the organizer marks it shipped and delivered, the member files a photo
claim and submits it, the reviewer approves the card in the reviewers' group, and marks the
refund paid with a reference. Like people, they wait for the bot's answer and do the step again
when none comes (a person taps again). Meanwhile the bot is SIGKILLed at a random moment
(uniform in 0..``--max-gap`` s after it came up) and started again; each kill is one trial.
After the last trial the bot runs undisturbed until every story is finished, then the database
and every chat are checked:

* lost claims: a member was told "submitted #N" but claim N is not theirs in the database;
* silent claims: a claim in the database whose member was never told;
* refund > paid: an order line whose refunds exceed what was paid;
* notices never received: a claim approved or paid, an order delivered, whose member never
  had that notice;
* duplicates: a state-change message said twice (submitted, approved, paid, a delivery notice,
  a deal card, a reviewer card or evidence sheet for one claim).

``--windows`` runs the bot under benchmarks/send_window_probe.py and adds a table of how long
each send that must happen once was open to a kill, and the duplicates per 1000 trials those
windows make expected: a figure read off every second of the bot's lives, where the count
above rests on the handful of kills that happened to land in one.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from live import Control, bot_env, bot_proc, buttons, free_port, pct, print_table, sandbox_proc  # noqa: E402,I001

SUBMITTED = re.compile(r"已提交售后申请 #(\d+)")
APPROVED = re.compile(r"你的售后申请 #(\d+) 已通过")
PAID = re.compile(r"售后申请 #(\d+) 的退款 .* 已打款")
DELIVERED = re.compile(r"订单 #(\d+) 已送达")
PAUSED = "这次售后申请先暂停了"  # claims.idle_closed: "send /claim to carry on"
CARD = re.compile(r"📋 售后申请 #(\d+) · ")  # the card's title line
SHEET = re.compile(r"售后申请 #(\d+) 照片证据")  # the evidence sheet's caption


KINDS = ("submitted", "approved", "paid", "delivered", "reviewer card", "reviewer sheet",
         "deal card")
# The notices a member must have had once the run settled: (claim or order id, their
# Telegram id) for each state the database says was reached.
OWED = {
    "approved": "SELECT c.id, m.telegram_id FROM claims c JOIN members m ON m.id = c.member_id"
                " WHERE c.status IN ('approved', 'paid')",
    "paid": "SELECT c.id, m.telegram_id FROM claims c JOIN members m ON m.id = c.member_id"
            " WHERE c.status = 'paid'",
    "delivered": "SELECT o.id, m.telegram_id FROM orders o JOIN members m ON m.id = o.member_id"
                 " WHERE o.status = 'delivered'",
}
READY = "Application started"  # PTB's log line once polling runs


class Stuck(Exception):
    pass


class Person:
    def __init__(self, ctl: Control, uid: int, patience: float) -> None:
        self.ctl, self.id, self.patience = ctl, uid, patience

    async def act_until(self, chat: int, action, found, tries: int = 40):
        """Do ``action``, then wait for ``found(messages)`` to return something; a person who
        hears nothing for ``patience`` seconds does it again."""
        for _ in range(tries):
            messages = await self.ctl.bot_messages(chat)
            if (hit := found(messages)) is not None:
                return hit
            if messages and PAUSED in (messages[-1].get("text") or ""):
                # The claim waited past the idle limit (the bot was down meanwhile): a person
                # does what the bot says, /claim, and carries on from the saved step.
                await self.ctl.say(self.id, chat, "/claim")
            await action()
            deadline = time.monotonic() + self.patience
            while time.monotonic() < deadline:
                await asyncio.sleep(0.4)
                if (hit := found(await self.ctl.bot_messages(chat))) is not None:
                    return hit
        messages = await self.ctl.bot_messages(chat)
        last = messages[-1] if messages else {}
        said = (last.get("text") or last.get("caption") or "")[:50].replace("\n", " ")
        raise Stuck(f"user {self.id} got no answer in chat {chat}; the bot's last message "
                    f"there: {said!r} {[d for _, d in buttons(last)] if last else ''}")

    def tap(self, message: dict, data: str):
        async def again() -> None:
            try:
                await self.ctl.tap(self.id, message, data)
            except RuntimeError as exc:
                # The bot already took the button away (it acted on the first tap and its
                # answer is still on the way, e.g. in the outbox across a restart): a person
                # finds nothing to tap and keeps waiting.
                if "no button" not in str(exc):
                    raise
        return again

    def tap_current(self, chat: int, data: str):
        """Tap ``data`` on whichever message shows it now: a second copy of a card that a
        crash left shows stale buttons until it is tapped (the bot then refreshes it)."""
        async def again() -> None:
            for m in reversed(await self.ctl.bot_messages(chat)):
                if any(d == data for _, d in buttons(m)):
                    await self.tap(m, data)()
                    return
        return again

    def say(self, chat: int, text: str):
        return lambda: self.ctl.say(self.id, chat, text)


def with_button(pred, after: int = 0):
    """The newest bot message (from index ``after``) with a button whose data matches."""
    def found(messages: list[dict]):
        for m in reversed(messages[after:]):
            for _text, data in buttons(m):
                if pred(data):
                    return m, data
        return None
    return found


def with_text(pattern: re.Pattern, after: int = 0):
    def found(messages: list[dict]):
        for m in reversed(messages[after:]):
            if (hit := pattern.search(m.get("text") or m.get("caption") or "")):
                return m, hit
        return None
    return found


class Cast:
    def __init__(self, ctl: Control, organizer: Person, reviewer: Person, group: int,
                 room: int, photo: bytes) -> None:
        self.ctl, self.organizer, self.reviewer = ctl, organizer, reviewer
        self.group, self.room, self.photo = group, room, photo
        self.lock = asyncio.Lock()  # the organizer and the reviewer do one thing at a time


async def story(cast: Cast, n: int, member: Person) -> None:
    ctl, org, rev = cast.ctl, cast.organizer, cast.reviewer
    name = f"苹果{n:04d}"
    async with cast.lock:
        card, _ = await org.act_until(
            cast.group, org.say(cast.group, f"/deal {name} 5/个 23:59 限购20 库存100"),
            lambda ms: next(((m, None) for m in reversed(ms)
                             if name in (m.get("text") or "") and buttons(m)), None))
    deal = int(re.search(r"deal:(\d+):", next(d for _, d in buttons(card) if "deal:" in d))[1])
    seen = len(await ctl.bot_messages(member.id))
    await member.act_until(member.id, member.tap(card, f"deal:{deal}:j:2"),
                           lambda ms: ms[-1] if len(ms) > seen else None)
    async with cast.lock:
        seen = len(await ctl.bot_messages(org.id))
        await org.act_until(org.id, org.say(org.id, f"/ship deal {deal} 顺丰 SF1234567890"),
                            lambda ms: ms[-1] if len(ms) > seen else None)
        seen = len(await ctl.bot_messages(org.id))
        await org.act_until(org.id, org.say(org.id, f"/delivered deal {deal}"),
                            lambda ms: ms[-1] if len(ms) > seen else None)
    notice, data = await member.act_until(member.id, _nothing,
                                          with_button(lambda d: d.startswith("claim:new:")))
    seen = len(await ctl.bot_messages(member.id))
    m, data = await member.act_until(member.id, member.tap(notice, data),
                                     with_button(lambda d: d.startswith("cl:u:"), seen))
    data = [d for _, d in buttons(m) if d.startswith("cl:u:")][-1]
    m, data = await member.act_until(member.id, member.tap(m, data),
                                     with_button(lambda d: d == "cl:r:rotten", seen))
    m, data = await member.act_until(member.id, member.tap(m, data),
                                     with_button(lambda d: d == "cl:skip", seen))
    seen = len(await ctl.bot_messages(member.id))
    await member.act_until(member.id, member.tap(m, data),
                           lambda ms: ms[-1] if len(ms) > seen else None)
    seen = len(await ctl.bot_messages(member.id))
    m, data = await member.act_until(member.id, lambda: ctl.photo(member.id, member.id, cast.photo),
                                     with_button(lambda d: d == "cl:done", seen))
    m, data = await member.act_until(member.id, member.tap(m, data),
                                     with_button(lambda d: d == "cl:submit", seen))
    _, hit = await member.act_until(member.id, member.tap(m, data), with_text(SUBMITTED, seen))
    claim = int(hit[1])
    card, data = await rev.act_until(
        cast.room, _nothing, with_button(lambda d: d == f"rv:a:{claim}"))
    await rev.act_until(cast.room, rev.tap_current(cast.room, f"rv:a:{claim}"),
                        lambda ms: None if _has_button(ms, f"rv:a:{claim}") else True)
    await member.act_until(member.id, _nothing, with_text(APPROVED))
    async with cast.lock:
        seen = len(await ctl.bot_messages(rev.id))
        m, data = await rev.act_until(rev.id, rev.say(rev.id, "/payouts"),
                                      payout_button(claim, seen))
        seen = len(await ctl.bot_messages(rev.id))
        await rev.act_until(rev.id, rev.tap(m, data),
                            lambda ms: ms[-1] if len(ms) > seen else None)
        seen = len(await ctl.bot_messages(rev.id))
        await rev.act_until(rev.id, rev.say(rev.id, f"WX{claim:06d}"),
                            lambda ms: ms[-1] if len(ms) > seen else None)
    await member.act_until(member.id, _nothing, with_text(PAID))


def payout_button(claim: int, after: int):
    """The newest /payouts list with the claim's "paid" button: it names the refund, whose id
    is the claim's only where both ids happen to run in step (SQLite), so found by its label."""
    def found(messages: list[dict]):
        for m in reversed(messages[after:]):
            for label, data in buttons(m):
                if data.startswith("rv:p:") and f"#{claim} " in label:
                    return m, data
        return None
    return found


async def _nothing() -> None:
    return None


def _has_button(messages: list[dict], data: str) -> bool:
    return any(d == data for m in messages for _, d in buttons(m))


async def up(bot, before: int, limit: float = 120) -> None:
    """Wait until the bot (re)started has said it is ready; a kill during its imports proves
    nothing about the bot's own state."""
    deadline = time.monotonic() + limit
    while bot.log.read_text(errors="replace").count(READY) <= before:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the bot did not come up: see {bot.log}")
        await asyncio.sleep(0.1)


async def killer(bot, trials: int, max_gap: float, done: list[float], stop: asyncio.Event,
                 budget: float) -> None:
    """Kill and restart until ``trials`` kills or ``budget`` seconds, whichever comes first."""
    deadline = time.monotonic() + budget
    while len(done) < trials and not stop.is_set() and time.monotonic() < deadline:
        await asyncio.sleep(random.uniform(0, max_gap))
        before = bot.log.read_text(errors="replace").count(READY)
        bot.kill()
        done.append(time.time())
        bot.start()
        await up(bot, before)


async def check(ctl: Control, url: str, members: list[Person], reviewer: Person,
                room: int, group: int) -> dict[str, int]:
    from sqlalchemy import text

    from groupbot.db import make_engine

    engine = make_engine(url)
    async with engine.connect() as conn:
        claims = {(r[0], r[1]) for r in await conn.execute(text(
            "SELECT c.id, m.telegram_id FROM claims c JOIN members m ON m.id = c.member_id"))}
        over = (await conn.execute(text(
            "SELECT count(*) FROM order_items WHERE refunded_minor > paid_minor"))).scalar()
        # What each member must have heard, from what the database holds.
        owed = {kind: {(r[0], r[1]) for r in await conn.execute(text(query))}
                for kind, query in OWED.items()}
    await engine.dispose()
    told: Counter = Counter()
    dupes: Counter = Counter()
    heard: set[tuple[str, int, int]] = set()
    for member in members:
        texts = [m.get("text") or "" for m in await ctl.bot_messages(member.id)]
        for pattern, kind in ((SUBMITTED, "submitted"), (APPROVED, "approved"), (PAID, "paid"),
                              (DELIVERED, "delivered")):
            hits = Counter(h[1] for t in texts for h in [pattern.search(t)] if h)
            dupes[kind] += sum(n - 1 for n in hits.values())
            heard.update((kind, int(k), member.id) for k in hits)
            if kind == "submitted":
                told.update({(int(k), member.id): 1 for k in hits})
    unheard = {f"unheard {kind}": sum(1 for key in keys if (kind, *key) not in heard)
               for kind, keys in owed.items()}
    cards = Counter(hit[1] for m in await ctl.bot_messages(room)
                    for hit in [CARD.match(m.get("text") or "")] if hit)
    dupes["reviewer card"] = sum(n - 1 for n in cards.values())
    sheets = Counter(hit[1] for m in await ctl.bot_messages(room)
                     for hit in [SHEET.match(m.get("caption") or "")] if hit)
    dupes["reviewer sheet"] = sum(n - 1 for n in sheets.values())
    deal_cards = Counter(m.get("text", "").split("\n")[0] for m in await ctl.bot_messages(group)
                         if any(d.startswith("deal:") for _, d in buttons(m)))
    dupes["deal card"] = sum(n - 1 for n in deal_cards.values())
    lost = sum(1 for key in told if key not in claims)
    silent = sum(1 for key in claims if key not in told)
    return {"lost": lost, "silent": silent, "over": over, **unheard, **dupes}


async def main(args: argparse.Namespace) -> None:
    from groupbot.evidence.synth import make_claim_photo

    work = Path(tempfile.mkdtemp(prefix="groupbot-crash-"))
    port = free_port()
    sandbox = sandbox_proc(port, work)
    sandbox.start()
    url = args.database_url or f"sqlite+aiosqlite:///{work / 'groupbot.db'}"
    photo = make_claim_photo("SF1234567890", damaged=True, seed=7)
    kills: list[float] = []  # when each SIGKILL was sent
    members: list[Person] = []
    finished = 0
    stuck: list[str] = []
    try:
        async with Control(port) as ctl:
            await ctl.wait_up()
            org = Person(ctl, await ctl.user("王团长", started=True), args.patience)
            rev = Person(ctl, await ctl.user("李审核", started=True), args.patience)
            group = (await ctl.post("/groups", title="幸福里团购群", members=[org.id],
                                    admins=[org.id]))["id"]
            room = (await ctl.post("/groups", title="审核组", members=[rev.id]))["id"]
            env = bot_env(port, url, organizer_ids=[org.id], reviewer_ids=[rev.id],
                          reviewers_chat_id=room, tick_seconds=0.5)
            if args.windows:
                env["GROUPBOT_WINDOW_LOG"] = str(work / "windows.log")
            bot = bot_proc(env, work)
            if args.windows:  # the same bot with a stopwatch on its sends (send_window_probe)
                bot.args = [bot.args[0], str(ROOT / "benchmarks" / "send_window_probe.py"),
                            "run"]
            bot.start()
            await up(bot, 0)
            await ctl.post(f"/groups/{group}/bot", by=org.id)
            await ctl.post(f"/groups/{room}/bot", by=rev.id)
            for p in (org, rev):
                await ctl.say(p.id, p.id, "/start")
            await ctl.post("/settle", quiet=1.0, timeout=60)
            cast = Cast(ctl, org, rev, group, room, photo)
            stop = asyncio.Event()
            kill_task = asyncio.create_task(killer(bot, args.trials, args.max_gap, kills, stop,
                                                    args.minutes * 60))
            t0 = time.monotonic()
            counter = 0

            async def slot() -> None:
                nonlocal counter, finished
                while not kill_task.done():
                    counter += 1
                    n = counter
                    member = Person(ctl, await ctl.user(f"成员{n}", started=True), args.patience)
                    await ctl.post(f"/groups/{group}/join", user_id=member.id)
                    # Like every other step: a /start lost to a kill is sent again.
                    await member.act_until(member.id, member.say(member.id, "/start"),
                                           lambda ms: ms[-1] if ms else None)
                    members.append(member)
                    try:
                        await story(cast, n, member)
                        finished += 1
                    except Stuck as exc:
                        stuck.append(str(exc))
                    if n % 10 == 0:
                        print(f"{len(kills)} kills, {finished} stories done, "
                              f"{time.monotonic() - t0:.0f} s", flush=True)

            await asyncio.gather(*[slot() for _ in range(args.stories)])
            await kill_task
            await ctl.post("/settle", quiet=3.0, timeout=120)
            result = await check(ctl, url, members, rev, room, group)
            bot.stop()
    finally:
        sandbox.kill()
    rows = [("trials (SIGKILL + restart)", len(kills), f"asked for {args.trials}"),
            ("stories finished / stuck", f"{finished} / {len(stuck)}",
             stuck[0][:60] if stuck else ""),
            ("lost claims (told submitted, no claim)", result["lost"], "target 0"),
            ("claims whose member was never told", result["silent"], "target 0"),
            ("order lines refunded > paid", result["over"], "target 0")]
    for kind in OWED:  # a notice marked sent once its request left, then never arrived
        rows.append((f"{kind} notices never received", result[f"unheard {kind}"], "target 0"))
    for kind in KINDS:
        rows.append((f"duplicate: {kind}", result.get(kind, 0), ""))
    total_dupes = sum(result.get(k, 0) for k in KINDS)
    rows.append(("duplicates per 1000 trials", f"{1000 * total_dupes / max(len(kills), 1):.1f}",
                 "target ≤ 1"))
    print_table(f"crash safety ({url.split(':')[0]}), kills 0..{args.max_gap} s apart",
                ("", "count", "note"), rows)
    for reason in stuck:  # where each stuck story stopped, to look into
        print("stuck:", reason)
    if args.windows:
        print_windows(work / "windows.log", kills)


def print_windows(log: Path, kills: list[float]) -> None:
    """How long each send that must happen once was open to a kill (its request written → its
    journal line), and how many such sends a kill lands in on average: the expected duplicates
    per trial, read off every life of the bot instead of off the few kills that hit one."""
    ready: list[float] = []
    sends: dict[str, list[tuple[float, ...]]] = {}
    for fields in (line.split() for line in log.read_text().splitlines()):
        if fields[0] == "ready":
            ready.append(float(fields[1]))
        elif fields[0] == "send":
            # request started, PTB's request returned, journal line, request written, answer's
            # headers read
            sends.setdefault(fields[1], []).append(tuple(float(f) for f in fields[2:7]))
    lives = [(r, min((k for k in kills if k > r), default=None)) for r in ready]
    lives = [(r, k) for r, k in lives if k is not None]
    exposed = sum(k - r for r, k in lives)

    def per_1000(rows: list[tuple[float, ...]]) -> float:
        # A kill before the request's last byte is written sends nothing: the window opens there.
        cut = sum(max(0.0, min(end, k) - max(wrote, r))
                  for _, _, end, wrote, _ in rows for r, k in lives)
        return 1000 * cut / max(exposed, 1e-9)

    def spread(values: list[float]) -> str:
        return (f"{pct(values, 50):.1f} / {pct(values, 90):.1f} / {pct(values, 99):.1f} / "
                f"{max(values, default=float('nan')):.1f}")

    every = [s for rows in sends.values() for s in rows]
    parts = (("PTB's request started → written (not open yet)", 0, 3),
             ("written → journal line (open to a kill)", 3, 2),
             ("… written → answer's headers read", 3, 4),
             ("… headers read → journal line", 4, 2),
             ("(headers read → PTB's request returned)", 4, 1))
    table = [(name, spread([1000 * (s[b] - s[a]) for s in every]), "") for name, a, b in parts]
    for kind, rows in sorted(sends.items()):
        table.append((f"{kind}: {len(rows)} sends, written → journal",
                      spread([1000 * (s[2] - s[3]) for s in rows]),
                      f"{per_1000(rows):.2f} per 1000"))
    table.append(("lives / seconds of life after ready", f"{len(lives)} / {exposed:.0f}", ""))
    table.append(("expected duplicates per 1000 trials", f"{per_1000(every):.2f}",
                  "sends open at a kill, on average"))
    print_table("send windows (ms: p50 / p90 / p99 / max)", ("", "value", "note"), table)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=500)
    parser.add_argument("--stories", type=int, default=4, help="stories played at once")
    parser.add_argument("--max-gap", type=float, default=3.0, help="seconds between kills")
    parser.add_argument("--patience", type=float, default=8.0,
                        help="seconds a person waits before doing a step again")
    parser.add_argument("--minutes", type=float, default=120,
                        help="stop killing after this long even if fewer trials were made")
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temp folder")
    parser.add_argument("--windows", action="store_true",
                        help="time every send that must happen once (send_window_probe.py)")
    asyncio.run(main(parser.parse_args()))
