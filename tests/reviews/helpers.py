"""Building blocks for the review tests: two reviewers and their chat, a member, and a claim
submitted through the claims service (fast: no photo analysis; real files in the sandbox)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from PIL import Image

import messages
from groupbot import claims
from groupbot.models import Draft, Product
from groupbot.orders import NewItem, create_order
from groupbot.people import Person, mark_started, upsert_member
from groupbot.shipping import mark_delivered, mark_shipped
from handlers.ticks import tick_now

LI_ID, ZHAO_ID, REVIEW_CHAT = 7_000_001, 7_000_002, -1_007_000_001
TRACKING = "SF1234567890"
REVIEW_SETTINGS = dict(reviewer_ids=frozenset({LI_ID, ZHAO_ID}), reviewers_chat_id=REVIEW_CHAT)
GOOD = {"waybill_found": True, "numbers": [TRACKING], "tracking_match": True,
        "goods_found": True, "goods_score": 0.91, "damage_score": 0.82, "problems": []}


def t(key: str, **values: object) -> str:
    return messages.t("zh-Hans", key, **values)


@dataclass
class Cast:
    li: Any
    zhao: Any
    room: Any  # the reviewers' group
    ming: Any


def cast(bot, language_code: str = "zh-hans") -> Cast:
    sb = bot.sb
    li = sb.add_user("李审核", user_id=LI_ID, language_code=language_code, started=True)
    zhao = sb.add_user("赵审核", user_id=ZHAO_ID, language_code=language_code, started=True)
    room = sb.add_group("售后审核群", members=[li, zhao], chat_id=REVIEW_CHAT)
    room.bot_status = "member"  # the bot was added long ago (no welcome message in the test)
    ming = sb.add_user("小明", language_code=language_code, started=True)
    return Cast(li, zhao, room, ming)


def jpeg(color=(200, 60, 40)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (320, 240), color).save(buf, "JPEG")
    return buf.getvalue()


def sandbox_photo(bot, color=(200, 60, 40)) -> dict:
    """A photo stored in the sandbox as if the member had sent it (downloadable by the bot)."""
    files = bot.sb.state.files
    stored = files.add_photo(jpeg(color))[-1]
    return {"file_id": files.new_file_id(stored), "file_unique_id": stored.unique_id}


async def submitted_claim(
    bot, user, *, quantity: int = 10, price: str = "5.00", units: int = 2,
    findings: dict | None = GOOD, photos: int = 1, reason: str = "rotten",
    description: str | None = "打开箱子两个烂了", post: bool = True, colors=None,
) -> int:
    """An order delivered to ``user`` and a claim on it, submitted; the card is posted."""
    rt = bot.rt
    async with rt.tx() as s:
        member = await upsert_member(s, Person(user.id, user.first_name,
                                               language_code=user.language_code))
        mark_started(member, rt.clock.now())
        product = Product(community_id=rt.community_id, name="沃柑", unit="个", perishable=True)
        s.add(product)
        await s.flush()
        order, _ = await create_order(s, rt, member=member, group=None, source="api",
                                      items=[NewItem(product, quantity, Decimal(price))])
        await mark_shipped(s, rt, order, "顺丰", TRACKING)
        await mark_delivered(s, rt, order)
        draft = await claims.begin(s, rt, member, order)
        assert isinstance(draft, Draft), draft
        await claims.choose_units(s, rt, draft, order, order.items[0].id, units)
        claims.choose_reason(rt, draft, order, reason)
        claims.set_description(rt, draft, description)
        for i in range(photos):
            color = (colors or [(200, 60 + 40 * i, 40)])[i % len(colors or [0])]
            photo = sandbox_photo(bot, color)
            claims.add_photo(rt, draft, {**photo, "phash": f"{i + 1:016x}",
                                         "findings": findings})
        claim, _ = await claims.submit(s, rt, member, draft)
        claim_id = claim.id
    if post:
        await tick_now(bot.app)
        await bot.settle()
    return claim_id


def card_in(bot, chat, claim_id: int) -> dict:
    """The latest card message of ``claim_id`` in ``chat`` (the one with the buttons/title)."""
    title = f"售后申请 #{claim_id}</b>"
    for message in reversed(bot.sb.bot_messages(chat)):
        if title in (message.get("html") or ""):
            return message
    raise AssertionError(f"no card for claim {claim_id}")


def fresh(bot, message: dict) -> dict:
    """The current state of a message (after edits)."""
    for m in bot.sb.messages(message["chat"]["id"]):
        if m["message_id"] == message["message_id"]:
            return m
    raise AssertionError("message gone")
