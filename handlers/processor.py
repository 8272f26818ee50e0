"""How updates are processed: concurrently across chats, in order within one chat.

A member's album arrives as several updates that all touch the same claim draft, so updates of
one chat run one after another; a slow photo check for one member must not hold up everybody
else, so different chats run side by side. The processor also knows when it is idle, which
the tests and the demo use to wait for the bot to finish.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


class PerChatUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int = 16) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}
        self.in_flight = 0

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _chat_key(update)
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        self.in_flight += 1
        try:
            async with lock:
                await coroutine
        finally:
            self.in_flight -= 1
            self._waiting[key] -= 1
            if not self._waiting[key]:  # forget idle chats so the dict stays small
                del self._waiting[key]
                self._locks.pop(key, None)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass


def _chat_key(update: object) -> int:
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return update.effective_chat.id
        if update.effective_user is not None:
            return update.effective_user.id
    return 0
