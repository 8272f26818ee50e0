"""Speaking to the storefront intake as a storefront would: signed JSON over HTTP."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
from sqlalchemy import func, select

from groupbot.intake.server import SERVER_KEY, SIGNATURE_HEADER, IntakeServer, sign
from groupbot.models import Member, Order, OrderItem, OutboxMessage, Product, Shipment
from groupbot.runtime import Runtime

SECRET = "storefront-shared-secret"


def order_json(telegram_id: int, group_chat_id: int, external_id: str = "SHOP-1001",
               **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "external_id": external_id,
        "member": {"telegram_id": telegram_id, "first_name": "小明", "language_code": "zh-hans"},
        "group_chat_id": group_chat_id,
        "discount": "5.00",
        "items": [
            {"product": "阳山水蜜桃", "unit": "斤", "perishable": True, "quantity": 2,
             "unit_price": "25.80"},
            {"product": "麒麟西瓜", "unit": "个", "quantity": 1, "unit_price": "39",
             "discount": "0"},
        ],
    }
    body.update(changes)
    return body


def server_of(bot: Any) -> IntakeServer:
    return bot.app.bot_data[SERVER_KEY]


async def post(
    server: IntakeServer,
    path: str,
    payload: Any = None,
    *,
    raw: bytes | None = None,
    secret: str = SECRET,
    signature: str | None = None,
) -> tuple[int, Any]:
    body = raw if raw is not None else json.dumps(payload, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json"}
    if signature != "":
        headers[SIGNATURE_HEADER] = signature or sign(secret, body)
    async with (
        aiohttp.ClientSession() as http,
        http.post(server.url + path, data=body, headers=headers) as resp,
    ):
        return resp.status, await resp.json()


async def counts(rt: Runtime) -> dict[str, int]:
    """How many rows the intake could have written, per table."""
    result = {}
    async with rt.tx() as session:
        for model in (Member, Product, Order, OrderItem, Shipment, OutboxMessage):
            result[model.__tablename__] = await session.scalar(
                select(func.count()).select_from(model))
    return result
