"""Batches as the analytics see them: a deal of a product, its delivered orders, the claims on
them. Rows are written directly by the demo's seeding (hundreds of units per test would be
slow through the dialogue); the claims carry the evidence summary the claims service stores."""

from __future__ import annotations

import messages
from groupbot.demo.analytics import SeededBatch, buyers, seed_batch
from groupbot.models import Member
from groupbot.runtime import Runtime
from tests.factories import group_row

VERIFIED = {"checked": True, "tracking_match": True, "goods_found": True}
UNVERIFIED = {"checked": True, "tracking_match": False, "goods_found": True}
Batch = SeededBatch


def t(key: str, **values: object) -> str:
    """The zh-Hans catalog text the bot should have sent."""
    return messages.t("zh-Hans", key, **values)


async def organizer(rt: Runtime, session) -> Member:
    return (await buyers(session, 1))[0]


async def batch(rt: Runtime, session, name: str, *, orders: int, group=None, delivered_at=None,
                **details) -> SeededBatch:
    """A delivered deal of ``name`` in the test group (see ``seed_batch`` for the details)."""
    return await seed_batch(session, rt, name, group=group or await group_row(rt, session),
                            organizer=await organizer(rt, session), orders=orders,
                            delivered_at=delivered_at or rt.clock.now(), **details)
