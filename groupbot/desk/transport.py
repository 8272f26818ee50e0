"""What the desk needs from Telegram; ``handlers/desk_transport.py`` implements it with PTB.

Failures raise the outbox's errors (``groupbot.notify``): RetryLater, Blocked, ChatGone,
SendError. ``NotAForum`` says the desk chat has topics off (reply-to relaying instead).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from groupbot.notify import SendError

Buttons = Sequence[Sequence[tuple[str, str]]]


class NotAForum(SendError):
    """The desk chat has topics off (or the bot may not manage them)."""


class DeskTransport(Protocol):
    async def send_text(
        self, chat_id: int, html: str, *, thread_id: int | None = None,
        reply_to: int | None = None, buttons: Buttons | None = None,
    ) -> int: ...

    async def copy(
        self, chat_id: int, from_chat_id: int, message_id: int, *,
        thread_id: int | None = None, caption_html: str | None = None,
    ) -> int: ...

    async def edit_text(
        self, chat_id: int, message_id: int, html: str, buttons: Buttons | None = None
    ) -> None: ...

    async def create_topic(self, chat_id: int, name: str) -> int: ...

    async def rename_topic(self, chat_id: int, thread_id: int, name: str) -> None: ...

    async def pin(self, chat_id: int, message_id: int) -> None: ...

    async def is_forum(self, chat_id: int) -> bool: ...
