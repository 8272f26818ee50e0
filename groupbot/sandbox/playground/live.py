"""Server-sent events: the page's live view.

On connect the page gets the whole world; then a ``message`` event for every message stored,
edited or deleted (as the page draws it), ``world`` when people or chats change, and
``clock`` when the clock moved or something new may be scheduled. The browser reconnects by
itself and the page then reloads what it shows, so nothing is missed.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from aiohttp import web

from . import views
from .server import PLAYGROUND_KEY, Playground

WORLD_CHECK = 2.0  # seconds: people and chats made without a message show up this fast
CLOCK_EVERY = 1.5  # seconds between clock refreshes (each asks the database what is due)
KEEPALIVE = 15.0


async def events(request: web.Request) -> web.StreamResponse:
    pg = request.app[PLAYGROUND_KEY]
    response = web.StreamResponse(headers={
        "Content-Type": "text/event-stream",
        "Cache-Control": "no-cache",
        "X-Accel-Buffering": "no",
    })
    await response.prepare(request)
    queue = pg.subscribe()
    try:
        await _stream(pg, queue, response)
    except (ConnectionResetError, ConnectionError):
        pass  # the page went away
    finally:
        pg.unsubscribe(queue)
    return response


async def _stream(pg: Playground, queue: asyncio.Queue[tuple[int, int]],
                  response: web.StreamResponse) -> None:
    world = views.world_json(pg)
    world["clock"] = await pg.clock_json()
    await _send(response, "world", world)
    fingerprint = views.world_fingerprint(pg)
    clock_due, clock_sent, last_write = False, time.monotonic(), time.monotonic()
    while not pg.sb.state.closing:
        touched: list[tuple[int, int]] = []
        wait = WORLD_CHECK
        if clock_due:  # wake up in time to send the clock as soon as it may be sent again
            wait = max(0.05, min(wait, CLOCK_EVERY - (time.monotonic() - clock_sent)))
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(wait):
                touched.append(await queue.get())
        while not queue.empty():
            touched.append(queue.get_nowait())
        for chat_id, message_id in dict.fromkeys(touched):
            if chat_id == 0:
                clock_due = True
                continue
            rec = pg.sb.state.messages.get(chat_id, {}).get(message_id)
            if rec is not None:
                await _send(response, "message", views.message_json(pg, rec))
                last_write = time.monotonic()
                clock_due = True
        now_fingerprint = views.world_fingerprint(pg)
        if now_fingerprint != fingerprint:
            fingerprint = now_fingerprint
            await _send(response, "world", views.world_json(pg))
            last_write = time.monotonic()
        if clock_due and pg.clock is not None and time.monotonic() - clock_sent >= CLOCK_EVERY:
            await _send(response, "clock", await pg.clock_json())
            clock_due, clock_sent = False, time.monotonic()
            last_write = clock_sent
        elif clock_due and pg.clock is None:
            clock_due = False
        if time.monotonic() - last_write >= KEEPALIVE:
            await response.write(b": keepalive\n\n")
            last_write = time.monotonic()


async def _send(response: web.StreamResponse, event: str, data: Any) -> None:
    # json.dumps escapes newlines inside strings, so the payload is one SSE data line
    await response.write(f"event: {event}\ndata: {views.dumps(data)}\n\n".encode())
