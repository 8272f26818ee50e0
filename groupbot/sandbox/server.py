"""``Sandbox``: the Bot API server object tests, the demo and ``groupbot sandbox`` use::

async with Sandbox() as sb:
    app = (Application.builder().token(sb.token).base_url(sb.base_url)
           .base_file_url(sb.base_file_url).build())
    alice = sb.add_user("小明")
    await sb.send_text(alice, alice, "/start")
    await sb.wait_for_bot_messages(alice, 1)
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

from aiohttp import web

from . import forum, forum_control, sending  # noqa: F401  (register methods and routes)
from .control import add_control_routes
from .faults import Fault, Faults
from .forum_people import ForumMixin
from .limits import FloodLimiter
from .models import SandboxUser
from .routes import SANDBOX_KEY, add_routes
from .state import State
from .webhook import WebhookSender


class Sandbox(ForumMixin):
    def __init__(
        self,
        token: str = "123456:SANDBOX-TOKEN",
        bot_username: str = "groupbot_sandbox_bot",
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        bot_name: str = "Groupbot Sandbox",
        enforce_limits: bool = False,
        privacy_mode: bool = True,
        limiter: FloodLimiter | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``clock``: the time (epoch seconds) stamped on messages, e.g. the bot's own clock."""
        bot_id = int(token.partition(":")[0])  # Telegram: the token starts with the bot's id
        self.token = token
        self.host = host
        self.port = port
        self.state = State(
            SandboxUser(bot_id, bot_name, bot_username, is_bot=True),
            privacy_mode=privacy_mode,
            clock=clock,
        )
        self.enforce_limits = enforce_limits
        self.limiter = limiter or FloodLimiter()
        self.faults = Faults()
        self.webhook = WebhookSender(self.state)
        self.calls: list[tuple[str, dict[str, Any], float]] = []
        self.counters: dict[str, Any] = {"rejected_429": 0, "methods": {}}
        self.internal_errors: list[str] = []  # sandbox bugs (HTTP 500 given); should stay empty
        self.inflight = 0
        self._runner: web.AppRunner | None = None
        # More routes on the same port, added at start (the playground's page and API).
        self.route_hooks: list[Callable[[web.Application], None]] = []

    # ---- life cycle ------------------------------------------------------------------------
    async def start(self) -> Sandbox:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app[SANDBOX_KEY] = self
        add_routes(app)
        add_control_routes(app)
        for hook in self.route_hooks:
            hook(app)
        self._runner = web.AppRunner(app, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self.state.closing = False
        self.webhook.start()
        return self

    async def stop(self) -> None:
        self.state.closing = True
        self.state.changed.notify()
        await self.webhook.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Sandbox:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def serve_forever(self) -> None:
        """For ``groupbot sandbox``: run until cancelled."""
        await self.start()
        try:
            await asyncio.Event().wait()
        finally:
            await self.stop()

    # ---- addresses -------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    @property
    def bot(self) -> SandboxUser:
        return self.state.bot

    @property
    def webhook_deliveries(self) -> list[dict[str, Any]]:
        """Each POST to the bot's webhook: update_id, url, status, attempt, secret_sent, time."""
        return self.webhook.deliveries

    @property
    def webhook_secret_override(self) -> str | None:
        return self.webhook.secret_override

    @webhook_secret_override.setter
    def webhook_secret_override(self, secret: str | None) -> None:
        self.webhook.secret_override = secret

    @property
    def stats(self) -> dict[str, Any]:
        """sent: messages the bot posted; rejected_429: 429s given; methods: calls per method."""
        return {
            "sent": sum(self.state.bot_sent.values()),
            "rejected_429": self.counters["rejected_429"],
            "methods": dict(self.counters["methods"]),
        }

    # ---- faults ----------------------------------------------------------------------------
    def fail_next(
        self,
        method: str,
        *,
        chat_id: int | None = None,
        status: int | None = 429,
        retry_after: int = 1,
        description: str | None = None,
        times: int = 1,
        delay: float = 0.0,
    ) -> None:
        """The next ``times`` calls of ``method`` ("*" = any; into ``chat_id`` if given) fail
        with ``status`` (429: "Too Many Requests: retry after N" + parameters.retry_after).
        ``status=None`` with ``delay`` only slows the call down (for timeout tests)."""
        self.faults.add(
            Fault(method.lower(), chat_id, status, retry_after, description, times, delay)
        )
