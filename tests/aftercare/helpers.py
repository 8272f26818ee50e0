"""Aftercare's cast: a member with a delivered order of 赣南脐橙, the clock at local times, and
readers for the rows a test checks (visits, ratings, cases and their events)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select

import messages
from groupbot.models import Product
from groupbot.models.aftercare import CaseEvent, ComplaintCase, Rating, Visit
from groupbot.orders import NewItem, create_order
from groupbot.people import Person, mark_started, upsert_member
from groupbot.shipping import mark_delivered, mark_shipped
from handlers.ticks import tick_now

ZH = "zh-Hans"
TZ = ZoneInfo("Asia/Shanghai")


def t(key: str, **values: object) -> str:
    return messages.t(ZH, key, **values)


def local(bot, day_offset: int, hour: int, minute: int = 0) -> datetime:
    """``day_offset`` days after the test's first day (2026-11-20) at hour:minute, local."""
    return datetime(2026, 11, 20, hour, minute, tzinfo=TZ) + timedelta(days=day_offset)


async def tick(bot) -> None:
    await tick_now(bot.app)
    await bot.settle()


async def at(bot, day_offset: int, hour: int, minute: int = 0) -> None:
    """Move the clock to a local time and run the periodic jobs."""
    bot.clock.set(local(bot, day_offset, hour, minute))
    await tick(bot)


async def delivered(bot, user, product: str = "赣南脐橙", *, quantity: int = 10) -> int:
    """An order of ``product`` for ``user`` (who started the bot), shipped and delivered now."""
    rt = bot.rt
    async with rt.tx() as s:
        member = await upsert_member(s, Person(user.id, user.first_name,
                                               language_code=user.language_code))
        mark_started(member, rt.clock.now())
        row = Product(community_id=rt.community_id, name=product, unit="个", perishable=True)
        s.add(row)
        await s.flush()
        order, _ = await create_order(s, rt, member=member, group=None, source="api",
                                      items=[NewItem(row, quantity, Decimal("5.00"))])
        await mark_shipped(s, rt, order, "顺丰", f"SF{order.id:010d}")
        await mark_delivered(s, rt, order)
        return order.id


def visit_texts(bot, user, products: str = "赣南脐橙") -> list[str]:
    """The bot's new messages to ``user`` that are return visits or their reminders."""
    wanted = {t("aftercare.visit.ask", products=products),
              t("aftercare.visit.reminder", products=products)}
    return [m.get("html") or m.get("text") for m in bot.replies(user)
            if (m.get("html") or m.get("text")) in wanted]


def last_visit(bot, user) -> dict:
    ask = (t("aftercare.visit.ask", products="赣南脐橙"),
           t("aftercare.visit.reminder", products="赣南脐橙"))
    return [m for m in bot.sb.bot_messages(user) if (m.get("html") or m.get("text")) in ask][-1]


async def rows(bot, model, *where):
    async with bot.rt.tx() as s:
        return list(await s.scalars(select(model).where(*where).order_by(model.id)))


async def visits(bot) -> list[Visit]:
    return await rows(bot, Visit)


async def ratings(bot) -> list[Rating]:
    return await rows(bot, Rating)


async def cases(bot) -> list[ComplaintCase]:
    return await rows(bot, ComplaintCase)


async def events(bot, case_id: int) -> list[str]:
    return [e.action for e in await rows(bot, CaseEvent, CaseEvent.case_id == case_id)]


def stars(prefix: str) -> list[tuple[str, str]]:
    return [(t(f"aftercare.stars.{n}"), f"{prefix}:{n}") for n in range(1, 6)]
