"""groupbot's overhead against a bare python-telegram-bot echo bot, answering the same /help.

    .venv/bin/python benchmarks/overhead.py [--rounds 3] [--requests 200] [--rate 5]
                                           [--database-url URL] [--split]

Three processes on loopback: the sandbox (``python -m groupbot.sandbox``), one bot at a time
(``groupbot run`` polling it, or ``benchmarks/echo_bot.py``), and this driver, which posts
``/help`` as members through the control API at a steady ``--rate`` (Poisson) and times each
answer (post → the bot's reply stored in the sandbox). The two bots alternate in rounds in one
run, so both see the same machine; ratios are groupbot / echo. Targets (issue 11): p50 ≤ 1.3×,
p99 ≤ 1.5×.

``--split`` runs the sandbox with observers that write down when each update was made, when the
bot got it (getUpdates) and when its answer was stored, and prints where the time of the
slowest answers went: waiting for the bot to ask for updates, or the bot handling it.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from live import (  # noqa: E402
    PYTHON,
    TOKEN,
    Control,
    Proc,
    bot_env,
    bot_proc,
    echo_proc,
    free_port,
    pct,
    print_table,
    sandbox_proc,
)

MEMBERS = 20


async def one(ctl: Control, user: int, counts: dict[int, int], out: list[float]) -> None:
    start = time.monotonic()
    await ctl.say(user, user, "/help")
    counts[user] += 1
    await ctl.wait_bot(user, counts[user], limit=60)
    out.append(time.monotonic() - start)


async def steady(ctl: Control, users: list[int], counts: dict[int, int], n: int,
                 rate: float) -> list[float]:
    """``n`` /help at ``rate`` per second; a member never has two in flight."""
    out: list[float] = []
    busy: set[int] = set()
    tasks = []
    for _ in range(n):
        user = random.choice([u for u in users if u not in busy])
        busy.add(user)
        task = asyncio.create_task(one(ctl, user, counts, out))
        task.add_done_callback(lambda _t, u=user: busy.discard(u))
        tasks.append(task)
        await asyncio.sleep(random.expovariate(rate))
    await asyncio.gather(*tasks)
    return out


async def round_for(ctl: Control, proc, users, counts, args,
                    spans: list[tuple[float, float]]) -> list[float]:
    proc.start()
    try:
        await steady(ctl, users, counts, 20, args.rate)  # warm-up: imports, pools, caches
        began = time.time()
        try:
            return await steady(ctl, users, counts, args.requests, args.rate)
        finally:
            spans.append((began, time.time()))
    finally:
        proc.stop()


async def main(args: argparse.Namespace) -> None:
    work = Path(tempfile.mkdtemp(prefix="groupbot-overhead-"))
    port = free_port()
    timeline = work / "timeline.log"
    if args.split:
        sandbox = Proc([PYTHON, __file__, "--sandbox", str(port), str(timeline)], {},
                       work / "sandbox.log")
    else:
        sandbox = sandbox_proc(port, work)
    sandbox.start()
    measured: dict[str, list[tuple[float, float]]] = {"echo": [], "groupbot": []}
    url = args.database_url or f"sqlite+aiosqlite:///{work / 'groupbot.db'}"
    bot = bot_proc(bot_env(port, url, tick_seconds=2), work)
    echo = echo_proc(port, work)
    results: dict[str, list[float]] = {"echo": [], "groupbot": []}
    try:
        async with Control(port) as ctl:
            await ctl.wait_up()
            users = [await ctl.user(f"成员{i}", started=True) for i in range(MEMBERS)]
            counts = dict.fromkeys(users, 0)
            for r in range(args.rounds):
                for name, proc in (("echo", echo), ("groupbot", bot)):
                    lat = await round_for(ctl, proc, users, counts, args, measured[name])
                    results[name] += lat
                    print(f"round {r + 1} {name:8}: p50 {pct(lat, 50) * 1000:6.1f} ms  "
                          f"p99 {pct(lat, 99) * 1000:6.1f} ms", flush=True)
    finally:
        bot.kill()
        echo.kill()
        sandbox.kill()
    e, g = results["echo"], results["groupbot"]
    rows = []
    for q in (50, 90, 99):
        rows.append((f"p{q}", f"{pct(e, q) * 1000:.1f} ms", f"{pct(g, q) * 1000:.1f} ms",
                     f"{pct(g, q) / pct(e, q):.2f}×"))
    print_table(f"/help latency, {len(e)} + {len(g)} requests at {args.rate}/s, "
                f"{args.rounds} alternating rounds ({url.split(':')[0]})",
                ("", "echo bot", "groupbot", "ratio"), rows)
    print("targets: p50 ≤ 1.30×, p99 ≤ 1.50×")
    if args.split:
        print_split(timeline, measured)


def run_sandbox(port: int, log_path: str) -> None:
    """The sandbox, writing down each update's making and handing and each bot message."""
    from groupbot.sandbox.server import Sandbox

    sandbox = Sandbox(TOKEN, port=port)
    st = sandbox.state
    out = open(log_path, "w", buffering=1)  # noqa: SIM115 - line-buffered: a kill loses none

    def update(event: str, update_id: int) -> None:
        chat = 0
        if event == "queued" and st.updates:
            chat = ((st.updates[-1].get("message") or {}).get("chat") or {}).get("id", 0)
        out.write(f"{time.time():.6f} {event} {update_id} {chat}\n")

    def stored(chat_id: int, message_id: int) -> None:
        record = st.messages.get(chat_id, {}).get(message_id)
        if record is not None and record.from_bot:
            out.write(f"{time.time():.6f} answer {chat_id} {message_id}\n")

    st.update_observers.append(update)
    st.observers.append(stored)

    async def run() -> None:
        await sandbox.start()
        await asyncio.Event().wait()

    asyncio.run(run())


