"""Service desk benchmark: members talking with agents at once, Telegram's limits enforced.

    .venv/bin/python benchmarks/desk.py                      # 50 members, 5 agents, 10 desk chats
    .venv/bin/python benchmarks/desk.py --members 20 --desks 4 --rounds 1   # a quick run

The sandbox runs in its own process (``python -m groupbot.sandbox --limits``: 429 above
~30 messages/s overall, 20/min per group, ~1/s per private chat) and the real bot in this one,
on a fresh SQLite file. Every member asks for a person (/service) and writes; the agent of
their desk chat answers in the member's topic as soon as the message shows there; the member
answers that, for ``--rounds`` rounds. Each text carries a unique token, so we can see when it
arrived (the sandbox's log of the bot's calls, one clock for both processes) and whether it
arrived once. A forum is one chat for the 20-a-minute limit, so members are spread over several
desk chats (GROUPBOT_SERVICE_CHAT_IDS). Not a test: it prints one table.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from telegram import Update  # noqa: E402

from groupbot.app import build_application  # noqa: E402
from groupbot.clock import FrozenClock  # noqa: E402
from groupbot.runtime import Runtime  # noqa: E402
from groupbot.settings import Settings  # noqa: E402

TOKEN = "123456:SANDBOX-TOKEN"
_TOKEN_RE = re.compile(r"\b([ma]\d+r\d+)\b")


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Control:
    def __init__(self, url: str) -> None:
        self.client = httpx.AsyncClient(base_url=f"{url}/control", timeout=30)

    async def __call__(self, method: str, path: str, **body: object) -> object:
        if method == "GET":
            resp = await self.client.get(path, params=body or None)
        else:
            resp = await self.client.post(path, json=body)
        data = resp.json()
        if not data["ok"]:
            raise RuntimeError(f"{path}: {data['error']}")
        return data["result"]


async def main(args: argparse.Namespace) -> None:
    port = free_port()
    sandbox = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "groupbot.sandbox", "--port", str(port), "--limits",
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    control = Control(url)
    try:
        for _ in range(100):
            try:
                await control("GET", "/state")
                break
            except httpx.HTTPError:
                await asyncio.sleep(0.1)
        await run(args, url, control)
    finally:
        sandbox.terminate()
        await sandbox.wait()


async def run(args: argparse.Namespace, url: str, control: Control) -> None:
    agents = [await control("POST", "/users", first_name=f"客服{i}") for i in range(args.agents)]
    desks = []
    for i in range(args.desks):
        owner = agents[i % len(agents)]
        desk = await control("POST", "/forums", title=f"客服台{i}", admins=[owner["id"]])
        desks.append((desk, owner))
    members = [await control("POST", "/users", first_name=f"会员{i}", started=True)
               for i in range(args.members)]
    clock = FrozenClock(datetime(2026, 11, 20, 2, 0, tzinfo=UTC))  # 10:00 in Shanghai: open
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            bot_token=TOKEN, base_url=f"{url}/bot", base_file_url=f"{url}/file/bot",
            database_url=f"sqlite+aiosqlite:///{tmp}/bench.db", tick_seconds=0.5,
            service_chat_id=desks[0][0]["id"],
            service_chat_ids=frozenset(d["id"] for d, _ in desks[1:]),
        )
        app = build_application(settings, runtime=Runtime.create(settings, clock=clock))
        await app.initialize()
        await app.post_init(app)
        await app.updater.start_polling(poll_interval=0, timeout=1,
                                        allowed_updates=Update.ALL_TYPES)
        await app.start()
        try:
            for desk, owner in desks:  # one at a time: each is a staff chat the bot greets
                await control("POST", f"/groups/{desk['id']}/bot", by=owner["id"], as_admin=True)
                await asyncio.sleep(0.3)
            await asyncio.sleep(1.0)
            result = await converse(args, control, desks, members)
        finally:
            await app.updater.stop()
            await app.stop()
            await app.shutdown()
            await app.post_shutdown(app)
    report(args, result, await control("GET", "/stats"))


async def converse(args, control: Control, desks, members) -> dict:
    desk_ids = {d["id"]: owner for d, owner in desks}
    sent_at: dict[str, float] = {}  # token → when a person sent it
    arrived: dict[str, float] = {}  # token → when the bot delivered it (first time)
    thread_of: dict[int, tuple[int, int]] = {}  # member index → (desk chat, thread)
    next_round: dict[str, tuple[str, int]] = {}  # token delivered → what follows it
    calls_seen = 0

    async def member_says(i: int, r: int) -> None:
        token = f"m{i}r{r}"
        sent_at[token] = time.time()
        await control("POST", "/send_text", user_id=members[i]["id"], chat_id=members[i]["id"],
                      text=f"{token} 我的芒果坏了，第 {r} 次问")
        next_round[token] = ("agent", i)

    async def agent_says(i: int, r: int) -> None:
        chat, thread = thread_of[i]
        token = f"a{i}r{r}"
        sent_at[token] = time.time()
        await control("POST", "/send_text_in_topic", user_id=desk_ids[chat]["id"], chat_id=chat,
                      thread_id=thread, text=f"{token} 您好，马上帮您处理")
        if r < args.rounds:
            next_round[token] = ("member", i)

    started = time.time()
    for member in members:
        await control("POST", "/send_text", user_id=member["id"], chat_id=member["id"],
                      text="/service")
    await asyncio.sleep(0.5)
    await asyncio.gather(*(member_says(i, 1) for i in range(len(members))))
    expected = 2 * len(members) * args.rounds
    deadline = time.time() + args.timeout
    shown = time.time()
    while len(arrived) < expected and time.time() < deadline:
        await asyncio.sleep(0.2)
        if time.time() - shown > 10:
            shown = time.time()
            print(f"  {len(arrived)}/{expected} delivered after {shown - started:.0f} s",
                  file=sys.stderr)
        calls = await control("GET", "/calls", since=calls_seen)
        calls_seen += len(calls)
        follow_ups = []
        for call in calls:
            if call["method"] not in ("sendMessage", "copyMessage"):
                continue
            params = call["params"]
            for token in _TOKEN_RE.findall(str(params.get("text", ""))):
                if token in arrived or token not in sent_at:
                    continue
                arrived[token] = call["time"]
                i, r = int(token[1:].split("r")[0]), int(token.split("r")[1])
                if token.startswith("m"):
                    thread_of[i] = (int(params["chat_id"]), int(params["message_thread_id"]))
                    follow_ups.append(agent_says(i, r))
                elif r < args.rounds:
                    follow_ups.append(member_says(i, r + 1))
        await asyncio.gather(*follow_ups)
    elapsed = time.time() - started
    counts = await final_counts(control, desks, members)
    return {"sent_at": sent_at, "arrived": arrived, "counts": counts, "elapsed": elapsed,
            "expected": expected}


async def final_counts(control: Control, desks, members) -> dict[str, int]:
    """How often each token appears in the bot's messages, over every chat, at the end."""
    counts: dict[str, int] = {}
    chats = [d["id"] for d, _ in desks] + [m["id"] for m in members]
    for chat in chats:
        for message in await control("GET", f"/chats/{chat}/messages", bot_only="1"):
            for token in _TOKEN_RE.findall(message.get("text") or ""):
                counts[token] = counts.get(token, 0) + 1
    return counts


