"""Polling that loses no update at a crash (the inbox is groupbot/scale/updates.PolledUpdates).

PTB's Updater confirms a batch to Telegram with its next getUpdates call, while the batch may
still be waiting in the Application's queue; a SIGKILL then lost it (a member's /start, a tap,
a photo) and Telegram never sent it again. Here the Updater polls through ``KeepingBot``: a
batch goes to the queue at once (nobody waits for the database), and the next getUpdates,
which confirms it, first keeps in the database whatever of it is not handled yet (after
``HANDLED_WAIT``: when the bot is not busy, nothing is left by then and nothing is written).
The processor marks each update done when it has been handled, and a restart puts the kept
ones that are not done back into the queue before polling again.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import Bot, Update
from telegram.ext import Application

from groupbot.runtime import Runtime
from groupbot.scale import beats
from groupbot.scale.updates import PolledUpdates
from handlers.processor import PerChatUpdateProcessor, chat_key

log = logging.getLogger(__name__)
RETRY_SECONDS = 1.0
# How long the next getUpdates waits for the last batch to be handled before keeping what is
# left of it: a batch handled by then costs no write (most batches, when the bot is not busy),
# and the next poll goes at most this much later.
HANDLED_WAIT = 0.025
INBOX_KEY = "groupbot.polled_updates"


class KeepingBot:
    """The Updater's bot: the Application's own, except that getUpdates keeps what it got."""

    def __init__(self, bot: Bot, inbox: PolledUpdates) -> None:
        self._bot = bot
        self._inbox = inbox
        self._fetched: list[Update] = []  # the last batch, confirmed by the next call
        self.known_up_to = 0  # kept before this start: Telegram may send those once more

    def __getattr__(self, name: str) -> Any:
        return getattr(self._bot, name)

    async def get_updates(self, offset: int | None = None, **kwargs: Any) -> tuple[Update, ...]:
        if self._fetched:  # this call confirms the last batch: keep what is not handled yet
            batch, self._fetched = self._fetched, []
            await self._keep_unhandled(batch)
        while True:
            updates = await self._bot.get_updates(offset=offset, **kwargs)
            fresh = await self._not_known(updates)
            if fresh or not updates:
                break
            # Only updates the restart took from the database: confirm them and poll on.
            offset = updates[-1].update_id + 1
        if fresh:
            self._fetched = list(fresh)
            self._inbox.fetched([u.update_id for u in fresh])
        return fresh

    async def _keep_unhandled(self, batch: list[Update]) -> None:
        """A batch handled within ``HANDLED_WAIT`` (the usual case when the bot is not busy)
        needs no keeping: what it changed is committed and marked done, and it was answered.
        The rest is kept before Telegram is told it arrived."""
        left = await self._inbox.still_unhandled([u.update_id for u in batch], HANDLED_WAIT)
        if left:
            await self._keep([(u.update_id, chat_key(u), u.to_dict())
                              for u in batch if u.update_id in left])

    async def _not_known(self, updates: tuple[Update, ...]) -> tuple[Update, ...]:
        """Drop what the last process kept (Telegram sends a batch again until confirmed).
        Asks the database only about ids up to the newest kept one, i.e. just after a start."""
        old = [u.update_id for u in updates if u.update_id <= self.known_up_to]
        if not old:
            return updates
        known = await self._inbox.known(old)
        return tuple(u for u in updates if u.update_id not in known)

    async def _keep(self, batch: list[tuple[int, int, dict[str, Any]]]) -> None:
        while True:  # not confirmed to Telegram until kept: a database hiccup waits, loses none
            try:
                await self._inbox.keep(batch)
                return
            except Exception:
                log.warning("could not keep %d polled updates; retrying", len(batch),
                            exc_info=True)
                await asyncio.sleep(RETRY_SECONDS)


def install(application: Application, rt: Runtime, processor: PerChatUpdateProcessor) -> None:
    """Polling mode: the Updater polls through ``KeepingBot`` and the processor marks done."""
    if application.updater is None:
        return
    inbox = PolledUpdates(rt, beats.me(rt))
    application.updater.bot = KeepingBot(application.bot, inbox)  # type: ignore[assignment]
    application.bot_data[INBOX_KEY] = inbox
    processor.inbox = inbox


async def put_back_unfinished(application: Application) -> int:
    """At start, before polling: what the last process fetched and did not finish, in order."""
    inbox: PolledUpdates | None = application.bot_data.get(INBOX_KEY)
    if inbox is None or application.updater is None:
        return 0
    keeping = application.updater.bot
    assert isinstance(keeping, KeepingBot)
    keeping.known_up_to = await inbox.newest()
    payloads = await inbox.unfinished()
    for payload in payloads:
        update = Update.de_json(payload, application.bot)
        await application.update_queue.put(update)
    if payloads:
        log.info("handling again %d updates a stopped process had fetched", len(payloads))
    return len(payloads)


async def record_handled(application: Application) -> None:
    """At stop: the done marks still waiting for their batch."""
    inbox: PolledUpdates | None = application.bot_data.get(INBOX_KEY)
    if inbox is not None:
        try:
            await inbox.flush()
        except Exception:  # they are answered again after the restart, nothing worse
            log.warning("could not record the last handled updates", exc_info=True)
