"""Broadcast benchmark: the real bot against the sandbox with Telegram's limits enforced.

    .venv/bin/python benchmarks/broadcast.py                     # 10,000 members + 200 groups
    .venv/bin/python benchmarks/broadcast.py --private 1000 --groups 50   # a quick run

The sandbox answers 429 above ~30 messages/s overall, 20/min per group and ~1/s per private
chat (groupbot/sandbox/limits.py). Members who started the bot and the groups are seeded
straight into the database and the sandbox (not /start one by one); the organizer then
composes the broadcast through the sandbox like a person (/broadcast, the text, "everyone",
send now, confirm), and while it goes out, members send /help to the bot (``--chatter`` per
second) and we time the replies. Not a test: it prints one table. The sandbox and the bot
share one process and one event loop, as in the tests.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402
from telegram import Update  # noqa: E402

from groupbot.app import build_application  # noqa: E402
from groupbot.clock import Clock  # noqa: E402
from groupbot.db import make_engine, make_sessionmaker  # noqa: E402
from groupbot.models import Group, Member  # noqa: E402
from groupbot.runtime import Runtime  # noqa: E402
from groupbot.sandbox import Sandbox  # noqa: E402
from groupbot.settings import Settings  # noqa: E402
from handlers.broadcasts_delivery import running  # noqa: E402

TEXT = "📣 <b>明早 7 点到货</b>：请到 3 号楼大堂取货，带好取货码。"
PLAIN = "📣 明早 7 点到货：请到 3 号楼大堂取货，带好取货码。"


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


async def until(predicate, step: float) -> None:
    """Poll the bot's state (a delivery task has no event to wait on)."""
    while True:
        if predicate():
            return
        await asyncio.sleep(step)


async def seed(sb: Sandbox, rt: Runtime, organizer, private: int, groups: int):
    now = rt.clock.now()
    users = [sb.add_user(f"成员{i}", started=True) for i in range(private)]
    chats = []
    for i in range(groups):
        chat = sb.add_group(f"团购群 {i:03d}", members=[organizer], admins=[organizer])
        chat.bot_status = "member"  # the bot is in it (its join was handled long ago)
        chats.append(chat)
    async with rt.tx() as session:
        await session.execute(insert(Member), [
            {"telegram_id": u.id, "first_name": u.first_name, "started_at": now,
             "created_at": now} for u in users])
        await session.execute(insert(Group), [
            {"community_id": rt.community_id, "chat_id": c.id, "title": c.title,
             "chat_type": "supergroup", "active": True, "registered_at": now} for c in chats])
    return users, chats


async def say(sb: Sandbox, user, text: str) -> dict:
    """Send as the organizer and wait for the bot's next message in their chat."""
    before = sb.state.bot_sent.get(user.id, 0)
    await sb.send_text(user, user, text)
    messages = await sb.wait_for_bot_messages(user, before + 1, timeout=30)
    return messages[-1]


async def tap(sb: Sandbox, user, message: dict, label: str, replies: int = 1) -> list[dict]:
    before = sb.state.bot_sent.get(user.id, 0)
    [data] = [d for text, d in sb.buttons(message) if label in text]
    await sb.tap(user, message, data)
    messages = await sb.wait_for_bot_messages(user, before + replies, timeout=30)
    await asyncio.sleep(1.2)  # a person reads before tapping again (and 1 msg/s per chat)
    return messages[-replies:]


async def chatter(sb: Sandbox, members: list, per_second: float, latencies: list[float],
                  stop: asyncio.Event) -> None:
    """Members write /help to the bot; the time until its answer is the reply latency."""
    st = sb.state

    async def one(user) -> None:
        def answers() -> int:
            records = st.messages.get(user.id, {}).values()
            return sum(1 for r in records if r.from_bot and r.html != TEXT)

        before = answers()
        start = time.monotonic()
        await sb.send_text(user, user, "/help")
        if await st.changed.wait_for(lambda: answers() > before, 30):
            latencies.append(time.monotonic() - start)

    tasks = set()
    pool = list(members)
    random.shuffle(pool)
    while not stop.is_set():
        task = asyncio.create_task(one(pool.pop()))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        await asyncio.sleep(random.expovariate(per_second))
    if tasks:
        await asyncio.wait(tasks)


