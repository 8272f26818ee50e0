"""Flood limits (off by default) and armed faults."""

from __future__ import annotations

import asyncio
import datetime as dtm

import pytest
from telegram import Bot
from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter, ExtBot

from groupbot.sandbox import FloodLimiter, Sandbox

# PTB 22 warns from inside RetryAfter() itself about retry_after becoming a timedelta
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_buckets_with_a_fake_clock() -> None:
    clock = FakeClock()
    limiter = FloodLimiter(clock=clock, jitter=0)
    # a private chat: a small burst, then ~1/s
    assert [limiter.check(42) for _ in range(5)] == [None] * 5
    assert limiter.check(42) == 1
    clock.now += 1.0
    assert limiter.check(42) is None and limiter.check(42) == 1
    # a group: 20 a minute
    assert all(limiter.check(-100) is None for _ in range(20))
    assert limiter.check(-100) == 3  # one more token after 60/20 s
    clock.now += 3
    assert limiter.check(-100) is None
    # overall: 30 a second, whatever the chats
    limiter.reset()
    assert all(limiter.check(i) is None for i in range(1, 31))
    assert limiter.check(31) == 1
    # paced sends never hit a limit
    limiter.reset()
    for i in range(200):
        clock.now += 1 / 30
        assert limiter.check(1000 + i) is None
    for _ in range(10):
        clock.now += 1.0
        assert limiter.check(7) is None and limiter.check(-7) is None
        clock.now += 2.0


async def test_burst_gets_429s_and_counts_them(sb: Sandbox, tg_bot: Bot) -> None:
    users = [sb.add_user(f"u{i}", started=True) for i in range(90)]
    assert sb.enforce_limits is False
    await asyncio.gather(*(tg_bot.send_message(u.id, "hi") for u in users))  # off: all pass
    sb.enforce_limits = True
    sb.limiter = FloodLimiter(clock=FakeClock())  # time stands still: exact counts on any machine
    results = await asyncio.gather(
        *(tg_bot.send_message(u.id, "hi") for u in users), return_exceptions=True
    )
    rejected = [r for r in results if isinstance(r, RetryAfter)]
    assert len(rejected) == sb.stats["rejected_429"] == 90 - 36  # 30/s + 0.2 s of jitter
    assert all(r._retry_after.total_seconds() >= 1 for r in rejected)
    assert sb.stats["sent"] == 90 + 36


async def test_paced_by_ptb_rate_limiter_gets_none(sb: Sandbox) -> None:
    sb.enforce_limits = True
    users = [sb.add_user(f"u{i}", started=True) for i in range(40)]
    group = sb.add_group("g", members=users[:1], admins=users[:1])
    await sb.add_bot_to_group(group, by=users[0])
    limiter = AIORateLimiter(max_retries=0)
    async with ExtBot(sb.token, base_url=sb.base_url, rate_limiter=limiter) as bot:
        sends = [bot.send_message(u.id, "通知") for u in users]
        sends += [bot.send_message(group.id, f"群 {i}") for i in range(3)]
        await asyncio.gather(*sends)
    assert sb.stats["rejected_429"] == 0 and sb.stats["sent"] == 43


async def test_fail_next_variants(sb: Sandbox, tg_bot: Bot) -> None:
    alice, bob = sb.add_user("a", started=True), sb.add_user("b", started=True)
    sb.fail_next("sendMessage", chat_id=bob.id, times=2, retry_after=7)
    assert (await tg_bot.send_message(alice.id, "x")).text == "x"  # other chat: untouched
    for _ in range(2):
        with pytest.raises(RetryAfter) as err:
            await tg_bot.send_message(bob.id, "x")
        assert err.value._retry_after == dtm.timedelta(seconds=7)
    assert (await tg_bot.send_message(bob.id, "x")).text == "x"
    sb.fail_next("*", status=None, delay=0.2)
    started = asyncio.get_running_loop().time()
    await tg_bot.get_me()
    assert asyncio.get_running_loop().time() - started >= 0.2
