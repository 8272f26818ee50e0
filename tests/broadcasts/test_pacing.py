"""The rate limiter: replies overtake queued broadcast sends; a 429 pauses broadcasts only;
a broadcast send already on its way is not lost to a cancellation."""

import asyncio

import pytest
from telegram.error import RetryAfter

from handlers.pacing import (
    BROADCAST,
    QUEUED,
    ChatBudgetSpent,
    PriorityRateLimiter,
    retry_seconds,
)
from handlers.processor import quick_answer


def limiter(per_second: float = 50) -> PriorityRateLimiter:
    return PriorityRateLimiter(per_second, 600)


async def send(rl: PriorityRateLimiter, callback, chat_id: int, priority=None, *args):
    return await rl.process_request(callback, args, {}, "sendMessage", {"chat_id": chat_id},
                                    priority)


async def test_a_reply_overtakes_the_queued_broadcast_sends_and_the_pace_holds():
    rl = limiter(50)
    order: list[str] = []

    async def call(name):
        order.append(name)
        return True

    loop = asyncio.get_running_loop()
    start = loop.time()
    queued = [asyncio.create_task(send(rl, call, 100 + i, BROADCAST, f"b{i}")) for i in range(20)]
    await asyncio.sleep(0.05)
    before = len(order)
    await send(rl, call, 7, None, "reply")
    reply_at = order.index("reply")
    await asyncio.gather(*queued)
    elapsed = loop.time() - start
    await rl.shutdown()
    assert before < 15 and reply_at <= before + 1  # next in line, not behind the queue
    assert len(order) == 21 and elapsed >= 0.3  # 21 sends at 50/s with a burst of 5


async def test_a_429_pauses_broadcast_sends_but_not_replies():
    rl = limiter(100)

    async def flood():
        raise RetryAfter(1)

    async def ok():
        return True

    with pytest.raises(RetryAfter):  # a broadcast send is not retried here: the caller reschedules
        await send(rl, flood, 5, BROADCAST)
    loop = asyncio.get_running_loop()
    start = loop.time()
    await send(rl, ok, 6)
    assert loop.time() - start < 0.2
    await send(rl, ok, 7, BROADCAST)
    assert loop.time() - start >= 0.9
    await rl.shutdown()


async def test_a_cancelled_broadcast_send_is_recorded_if_it_had_left_and_dropped_if_not():
    rl = limiter(1)  # one slot a second: the second send waits
    calls: list[str] = []

    async def slow(name):
        calls.append(name)
        await asyncio.sleep(0.1)
        return name

    first = asyncio.create_task(send(rl, slow, 10, BROADCAST, "first"))
    second = asyncio.create_task(send(rl, slow, 11, BROADCAST, "second"))
    await asyncio.sleep(0.03)
    first.cancel()
    second.cancel()
    assert await first == "first"  # it was on its way: runs to its end
    with pytest.raises(asyncio.CancelledError):
        await second
    assert calls == ["first"]
    await rl.shutdown()


async def test_a_queued_send_into_a_spent_group_is_refused_at_once_and_costs_nothing():
    rl = PriorityRateLimiter(100, group_per_minute=2)
    sent: list[int] = []

    async def call():
        sent.append(1)
        return True

    await send(rl, call, -500, QUEUED)
    await send(rl, call, -500, QUEUED)  # the group's burst of two is used up
    loop = asyncio.get_running_loop()
    start = loop.time()
    with pytest.raises(ChatBudgetSpent) as refused:
        await send(rl, call, -500, QUEUED)
    assert loop.time() - start < 0.1 and len(sent) == 2  # no wait, nothing went out
    assert 25 <= retry_seconds(refused.value) <= 30  # 2 a minute: the next one in ~30 s
    await send(rl, call, 42, QUEUED)  # a private chat is not held by the group
    assert len(sent) == 3
    await rl.shutdown()


async def test_the_answer_to_a_read_only_command_goes_before_the_queued_steps_of_flows():
    rl = limiter(50)
    order: list[str] = []

    async def call(name):
        order.append(name)
        return True

    steps = [asyncio.create_task(send(rl, call, 200 + i, None, f"step{i}")) for i in range(20)]
    await asyncio.sleep(0.05)
    before = len(order)

    async def help_answer():
        quick_answer.set(True)  # as the processor marks a /help update
        await send(rl, call, 9, None, "help")

    await asyncio.create_task(help_answer())
    await asyncio.gather(*steps)
    await rl.shutdown()
    assert before < 15 and order.index("help") <= before + 1
    assert sorted(order) == sorted(["help", *(f"step{i}" for i in range(20))])
