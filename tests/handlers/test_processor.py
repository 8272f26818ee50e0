"""The update processor: chats side by side, one chat in order, and a chat waiting for slow
work (a photo check) holds up nobody else — however many such chats there are (the claim
rush: PTB's sixteen slots, all taken by photo checks, kept other members' /help waiting)."""

from __future__ import annotations

import asyncio

from telegram import Update

from handlers.processor import PerChatUpdateProcessor


def private_update(update_id: int, chat_id: int) -> Update:
    user = {"id": chat_id, "is_bot": False, "first_name": f"成员{chat_id}"}
    return Update.de_json({"update_id": update_id, "message": {
        "message_id": update_id, "date": 0, "chat": {"id": chat_id, "type": "private"},
        "from": user, "text": "/help"}}, None)


async def test_a_hundred_chats_waiting_on_slow_work_do_not_hold_up_another_chat():
    processor = PerChatUpdateProcessor()
    checks_done = asyncio.Event()
    order: list[tuple[int, str]] = []

    async def slow_photo(chat: int) -> None:
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
