"""The playground: a Telegram-like web page over the sandbox, on the sandbox's own port.

``Playground(sandbox)`` adds its routes when the sandbox starts: the page (``/``), its static
files, a small JSON API to act as people, the files people and the bot sent, and a stream of
server-sent events that carries every stored, edited or deleted message to the page as it
happens. Everything it shows is read from the sandbox's state, so chats made later (a
service desk forum, a new group) appear by themselves.

The bot side is optional and plugged in by ``groupbot sandbox``: ``roles`` names what each
person is (organizer, reviewer, ...), ``clock`` moves the shared clock and lets the bot's
tick run.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from aiohttp import web

from . import views

if TYPE_CHECKING:
    from groupbot.sandbox.server import Sandbox

STATIC = Path(__file__).resolve().parent / "static"
PLAYGROUND_KEY: web.AppKey[Playground] = web.AppKey("playground")
# The page only loads its own files; nothing a message carries can run as script.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)


class ClockControl(Protocol):
    """The clock the bot and the sandbox share, and the bot's periodic work."""

    def now(self) -> datetime: ...

    async def next_due(self) -> tuple[datetime, str] | None:
        """When the next scheduled thing is due, and what it is (a code), or None."""
        ...

    async def advance(self, delta: timedelta) -> None:
        """Move the clock forward, then run the bot's tick and wait until it is done."""
        ...


Touch = tuple[int, int]


class Playground:
    def __init__(
        self,
        sandbox: Sandbox,
        *,
        locale: str = "zh-Hans",
        timezone: str = "Asia/Shanghai",
        roles: Callable[[int], str] | None = None,
        clock: ClockControl | None = None,
    ) -> None:
        self.sb = sandbox
        self.locale = locale
        self.timezone = timezone
        self.roles: Callable[[int], str] = roles or (lambda user_id: "member")
        self.clock = clock
        # Names for the page's first-visit guide (organizer, member, reviewer, group,
        # reviewers: the host's cast), or None for no guide.
        self.guide: dict[str, str] | None = None
        self._subscribers: set[asyncio.Queue[Touch]] = set()
        self._order = itertools.count(1)
        self.activity: dict[int, int] = {}  # chat id → order of its latest change
        sandbox.state.observers.append(self._touched)
        sandbox.route_hooks.append(self.add_routes)

    # ---- wiring ------------------------------------------------------------------------------
    def add_routes(self, app: web.Application) -> None:
        from . import actions, live

        app[PLAYGROUND_KEY] = self
        app.router.add_get("/", index)
        app.router.add_get("/playground/api/world", world)
        app.router.add_get("/playground/api/chats/{chat_id}/messages", chat_messages)
        app.router.add_get("/playground/api/clock", clock_info)
        app.router.add_get("/playground/api/events", live.events)
        app.router.add_get("/playground/api/commands", commands)
        app.router.add_get("/playground/files/{file_id}", views.file_download)
        app.router.add_get("/playground/font/sans-sc.otf", views.cjk_font)
        app.router.add_static("/playground/static", STATIC)
        actions.add_routes(app)

    # ---- live updates ------------------------------------------------------------------------
    def _touched(self, chat_id: int, message_id: int) -> None:
        self.activity[chat_id] = next(self._order)
        for queue in self._subscribers:
            queue.put_nowait((chat_id, message_id))

    def subscribe(self) -> asyncio.Queue[Touch]:
        queue: asyncio.Queue[Touch] = asyncio.Queue()
        self._subscribers.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[Touch]) -> None:
        self._subscribers.discard(queue)

    def wake(self) -> None:
        """Something not tied to a message changed (the clock): wake every live view."""
        for queue in self._subscribers:
            queue.put_nowait((0, 0))

    async def clock_json(self) -> dict[str, Any] | None:
        if self.clock is None:
            return None
        due = await self.clock.next_due()
        return {
            "now": self.clock.now().timestamp(),
            "next": {"at": due[0].timestamp(), "what": due[1]} if due else None,
        }


async def index(request: web.Request) -> web.StreamResponse:
    return web.FileResponse(
        STATIC / "index.html",
        headers={"Content-Security-Policy": PAGE_POLICY, "Cache-Control": "no-cache"},
    )


async def world(request: web.Request) -> web.Response:
    pg = request.app[PLAYGROUND_KEY]
    body = views.world_json(pg)
    body["clock"] = await pg.clock_json()
    return web.json_response(body, dumps=views.dumps)


async def chat_messages(request: web.Request) -> web.Response:
    pg = request.app[PLAYGROUND_KEY]
    try:
        chat_id = int(request.match_info["chat_id"])
    except ValueError:
        raise web.HTTPNotFound() from None
    return web.json_response(views.chat_messages_json(pg, chat_id), dumps=views.dumps)


async def clock_info(request: web.Request) -> web.Response:
    return web.json_response(await request.app[PLAYGROUND_KEY].clock_json())


async def commands(request: web.Request) -> web.Response:
    pg = request.app[PLAYGROUND_KEY]
    try:
        chat_id, user_id = int(request.query["chat"]), int(request.query["as"])
    except (KeyError, ValueError):
        raise web.HTTPBadRequest() from None
    return web.json_response(views.commands_json(pg, chat_id, user_id), dumps=views.dumps)