def report(args, result: dict, stats: dict) -> None:
    sent_at, arrived, counts = result["sent_at"], result["arrived"], result["counts"]
    ways = {"member → agent": "m", "agent → member": "a"}
    print(f"\nservice desk: {args.members} members, {args.agents} agents, {args.desks} desk "
          f"chats, {args.rounds} round(s) each way; sandbox limits on; "
          f"{result['elapsed']:.0f} s")
    print(f"{'direction':<16} {'sent':>5} {'p50 s':>7} {'p99 s':>7} {'max s':>7} "
          f"{'lost':>5} {'dups':>5}")
    for label, prefix in ways.items():
        tokens = [t for t in sent_at if t.startswith(prefix)]
        waits = [arrived[t] - sent_at[t] for t in tokens if t in arrived]
        lost = sum(1 for t in tokens if counts.get(t, 0) == 0)
        dups = sum(1 for t in tokens if counts.get(t, 0) > 1)
        print(f"{label:<16} {len(tokens):>5} {pct(waits, 50):>7.2f} {pct(waits, 99):>7.2f} "
              f"{max(waits, default=float('nan')):>7.2f} {lost:>5} {dups:>5}")
    print(f"429 answered by the sandbox: {stats['rejected_429']}; bot messages sent: "
          f"{stats['sent']}; createForumTopic: {stats['methods'].get('createForumTopic', 0)}")


if __name__ == "__main__":
    import logging

    logging.getLogger("apscheduler").setLevel(logging.ERROR)  # long ticks wait for the limits
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=50)
    parser.add_argument("--agents", type=int, default=5)
    parser.add_argument("--desks", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=900)
    asyncio.run(main(parser.parse_args()))
