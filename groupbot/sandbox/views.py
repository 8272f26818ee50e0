"""Reading what happened: chat histories, buttons, files, and waiting for the bot."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from .groups import ChatRef, MessageRef
from .models import JSON
from .people import PeopleMixin
from .state import snapshot


class ViewsMixin(PeopleMixin):
    inflight: int
    calls: list[tuple[str, dict[str, Any], float]]

    def messages(self, chat: ChatRef) -> list[JSON]:
        """Every message of the chat in order, the users' and the bot's, deleted ones flagged."""
        records = self.state.messages.get(self._chat_id(chat), {})
        return [snapshot(rec) for rec in records.values()]

    def bot_messages(self, chat: ChatRef) -> list[JSON]:
        """The bot's messages in the chat that are not deleted, in order."""
        records = self.state.messages.get(self._chat_id(chat), {})
        return [snapshot(r) for r in records.values() if r.from_bot and not r.deleted]

    def last_bot_message(self, chat: ChatRef) -> JSON | None:
        found = self.bot_messages(chat)
        return found[-1] if found else None

    def buttons(self, message: MessageRef) -> list[tuple[str, str | None]]:
        """[(text, callback_data or url), ...] of the message's current inline keyboard."""
        if isinstance(message, dict):
            chat_id, message_id = message["chat"]["id"], message["message_id"]
        else:
            chat_id, message_id = message
        rec = self.state.messages.get(chat_id, {}).get(message_id)
        data = rec.data if rec is not None else message
        assert isinstance(data, dict)
        rows = (data.get("reply_markup") or {}).get("inline_keyboard", [])
        return [(b["text"], b.get("callback_data", b.get("url"))) for row in rows for b in row]

    def file_bytes(self, file_id: str) -> bytes:
        return self.state.files.resolve(file_id).data

    async def wait_for_bot_messages(
        self,
        chat: ChatRef,
        count: int,
        timeout: float = 5.0,  # noqa: ASYNC109 (the test-facing API reads best this way)
    ) -> list[JSON]:
        """Wait until the bot has sent ≥ count messages into chat in total (deleted ones count);
        returns the chat's current bot messages. TimeoutError says what was there."""
        chat_id = self._chat_id(chat)
        st = self.state
        if not await st.changed.wait_for(lambda: st.bot_sent.get(chat_id, 0) >= count, timeout):
            sent = [m.get("text") or m.get("caption") for m in self.bot_messages(chat_id)]
            errors = [c for c in self.calls[-5:] if c[0] != "getUpdates"]
            raise TimeoutError(
                f"bot sent {st.bot_sent.get(chat_id, 0)}/{count} messages into {chat_id} "
                f"within {timeout}s: {sent!r}; last calls: {errors!r}"
            )
        return self.bot_messages(chat_id)

    async def settle(self, quiet: float = 0.15, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Wait until every queued update was fetched or delivered, no bot call is running and
        none came in for ``quiet`` seconds."""
        st = self.state
        deadline = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            pending = st.undelivered()
            if not pending and not self.inflight and now - st.last_activity >= quiet:
                return
            if now >= deadline:
                raise TimeoutError(
                    f"sandbox not settled after {timeout}s: {pending} updates not yet fetched "
                    f"by the bot, {self.inflight} calls running"
                )
            await asyncio.sleep(min(0.02, quiet / 4))
