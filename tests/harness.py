"""Drive the real bot like people would: it polls the sandbox over HTTP; tests speak as users
and read exactly what the bot answered (Zulip's dialogue style)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import Update
from telegram.ext import Application

from groupbot.app import build_application
from groupbot.clock import FrozenClock
from groupbot.db import make_sessionmaker
from groupbot.demo.idle import wait_idle
from groupbot.runtime import Runtime
from groupbot.settings import Settings


class BotHarness:
    def __init__(
        self, sandbox: Any, settings: Settings, engine: AsyncEngine, clock: FrozenClock,
        *, polling: bool = True,
    ) -> None:
        self.sb = sandbox
        self.settings = settings
        self.engine = engine
        self.clock = clock
        self.polling = polling  # a second replica of the bot takes no updates from getUpdates
        self.app: Application | None = None
        self.rt: Runtime | None = None
        self._seen: dict[int, int] = {}

    async def start(self) -> None:
        self.rt = Runtime(
            settings=self.settings,
            engine=self.engine,
            sessionmaker=make_sessionmaker(self.engine),
            clock=self.clock,
        )
        self.app = build_application(self.settings, runtime=self.rt)
        await self.app.initialize()
        await self.app.post_init(self.app)  # run_polling would call it; we start by hand
        if self.polling and self.app.updater is not None:
            await self.app.updater.start_polling(
                poll_interval=0.0, timeout=2, allowed_updates=Update.ALL_TYPES
            )
        await self.app.start()

    async def stop(self) -> None:
        if self.app is None:
            return
        app, self.app = self.app, None
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()
        await app.post_shutdown(app)

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    async def settle(self) -> None:
        await wait_idle(self.sb, self.app)

    # --- speaking as people -----------------------------------------------------------------

    async def say(self, user: Any, text: str, chat: Any = None) -> dict:
        """``user`` sends ``text`` (in their private chat unless ``chat`` is given)."""
        message = await self.sb.send_text(user, chat if chat is not None else user, text)
        await self.settle()
        return message

    async def tap(self, user: Any, message: dict, data: str) -> str:
        query_id = await self.sb.tap(user, message, data)
        await self.settle()
        return query_id

    async def tap_label(self, user: Any, message: dict, label: str) -> str:
        """Tap the button whose text contains ``label``."""
        for text, data in self.sb.buttons(message):
            if label in text:
                return await self.tap(user, message, data)
        raise AssertionError(f"no button {label!r} in {self.sb.buttons(message)}")

    async def send_photos(self, user: Any, photos: list[bytes], chat: Any = None) -> list[dict]:
        target = chat if chat is not None else user
        if len(photos) == 1:
            sent = [await self.sb.send_photo(user, target, photos[0])]
        else:
            sent = await self.sb.send_album(user, target, photos)
        await self.settle()
        return sent

    # --- reading what the bot said ----------------------------------------------------------

    def replies(self, chat: Any) -> list[dict]:
        """The bot's messages in ``chat`` since the last call (the dialogue's next lines)."""
        chat_id = chat if isinstance(chat, int) else chat.id
        all_msgs = [m for m in self.sb.messages(chat) if m["from"]["id"] == self.sb.bot["id"]]
        start = self._seen.get(chat_id, 0)
        self._seen[chat_id] = len(all_msgs)
        return all_msgs[start:]

    def texts(self, chat: Any) -> list[str]:
        return [m.get("text") or m.get("caption") or "" for m in self.replies(chat)]

    def htmls(self, chat: Any) -> list[str]:
        """The bot's new messages as it sent them (HTML), for comparing with the catalog."""
        return [m.get("html") or m.get("text") or m.get("caption") or "" for m in
                self.replies(chat)]

    def last(self, chat: Any) -> dict:
        msgs = self.sb.bot_messages(chat)
        assert msgs, "the bot has said nothing in this chat"
        return msgs[-1]
