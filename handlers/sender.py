"""PTB implementation of the services' :class:`groupbot.notify.Sender`: maps Telegram's
errors to the outcomes the services understand (retry later, blocked, gone, migrated)."""

from __future__ import annotations

from telegram import Bot
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError

from groupbot.notify import (
    Blocked,
    Buttons,
    ChatBusy,
    ChatGone,
    Migrated,
    RetryLater,
    SendError,
)
from handlers.common import keyboard
from handlers.pacing import QUEUED, ChatBudgetSpent, retry_seconds


def _markup(buttons: Buttons | None):
    return keyboard(buttons) if buttons else None


class TelegramSender:
    """``queued``: for the periodic passes, whose rows wait in the database: a group whose
    per-minute budget is used up answers ChatBusy at once instead of holding the pass."""

    def __init__(self, bot: Bot, *, queued: bool = False) -> None:
        self.bot = bot
        self.limit = QUEUED if queued else None

    async def send(
        self, chat_id: int, text: str, buttons: Buttons | None = None, photo: bytes | None = None
    ) -> int:
        try:
            if photo is not None:
                message = await self.bot.send_photo(
                    chat_id, photo, caption=text, reply_markup=_markup(buttons),
                    rate_limit_args=self.limit,
                )
            else:
                message = await self.bot.send_message(
                    chat_id, text, reply_markup=_markup(buttons), disable_web_page_preview=True,
                    rate_limit_args=self.limit,
                )
        except Exception as exc:
            raise _translate(exc) from exc
        return message.message_id

    async def edit(
        self, chat_id: int, message_id: int, text: str, buttons: Buttons | None = None
    ) -> None:
        try:
            await self.bot.edit_message_text(
                text, chat_id, message_id, reply_markup=_markup(buttons),
                disable_web_page_preview=True, rate_limit_args=self.limit,
            )
        except BadRequest as exc:
            if "not modified" in exc.message.lower():
                return  # the card already shows this: nothing to do
            raise _translate(exc) from exc
        except Exception as exc:
            raise _translate(exc) from exc


def _translate(exc: Exception) -> SendError:
    if isinstance(exc, ChatBudgetSpent):
        return ChatBusy(retry_seconds(exc))
    if isinstance(exc, RetryAfter):
        return RetryLater(retry_seconds(exc))
    if isinstance(exc, ChatMigrated):
        return Migrated(exc.new_chat_id)
    if isinstance(exc, Forbidden):
        return Blocked(exc.message)
    if isinstance(exc, BadRequest) and "chat not found" in exc.message.lower():
        return ChatGone(exc.message)
    if isinstance(exc, BadRequest):
        return ChatGone(exc.message)  # a malformed message will not get better by retrying
    if isinstance(exc, TelegramError):
        return SendError(str(exc))
    return SendError(repr(exc))
