"""Runs broadcast deliveries as long-lived tasks beside the bot (never inside the short tick).

The periodic tick only asks which broadcasts are due or sending and starts a task for each one
not running yet; a task stops cleanly when the Application stops (it lets its sends in flight
finish), and ``Application.stop`` waits for it, so a restart resumes from the delivery rows.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Message
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError
from telegram.ext import Application

from groupbot import notify, outbox_dispatch
from groupbot.broadcasts import delivery, schedule
from groupbot.runtime import Runtime
from groupbot.scale.leader import is_leading
from groupbot.schedule import Periodic, run_due
from handlers.common import RUNTIME_KEY
from handlers.pacing import BROADCAST, retry_seconds
from handlers.sender import TelegramSender

log = logging.getLogger(__name__)
RUNNING_KEY = "groupbot.broadcasts.running"
_GONE = ("chat not found", "group chat was deactivated", "channel_private", "peer_id_invalid")


class BroadcastTelegramSender(TelegramSender):
    """The outbox's sender plus the broadcast message itself, as composed (text or photo)."""

    async def send_content(
        self, chat_id: int, text_html: str | None, photo: str | None, *, broadcast: bool = True
    ) -> int:
        limit = BROADCAST if broadcast else None
        try:
            message: Message
            if photo is not None:
                message = await self.bot.send_photo(
                    chat_id, photo, caption=text_html, rate_limit_args=limit)
            else:
                message = await self.bot.send_message(chat_id, text_html or "",
                                                      rate_limit_args=limit)
        except Exception as exc:
            raise translate(exc) from exc
        return message.message_id


def translate(exc: Exception) -> notify.SendError:
    if isinstance(exc, RetryAfter):
        return notify.RetryLater(retry_seconds(exc))
    if isinstance(exc, ChatMigrated):
        return notify.Migrated(exc.new_chat_id)
    if isinstance(exc, Forbidden):
        return notify.Blocked(exc.message)
    if isinstance(exc, BadRequest):
        if any(word in exc.message.lower() for word in _GONE):
            return notify.ChatGone(exc.message)
        return delivery.Rejected(exc.message)
    if isinstance(exc, TelegramError):  # network errors, timeouts, 5xx: worth another try
        return notify.SendError(str(exc))
    return notify.SendError(repr(exc))


def due_job(application: Application) -> Periodic:
    """The tick's part: start (or resume) every broadcast that should be sending."""

    async def broadcasts_due(rt: Runtime, sender: notify.Sender) -> None:
        for broadcast_id in await schedule.start_due(rt):
            ensure_running(application, broadcast_id)

    return broadcasts_due


def ensure_running(application: Application, broadcast_id: int) -> None:
    if not application.running:
        return
    running: dict = application.bot_data.setdefault(RUNNING_KEY, {})
    if broadcast_id in running:
        return
    task = application.create_task(_deliver(application, broadcast_id),
                                   name=f"broadcast-{broadcast_id}")
    running[broadcast_id] = task
    task.add_done_callback(lambda _t: running.pop(broadcast_id, None))


def running(application: Application) -> bool:
    """Whether a delivery task is still going (tests and the benchmark wait for it)."""
    return bool(application.bot_data.get(RUNNING_KEY))


async def wait_done(application: Application) -> None:
    """Until every delivery task running now has finished (the demo waits for its report)."""
    tasks = list(application.bot_data.get(RUNNING_KEY, {}).values())
    await asyncio.gather(*tasks, return_exceptions=True)


async def _deliver(application: Application, broadcast_id: int) -> None:
    rt: Runtime = application.bot_data[RUNTIME_KEY]
    sender = BroadcastTelegramSender(application.bot)
    try:
        # Another process took the lead (this one lost its lock connection): it delivers now.
        await delivery.deliver(rt, sender, broadcast_id,
                               stopping=lambda: not application.running or not is_leading(rt))
    except Exception:  # logged; the next tick starts it again from the rows
        log.exception("broadcast %s: delivery stopped by an error", broadcast_id)
        return
    if application.running:  # the report waits in the outbox: send it now, not next tick
        await run_due(rt, sender, [outbox_dispatch.dispatch_due])
