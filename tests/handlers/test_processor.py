"""The update processor: chats side by side, one chat in order, and a chat waiting for slow
work (a photo's download and check, ``slot_released``) holds up nobody else — however many
such chats there are (the claim rush: PTB's sixteen slots, all taken by photo checks, kept
other members' /help waiting 10 s)."""

from __future__ import annotations

import asyncio

from telegram import Update

from handlers.processor import PerChatUpdateProcessor, read_only_commands, slot_released


def private_update(update_id: int, chat_id: int, text: str = "/help") -> Update:
    user = {"id": chat_id, "is_bot": False, "first_name": f"成员{chat_id}"}
    return Update.de_json({"update_id": update_id, "message": {
        "message_id": update_id, "date": 0, "chat": {"id": chat_id, "type": "private"},
        "from": user, "text": text}}, None)


async def test_a_hundred_chats_waiting_on_slow_work_do_not_hold_up_another_chat():
    processor = PerChatUpdateProcessor()
    checks_done = asyncio.Event()
    order: list[tuple[int, str]] = []

    async def slow_photo(chat: int) -> None:
        async with slot_released():  # as handlers/photo_intake.py waits for the check
            await checks_done.wait()
        order.append((chat, "photo"))

    async def quick_help(chat: int) -> None:
        order.append((chat, "help"))

    slow = [asyncio.create_task(processor.process_update(private_update(n, 1000 + n),
                                                         slow_photo(1000 + n)))
            for n in range(100)]
    # The same chats send a second update each: queued behind their own photo, holding no slot.
    behind = [asyncio.create_task(processor.process_update(private_update(200 + n, 1000 + n),
                                                           quick_help(1000 + n)))
              for n in range(100)]
    await asyncio.wait_for(processor.process_update(private_update(999, 7), quick_help(7)), 2)
    assert order == [(7, "help")]  # answered while every photo is still being checked

    checks_done.set()
    await asyncio.gather(*slow, *behind)
    for n in range(100):  # within one chat, still in order: the photo, then the /help
        assert [what for chat, what in order if chat == 1000 + n] == ["photo", "help"]
    assert processor.in_flight == 0


async def test_work_is_served_first_come_first_served_within_the_slots():
    """A burst (a hundred members tapping "join" at once) is worked on sixteen at a time in
    arrival order, so the first ones are answered first rather than all of them late."""
    processor = PerChatUpdateProcessor()
    running, most, finished = 0, 0, []

    async def join(chat: int) -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0)
        running -= 1
        finished.append(chat)

    await asyncio.gather(*(processor.process_update(private_update(n, 2000 + n), join(2000 + n))
                           for n in range(100)))
    assert most == 16 and finished == [2000 + n for n in range(100)]


async def test_a_read_only_command_does_not_wait_for_a_slot_the_claim_steps_hold():
    """A hundred claimants' taps hold every slot (each busy with the database, not waiting on
    slow outside work); a member's /help, a read-only unit, has a lane of its own."""
    read_only_commands("help")
    processor = PerChatUpdateProcessor()
    steps_done = asyncio.Event()
    order: list[int] = []

    async def claim_step(chat: int) -> None:
        await steps_done.wait()

    async def quick_help(chat: int) -> None:
        order.append(chat)

    steps = [asyncio.create_task(processor.process_update(
        private_update(n, 3000 + n, text="撤销"), claim_step(3000 + n))) for n in range(100)]
    await asyncio.sleep(0)
    await asyncio.wait_for(processor.process_update(private_update(999, 7), quick_help(7)), 2)
    assert order == [7]
    steps_done.set()
    await asyncio.gather(*steps)
    assert processor.in_flight == 0