def print_split(timeline: Path, measured: dict[str, list[tuple[float, float]]]) -> None:
    """Each measured /help: made → handed to the bot → its answer stored."""
    import bisect

    made: dict[int, tuple[float, int]] = {}
    handed: dict[int, float] = {}
    answers: dict[int, list[float]] = {}
    for line in timeline.read_text().splitlines():
        at, event, a, b = line.split()
        if event == "queued":
            made[int(a)] = (float(at), int(b))
        elif event == "handed":
            handed.setdefault(int(a), float(at))
        elif event == "answer":
            answers.setdefault(int(a), []).append(float(at))
    rows = []
    for name, spans in measured.items():
        parts = []  # (total, waiting for the bot to fetch, handling)
        for update_id, (at, chat) in made.items():
            if update_id not in handed or not any(a <= at <= b for a, b in spans):
                continue
            stored = answers.get(chat, [])
            i = bisect.bisect_left(stored, at)
            if i < len(stored):
                parts.append((stored[i] - at, handed[update_id] - at, stored[i] - handed[update_id]))
        if not parts:
            continue
        parts.sort()
        slow = parts[-max(1, len(parts) // 100):]
        fetch = sorted(p[1] for p in parts)
        handle = sorted(p[2] for p in parts)
        rows.append((name, len(parts), f"{pct(fetch, 50) * 1000:.1f} / {pct(fetch, 99) * 1000:.1f}",
                     f"{pct(handle, 50) * 1000:.1f} / {pct(handle, 99) * 1000:.1f}",
                     f"{100 * sum(1 for f in fetch if f > 0.002) / len(fetch):.1f} %",
                     " ".join(f"{p[0] * 1000:.0f}={p[1] * 1000:.0f}+{p[2] * 1000:.0f}"
                              for p in slow)))
    print_table("where the time went (sandbox timeline, ms)",
                ("bot", "n", "made → fetched p50 / p99", "fetched → answered p50 / p99",
                 "waited > 2 ms for a poll", "slowest 1 %: total = waiting + handling"), rows)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--sandbox"]:
        run_sandbox(int(sys.argv[2]), sys.argv[3])
        raise SystemExit(0)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=200, help="per bot per round")
    parser.add_argument("--rate", type=float, default=5.0, help="/help per second")
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temp folder")
    parser.add_argument("--split", action="store_true",
                        help="also print where the time went (a sandbox timeline)")
    asyncio.run(main(parser.parse_args()))
