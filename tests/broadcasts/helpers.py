"""Shared steps of the broadcast dialogues: a community with groups and members, composing up
to the confirmation, and waiting for a delivery to finish."""

from __future__ import annotations

import asyncio

import messages
from groupbot.people import Person, upsert_member
from handlers.broadcasts_delivery import running
from handlers.ticks import tick_now
from tests.factories import community_with_bot, started


def t(key: str, **values: object) -> str:
    return messages.t("zh-Hans", key, **values)


async def organizer_with_groups(bot, *titles: str, members: tuple[str, ...] = ()):
    """The organizer's first group (芒果团 3号楼) plus one more per title; all started."""
    c = await community_with_bot(bot, *members)
    groups = [c.group]
    for title in titles:
        group = bot.sb.add_group(title, members=[c.organizer], admins=[c.organizer])
        await bot.sb.add_bot_to_group(group, by=c.organizer)
        groups.append(group)
    await bot.settle()
    for group in groups:
        bot.replies(group)
    await started(bot, c.organizer)
    return c, groups


async def started_members(bot, count: int, prefix: str = "成员") -> list:
    """``count`` people who opened the bot earlier (seeded, not /start one by one)."""
    users = [bot.sb.add_user(f"{prefix}{i}", started=True) for i in range(count)]
    async with bot.rt.tx() as session:
        for user in users:
            member = await upsert_member(session, Person(user.id, user.first_name))
            member.started_at = bot.clock.now()
    return users


async def compose_text(bot, organizer, text: str, *, html: bool = False) -> dict:
    """/broadcast and the message: returns the "who should get it?" screen."""
    await bot.say(organizer, "/broadcast")
    bot.replies(organizer)
    await bot.sb.send_text(organizer, organizer, text, html=html)
    await bot.settle()
    [screen] = bot.replies(organizer)
    return screen


async def send_now(bot, organizer, screen: dict, target_label: str, *, wait: bool = True) -> None:
    """Pick the target, skip past the preview, confirm "now". ``wait=False``: don't wait for
    the bot to go quiet after confirming (a slow broadcast keeps it busy)."""
    await bot.tap_label(organizer, screen, target_label)
    _preview, review = bot.replies(organizer)
    await bot.tap_label(organizer, review, "立即发送")
    [confirm] = bot.replies(organizer)
    if wait:
        await bot.tap_label(organizer, confirm, "确认")
        return
    [data] = [d for label, d in bot.sb.buttons(confirm) if "确认" in label]
    await bot.sb.tap(organizer, confirm, data)


async def finish_delivery(bot, limit: float = 30.0) -> None:
    """Let the due broadcasts start and wait until their delivery tasks are done."""
    await tick_now(bot.app)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while running(bot.app):
        if loop.time() > deadline:
            raise TimeoutError("the broadcast did not finish")
        await asyncio.sleep(0.02)
    await bot.settle()


def got(bot, chat) -> list[str]:
    """Every message the bot has posted into ``chat`` as sent (HTML)."""
    return [m["html"] or m["text"] or m["caption"] or "" for m in bot.sb.bot_messages(chat)]


def photo(color=(250, 160, 40), size=(320, 240)) -> bytes:
    from io import BytesIO

    from PIL import Image

    buf = BytesIO()
    Image.new("RGB", size, color).save(buf, "JPEG")
    return buf.getvalue()
