"""PTB implementation of :class:`groupbot.desk.transport.DeskTransport`, and the desk's periodic
jobs (clocks, topic upkeep, relay; the topics check once at start)."""

from __future__ import annotations

import logging

from telegram import Bot, ReplyParameters
from telegram.error import BadRequest
from telegram.ext import Application

import messages
from groupbot.desk.clocks import run_clocks
from groupbot.desk.records import desk_locale
from groupbot.desk.relay import TO_DESKS, TO_MEMBERS, relay_due
from groupbot.desk.topics import forums, refresh_topics
from groupbot.desk.transport import Buttons, NotAForum
from groupbot.notify import Sender
from groupbot.runtime import Runtime
from groupbot.schedule import Periodic
from handlers.common import keyboard
from handlers.sender import _translate
from handlers.ticks import KICKS_KEY

log = logging.getLogger(__name__)
_NOT_FORUM = ("the chat is not a forum", "not enough rights to manage topics",
              "method is available for supergroup")


class TelegramDesk:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send_text(
        self, chat_id: int, html: str, *, thread_id: int | None = None,
        reply_to: int | None = None, buttons: Buttons | None = None,
    ) -> int:
        reply = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
        try:
            message = await self.bot.send_message(
                chat_id, html, message_thread_id=thread_id, reply_parameters=reply,
                reply_markup=keyboard(buttons) if buttons else None,
                disable_web_page_preview=True)
        except Exception as exc:
            raise _translate(exc) from exc
        return message.message_id

    async def copy(
        self, chat_id: int, from_chat_id: int, message_id: int, *,
        thread_id: int | None = None, caption_html: str | None = None,
    ) -> int:
        try:
            copied = await self.bot.copy_message(chat_id, from_chat_id, message_id,
                                                 caption=caption_html, message_thread_id=thread_id)
        except Exception as exc:
            raise _translate(exc) from exc
        return copied.message_id

    async def edit_text(
        self, chat_id: int, message_id: int, html: str, buttons: Buttons | None = None
    ) -> None:
        try:
            await self.bot.edit_message_text(html, chat_id, message_id,
                                             reply_markup=keyboard(buttons) if buttons else None,
                                             disable_web_page_preview=True)
        except BadRequest as exc:
            if "not modified" not in exc.message.lower():
                raise _translate(exc) from exc
        except Exception as exc:
            raise _translate(exc) from exc

    async def create_topic(self, chat_id: int, name: str) -> int:
        try:
            topic = await self.bot.create_forum_topic(chat_id, name)
        except BadRequest as exc:
            if any(s in exc.message.lower() for s in _NOT_FORUM):
                raise NotAForum(exc.message) from exc
            raise _translate(exc) from exc
        except Exception as exc:
            raise _translate(exc) from exc
        return topic.message_thread_id

    async def rename_topic(self, chat_id: int, thread_id: int, name: str) -> None:
        try:
            await self.bot.edit_forum_topic(chat_id, thread_id, name=name)
        except BadRequest as exc:
            if "not_modified" not in exc.message.lower().replace(" ", "_"):
                raise _translate(exc) from exc
        except Exception as exc:
            raise _translate(exc) from exc

    async def pin(self, chat_id: int, message_id: int) -> None:
        try:
            await self.bot.pin_chat_message(chat_id, message_id, disable_notification=True)
        except BadRequest as exc:  # no right to pin: the card is still the first message
            log.warning("desk: cannot pin in %s: %s", chat_id, exc.message)
        except Exception as exc:
            raise _translate(exc) from exc

    async def is_forum(self, chat_id: int) -> bool:
        try:
            chat = await self.bot.get_chat(chat_id)
        except Exception as exc:
            raise _translate(exc) from exc
        return bool(chat.is_forum)


async def check_desk_chats(rt: Runtime, desk: TelegramDesk) -> None:
    """At start: a desk chat without topics is said so, in the log and in that chat."""
    known = forums(rt)
    for chat_id in rt.settings.desk_chat_ids:
        if chat_id in known:
            continue
        try:
            known[chat_id] = await desk.is_forum(chat_id)
        except Exception as exc:  # the bot may not be in the chat yet: try on the next tick
            log.warning("desk chat %s not reachable: %s", chat_id, exc)
            continue
        if not known[chat_id]:
            log.warning("desk chat %s has topics off: relaying by reply instead", chat_id)
            try:
                await desk.send_text(chat_id, messages.t(desk_locale(rt), "desk.agent.no_topics"))
            except Exception as exc:
                log.warning("desk chat %s: could not say so: %s", chat_id, exc)


DESK_WORKER_KEY = "groupbot.desk.worker"


def desk_jobs(application: Application) -> list[Periodic]:
    """The desk's part of every tick, in order: decide (clocks), then send to members (private
    chats: fast), then make sure the desk-side worker runs. Sends into desk chats wait for each
    chat's 20-a-minute budget, so they run beside the tick, not in it."""
    desk = TelegramDesk(application.bot)

    async def desk_start_check(rt: Runtime, sender: Sender) -> None:
        await check_desk_chats(rt, desk)

    async def desk_to_members(rt: Runtime, sender: Sender) -> None:
        while await relay_due(rt, desk, TO_MEMBERS) >= 100:  # a full pass: more may be due
            pass

    async def desk_to_desks(rt: Runtime, sender: Sender) -> None:
        ensure_desk_worker(application, rt, desk)

    return [desk_start_check, run_clocks, desk_to_members, desk_to_desks]


def ensure_desk_worker(application: Application, rt: Runtime, desk: TelegramDesk) -> None:
    """Start the desk-side worker unless it runs: relay into the desk chats, then topic upkeep
    (titles, cards), until nothing is due. Application.stop waits for it."""
    if not application.running or application.bot_data.get(DESK_WORKER_KEY):
        return

    async def work() -> None:
        while True:
            sent = await relay_due(rt, desk, TO_DESKS)
            if not sent and not await refresh_topics(rt, desk):
                return

    task = application.create_task(work(), name="desk-worker")
    application.bot_data[DESK_WORKER_KEY] = task
    # Counted as a kicked send, so the tests and the demo wait for it (handlers.ticks.busy).
    running: set = application.bot_data.setdefault(KICKS_KEY, set())
    running.add(task)

    def done(finished: object) -> None:
        running.discard(task)
        application.bot_data.pop(DESK_WORKER_KEY, None)

    task.add_done_callback(done)
