"""groupbot's overhead against a bare python-telegram-bot echo bot, answering the same /help.

    .venv/bin/python benchmarks/overhead.py [--rounds 3] [--requests 200] [--rate 5]
                                           [--database-url URL]

Three processes on loopback: the sandbox (``python -m groupbot.sandbox``), one bot at a time
(``groupbot run`` polling it, or ``benchmarks/echo_bot.py``), and this driver, which posts
``/help`` as members through the control API at a steady ``--rate`` (Poisson) and times each
answer (post → the bot's reply stored in the sandbox). The two bots alternate in rounds in one
run, so both see the same machine; ratios are groupbot / echo. Targets (issue 11): p50 ≤ 1.3×,
p99 ≤ 1.5×.
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
    Control,
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


async def round_for(ctl: Control, proc, users, counts, args) -> list[float]:
    proc.start()
    try:
        await steady(ctl, users, counts, 20, args.rate)  # warm-up: imports, pools, caches
        return await steady(ctl, users, counts, args.requests, args.rate)
    finally:
        proc.stop()


async def main(args: argparse.Namespace) -> None:
    work = Path(tempfile.mkdtemp(prefix="groupbot-overhead-"))
    port = free_port()
    sandbox = sandbox_proc(port, work)
    sandbox.start()
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
                    lat = await round_for(ctl, proc, users, counts, args)
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


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=200, help="per bot per round")
    parser.add_argument("--rate", type=float, default=5.0, help="/help per second")
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temp folder")
    asyncio.run(main(parser.parse_args()))
