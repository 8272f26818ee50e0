"""Knowing when the bot is done: used by the demo and by the tests' dialogues."""

from __future__ import annotations

import asyncio
from typing import Any

from telegram.ext import Application

from handlers.ticks import busy


async def wait_idle(sandbox: Any, app: Application | None, limit: float = 15.0) -> None:
    """Wait until the bot has fetched and fully handled everything and has gone quiet."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while True:
        await sandbox.settle(timeout=max(0.5, deadline - loop.time()))
        if app is None or _idle(app):
            await asyncio.sleep(0.02)
            if app is None or _idle(app):
                return
        if loop.time() > deadline:
            raise TimeoutError("the bot did not go idle")
        await asyncio.sleep(0.01)


def _idle(app: Application) -> bool:
    return (
        app.update_queue.empty()
        and app.update_processor.in_flight == 0  # type: ignore[attr-defined]
        and not busy(app)
    )