async def main(args: argparse.Namespace) -> None:
    logging.basicConfig(level=logging.WARNING)
    tmp = Path(tempfile.mkdtemp(prefix="groupbot-bench-"))
    url = args.database_url or f"sqlite+aiosqlite:///{tmp / 'groupbot.db'}"
    async with Sandbox(enforce_limits=True) as sb:
        organizer = sb.add_user("王团长", started=True)
        settings = Settings(bot_token=sb.token, base_url=sb.base_url,
                            base_file_url=sb.base_file_url, database_url=url,
                            organizer_ids=frozenset({organizer.id}))
        engine = make_engine(url)
        rt = Runtime(settings=settings, engine=engine, sessionmaker=make_sessionmaker(engine),
                     clock=Clock())
        app = build_application(settings, runtime=rt)
        await app.initialize()
        await app.post_init(app)
        t0 = time.monotonic()
        users, chats = await seed(sb, rt, organizer, args.private, args.groups)
        seeded = time.monotonic() - t0
        await app.updater.start_polling(poll_interval=0.0, timeout=10,
                                        allowed_updates=Update.ALL_TYPES)
        await app.start()
        try:
            await say(sb, organizer, "/start")
            await asyncio.sleep(1.2)
            await say(sb, organizer, "/broadcast")
            await asyncio.sleep(1.2)
            before = sb.state.bot_sent.get(organizer.id, 0)
            await sb.send_text(organizer, organizer, TEXT, html=True)
            [screen] = (await sb.wait_for_bot_messages(organizer, before + 1))[-1:]
            await asyncio.sleep(1.2)
            _preview, review = await tap(sb, organizer, screen, "全部群和全部成员", replies=2)
            [confirm] = await tap(sb, organizer, review, "立即发送")
            calls_from = len(sb.calls)
            latencies: list[float] = []
            stop = asyncio.Event()
            talk = asyncio.create_task(chatter(sb, users, args.chatter, latencies, stop))
            cpu0, wall0 = time.process_time(), time.monotonic()
            [_started] = await tap(sb, organizer, confirm, "确认")
            await until(lambda: running(app), 0.01)  # the tick starts it at once
            await until(lambda: not running(app), 0.2)
            stop.set()
            await talk
            cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
        finally:
            await app.updater.stop()
            await app.stop()
            await app.shutdown()
            await app.post_shutdown(app)

    sends = [(m, p, t) for m, p, t in sb.calls[calls_from:]
             if m == "sendMessage" and p.get("text") == TEXT]
    first, last = sends[0][2], sends[-1][2]
    delivered = {}
    for chat in [organizer, *users, *chats]:
        records = sb.state.messages.get(chat.id, {}).values()
        delivered[chat.id] = sum(1 for r in records if r.from_bot and r.html == TEXT)
    delivered[organizer.id] -= 1  # the organizer's preview is the same message
    recipients = len(users) + len(chats) + 1
    got = sum(delivered.values())
    dupes = sum(n - 1 for n in delivered.values() if n > 1)
    lost = sum(1 for n in delivered.values() if n == 0)
    all_sent = [t for m, p, t in sb.calls[calls_from:] if m == "sendMessage"]
    in_window = sum(1 for t in all_sent if first <= t <= last)
    span = max(last - first, 1e-9)
    rows = [
        ("recipients (private + groups)", f"{len(users) + 1} + {len(chats)} = {recipients}", ""),
        ("broadcast messages delivered", f"{got - dupes}",
         f"{got / span:.2f} msg/s over {span:.1f} s"),
        ("all bot messages in that window", f"{in_window}",
         f"{in_window / span:.2f} msg/s (ceiling 30/s; target ≥ 28.5)"),
        ("429s received", f"{sb.stats['rejected_429']}", "target 0"),
        ("duplicates", f"{dupes}", "target 0"),
        ("lost", f"{lost}", "target 0"),
        ("member replies during the broadcast", f"{len(latencies)}",
         f"~{args.chatter}/s of /help"),
        ("reply latency p50", f"{pct(latencies, 50) * 1000:.0f} ms", ""),
        ("reply latency p99", f"{pct(latencies, 99) * 1000:.0f} ms", "target < 1000 ms"),
        ("reply latency max", f"{max(latencies, default=float('nan')) * 1000:.0f} ms", ""),
        ("CPU of this process", f"{cpu / wall * 100:.0f}% of one core",
         f"{cpu:.0f} s CPU in {wall:.0f} s"),
        ("seeding (not timed above)", f"{seeded:.1f} s", url.split(":")[0]),
        ("peak RSS", f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB", ""),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"\n{'':{width}}  value")
    for name, value, note in rows:
        print(f"{name:{width}}  {value:>14}  {note}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--private", type=int, default=10_000, help="members who started the bot")
    parser.add_argument("--groups", type=int, default=200, help="groups the bot is in")
    parser.add_argument("--chatter", type=float, default=3.0, help="member messages per second")
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temp folder")
    asyncio.run(main(parser.parse_args()))
