"""A process killed in the middle of sending the outbox: another one takes its rows over as
soon as its heartbeat goes silent (seconds, not the old two-minute lease), and every message
reaches its reader once — those sent before the kill are not sent again."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select, update

import messages
from groupbot import notify, outbox_dispatch, texts
from groupbot.clock import FrozenClock
from groupbot.db import make_sessionmaker
from groupbot.models import OutboxMessage
from groupbot.models.messaging import OUTBOX_SENDING, OUTBOX_SENT
from groupbot.models.scale import PROCESS_BOT, ProcessBeat
from groupbot.runtime import Runtime
from groupbot.scale import beats
from groupbot.scale.updates import wall_now
from handlers.sender import TelegramSender
from handlers.ticks import tick_now
from tests.broadcasts.helpers import started_members
from tests.conftest import engine_for
from tests.scale.helpers import wait_until

SENT_BEFORE_THE_KILL = 3


class Killed(BaseException):
    """SIGKILL, as far as the dying process's code can tell: nothing after it runs."""


class DiesMidSend:
    """Process A's sender: Telegram accepts its first messages, then the process dies while
    the next one waits for its slot (before it reached Telegram)."""

    def __init__(self, real: TelegramSender, sends: int) -> None:
        self.real, self.left = real, sends

    async def send(self, chat_id, text, buttons=None, photo=None) -> int:
        if self.left == 0:
            raise Killed
        self.left -= 1
        return await self.real.send(chat_id, text, buttons, photo)

    async def edit(self, chat_id, message_id, text, buttons=None) -> None:
        raise Killed


async def test_a_killed_processs_outbox_rows_go_out_once_after_its_heartbeat_lapses(
        bot, database):
    people = await started_members(bot, 8)
    later = bot.clock.now() + timedelta(hours=1)  # not due for bot B's own ticks yet
    async with bot.rt.tx() as s:
        for n, person in enumerate(people):
            await notify.enqueue(s, bot.rt, notify.Outgoing(
                key=f"test:takeover:{n}", kind="test", chat_id=person.id,
                message=texts.text("orders.confirmed", order=100 + n), not_before=later))
    # Process A: its own engine, clock (already past the rows' time) and heartbeat.
    engine = engine_for(database[1])
    a = Runtime(settings=bot.settings, engine=engine, sessionmaker=make_sessionmaker(engine),
                clock=FrozenClock(later + timedelta(minutes=1)))
    a.community_id = bot.rt.community_id
    try:
        await beats.beat(a, PROCESS_BOT, "webhook", False)
        try:
            await outbox_dispatch.dispatch_due(a, DiesMidSend(TelegramSender(bot.app.bot),
                                                     SENT_BEFORE_THE_KILL))
            raise AssertionError("process A was meant to die")
        except Killed:
            pass
        # A's chats are sent side by side: the sends Telegram accepted before the kill are
        # recorded by their own lanes (a real SIGKILL may catch one between the two: the
        # duplicate window benchmarks/crash.py measures).
        for _ in range(200):
            async with bot.rt.tx() as s:
                rows = list(await s.execute(select(
                    OutboxMessage.chat_id, OutboxMessage.status, OutboxMessage.sending_by)))
            if [st for _, st, _ in rows].count(OUTBOX_SENT) >= SENT_BEFORE_THE_KILL:
                break
            await asyncio.sleep(0.05)
        states = sorted((st, by) for _, st, by in rows)
        assert states == [(OUTBOX_SENDING, beats.me(a))] * (
            len(people) - SENT_BEFORE_THE_KILL) + [(OUTBOX_SENT, None)] * SENT_BEFORE_THE_KILL
        held = {chat for chat, st, _ in rows if st == OUTBOX_SENDING}

        # A's heartbeat is fresh: B leaves its rows alone (A may still be sending them).
        await tick_now(bot.app)
        assert await outbox_dispatch.dispatch_due(bot.rt, TelegramSender(bot.app.bot)) == 0
        unsent = [p for p in people if p.id in held]
        assert all(bot.sb.bot_messages(p) == [] for p in unsent)

        # A has been silent for longer than its lease: B takes the rows over at once.
        async with bot.rt.tx() as s:
            await s.execute(update(ProcessBeat).where(ProcessBeat.id == beats.me(a)).values(
                seen_at=wall_now() - timedelta(seconds=bot.settings.process_lease_seconds + 1)))
        await tick_now(bot.app)
        await wait_until(lambda: all(bot.sb.bot_messages(p) for p in people))
        await bot.settle()
    finally:
        await engine.dispose()

    for n, person in enumerate(people):
        assert [m["html"] for m in bot.sb.bot_messages(person)] == [
            messages.t("zh-Hans", "orders.confirmed", order=100 + n)]
    async with bot.rt.tx() as s:
        statuses = list(await s.scalars(select(OutboxMessage.status)))
    assert statuses == [OUTBOX_SENT] * len(people)
