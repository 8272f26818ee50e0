"""A second bot process on the same database, in the same test process (each has its own
engine, locks, leader connection and process id, as separate processes would)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import aiohttp

from groupbot.models import Product
from groupbot.orders import NewItem, create_order
from groupbot.people import Person, upsert_member
from groupbot.shipping import mark_shipped
from tests.conftest import engine_for
from tests.harness import BotHarness


async def replica(bot: BotHarness, url: str, **changes: Any) -> BotHarness:
    """Another process of the bot: same sandbox, same database, no getUpdates of its own."""
    other = BotHarness(bot.sb, bot.settings.replace(**changes), engine_for(url), bot.clock,
                       polling=False)
    await other.start()
    return other


async def shipped_orders(bot: BotHarness, users: list) -> None:
    """One order per user, shipped: each owes its buyer one shipping notice (outbox)."""
    rt = bot.rt
    async with rt.tx() as s:
        product = Product(community_id=rt.community_id, name="沃柑", unit="个", perishable=True)
        s.add(product)
        await s.flush()
        for n, user in enumerate(users):
            member = await upsert_member(s, Person(user.id, user.first_name))
            order, _ = await create_order(s, rt, member=member, group=None, source="api",
                                          items=[NewItem(product, 2, Decimal("5.00"))])
            await mark_shipped(s, rt, order, "顺丰", f"SF{n:010d}")


async def wait_until(check: Callable[[], object], limit: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while not check():
        if loop.time() > deadline:
            raise TimeoutError("condition not reached")
        await asyncio.sleep(0.05)


async def post_update(url: str, update: dict, secret: str) -> int:
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret}
    async with aiohttp.ClientSession() as http, http.post(
            url, data=json.dumps(update).encode(), headers=headers) as resp:
        return resp.status


def private_command(update_id: int, user: Any, text: str) -> dict:
    """The update Telegram posts when ``user`` sends ``text`` (a command) in private."""
    who = {"id": user.id, "is_bot": False, "first_name": user.first_name,
           "language_code": user.language_code}
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": 1_790_000_000, "text": text, "from": who,
        "chat": {"id": user.id, "type": "private", "first_name": user.first_name},
        "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]}}
