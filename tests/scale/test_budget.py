"""The send budget: waiting chats served in turn (issue 11), and one budget in Redis for all
processes of a token, replies ahead of broadcasts there too (issue 12)."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from telegram.error import RetryAfter

from groupbot.scale.budget import SharedBudget
from handlers.pacing import BROADCAST, PriorityRateLimiter

REDIS = "redis://127.0.0.1:6379/0"


async def send(rl: PriorityRateLimiter, callback, chat_id: int, priority=None):
    return await rl.process_request(callback, (), {}, "sendMessage", {"chat_id": chat_id},
                                    priority)


def recorder(order: list):
    def make(name):
        async def call():
            order.append(name)
            return True
        return call
    return make


async def test_a_busy_chat_does_not_push_another_chats_reply_behind_all_of_its_own():
    rl = PriorityRateLimiter(40, 600)
    order: list[str] = []
    call = recorder(order)
    busy = [asyncio.create_task(send(rl, call(f"a{i}"), 1)) for i in range(30)]
    others = [asyncio.create_task(send(rl, call(f"{who}"), chat))
              for who, chat in (("b", 2), ("c", 3), ("d", 4))]
    await asyncio.gather(*busy, *others)
    await rl.shutdown()
    # Everyone's first reply goes before the busy chat's second (round-robin across chats),
    # and the busy chat's own replies keep their order.
    assert order == ["a0", "b", "c", "d", *(f"a{i}" for i in range(1, 30))]


async def test_a_member_who_just_asked_goes_before_claimants_answered_a_moment_ago():
    rl = PriorityRateLimiter(20, 600)
    order: list[str] = []
    call = recorder(order)
    # Ten claimants each got an answer a moment ago and now wait for their next step's reply;
    # a member who has not written for a while asks /help just after them.
    await asyncio.gather(*(send(rl, call(f"step1-{n}"), 100 + n) for n in range(10)))
    steps = [asyncio.create_task(send(rl, call(f"step2-{n}"), 100 + n)) for n in range(10)]
    await asyncio.sleep(0)
    helped = asyncio.create_task(send(rl, call("help"), 7))
    await asyncio.gather(*steps, helped)
    await rl.shutdown()
    assert order.index("help") <= 11  # at most one step reply before it, not ten
    assert sorted(x for x in order[10:] if x != "help") == [f"step2-{n}" for n in range(10)]


@pytest.fixture
async def budgets():
    """Two processes' budgets for one bot token (a fresh prefix per test)."""
    prefix = f"groupbot-test:{uuid.uuid4().hex[:8]}"
    made = [SharedBudget(REDIS, prefix), SharedBudget(REDIS, prefix)]
    try:
        await made[0].redis.ping()
    except Exception as exc:  # noqa: BLE001 - any failure to reach it
        pytest.fail(f"Redis is not reachable at {REDIS}: {exc}")
    yield made


async def test_two_processes_share_one_overall_budget(budgets):
    rate = 20
    a = PriorityRateLimiter(rate, 600, shared=budgets[0])
    b = PriorityRateLimiter(rate, 600, shared=budgets[1])
    order: list[str] = []
    call = recorder(order)
    loop = asyncio.get_running_loop()
    start = loop.time()
    await asyncio.gather(*(send(rl, call(f"{n}{i}"), 100 + i)
                           for n, rl in (("a", a), ("b", b)) for i in range(30)))
    elapsed = loop.time() - start
    await a.shutdown()
    await b.shutdown()
    # 60 sends at 20/s together (each alone would be allowed 20/s: 1.5 s), minus the burst.
    capacity = a.overall[1]
    assert len(order) == 60 and elapsed >= (60 - capacity) / rate - 0.1


async def test_a_reply_in_one_process_overtakes_another_processes_broadcast(budgets):
    a = PriorityRateLimiter(20, 600, shared=budgets[0])
    b = PriorityRateLimiter(20, 600, shared=budgets[1])
    order: list[str] = []
    call = recorder(order)
    flood = [asyncio.create_task(send(a, call(f"bc{i}"), 100 + i, BROADCAST)) for i in range(40)]
    await asyncio.sleep(0.3)
    before = len(order)
    await send(b, call("reply"), 7)
    after = order.index("reply")
    for task in flood:
        task.cancel()
    await asyncio.gather(*flood, return_exceptions=True)
    await a.shutdown()
    await b.shutdown()
    assert after <= before + 2  # next in line across processes, not behind the broadcast


async def test_a_429_in_one_process_pauses_the_others_broadcasts(budgets):
    a = PriorityRateLimiter(50, 600, shared=budgets[0])
    b = PriorityRateLimiter(50, 600, shared=budgets[1])

    async def flood():
        raise RetryAfter(1)

    async def ok():
        return True

    with pytest.raises(RetryAfter):
        await send(a, flood, 5, BROADCAST)
    loop = asyncio.get_running_loop()
    start = loop.time()
    await send(b, ok, 6)  # a reply is not held
    assert loop.time() - start < 0.5
    await send(b, ok, 7, BROADCAST)  # another process's broadcast waits the pause out
    assert loop.time() - start >= 0.8
    await a.shutdown()
    await b.shutdown()


async def test_without_redis_each_process_limits_on_its_own():
    budget = SharedBudget("redis://127.0.0.1:1/0", "groupbot-test:down")
    rl = PriorityRateLimiter(50, 600, shared=budget)

    async def ok():
        return True

    assert await send(rl, ok, 5) is True and budget.available is False
    await rl.shutdown()
