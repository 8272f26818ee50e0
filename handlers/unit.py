"""One unit of work per update: decide inside one short transaction, commit, then speak.

A handler gets a :class:`Unit` (the session, the member as :class:`Who`, and ``out``, the
collector of what to say) and only *collects* replies, edits and answers to taps; they are
sent after the transaction has committed, so nobody is told something the database does not
hold. A rollback (an exception) sends nothing: the error handler says sorry instead.

What the person must not miss (a claim submitted, ...) goes to the outbox with
:meth:`Unit.tell`, in the same transaction, and is sent by the dispatcher right after the
commit (and after a restart, once, if the process dies in between).

No Telegram call, download or evidence work ever happens inside the transaction: a handler
that needs one splits into two units (see handlers/photo_intake.py) or uses ``out.after``.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Message, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

import messages
from groupbot import notify, people
from groupbot.runtime import Runtime
from handlers.common import Who, keyboard, locale_of, person, runtime, who
from handlers.processor import slot_released
from handlers.ticks import kick

log = logging.getLogger(__name__)

Buttons = Sequence[Sequence[tuple[str, str]]]
AfterCommit = Callable[[], Awaitable[Any]]
OnSent = Callable[[int], Awaitable[Any]]


@dataclass
class _Say:
    how: str  # reply | answer | edit | markup | call
    text: str | None = None
    buttons: Buttons | None = None
    chat_id: int | None = None
    message_id: int | None = None
    alert: bool = False
    preview: bool = False
    on_sent: OnSent | None = None
    work: AfterCommit | None = None


@dataclass
class Out:
    """What to say once the transaction committed, in the order it was collected."""

    said: list[_Say] = field(default_factory=list)
    kicked: bool = False

    def reply(self, text: str, buttons: Buttons | None = None, *, preview: bool = False,
              on_sent: OnSent | None = None) -> None:
        """A message in the chat the update came from (``on_sent`` gets its message id)."""
        self.said.append(_Say("reply", text, buttons, preview=preview, on_sent=on_sent))

    def answer(self, text: str | None = None, *, alert: bool = False) -> None:
        """The answer to the tapped button (a toast, or an alert the person must close)."""
        self.said.append(_Say("answer", text or None, alert=alert and bool(text)))

    def edit(self, text: str, buttons: Buttons | None = None) -> None:
        """Replace the tapped message's text (and buttons)."""
        self.said.append(_Say("edit", text, buttons))

    def markup(self, buttons: Buttons | None = None, *, chat_id: int | None = None,
               message_id: int | None = None) -> None:
        """Replace the buttons of the tapped message (or of ``message_id`` in ``chat_id``)."""
        self.said.append(_Say("markup", None, buttons, chat_id=chat_id, message_id=message_id))

    def after(self, work: AfterCommit) -> None:
        """Work that talks to Telegram once the commit is done (e.g. posting a card), in its
        place among the replies."""
        self.said.append(_Say("call", work=work))

    def kick(self) -> None:
        """The commit queued outbox rows: send them now rather than at the next tick."""
        self.kicked = True

    @property
    def answered(self) -> bool:
        return any(s.how == "answer" for s in self.said)

    async def flush(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is not None and not self.answered:
            self.said.insert(0, _Say("answer"))  # a tap always gets its spinner stopped
        # The answer to a tap first (Telegram shows a spinner until then), the rest in order.
        ordered = sorted(self.said, key=lambda s: s.how != "answer")
        # Speaking waits for the send budget, not for the database: the update's processing
        # slot goes to another chat meanwhile (the chat's own order still holds). Else, when
        # a hundred claimants' replies queue for Telegram's 30 a second, they hold every slot
        # and a member's /help waits for one behind them.
        async with slot_released():
            for say in ordered:
                try:
                    if say.work is not None:
                        await say.work()
                    else:
                        await _speak(update, context, say)
                except (TelegramError, notify.SendError) as exc:  # committed: logged
                    log.warning("after commit, %s failed: %s", say.how, exc)
        if self.kicked:
            kick(context)


async def _speak(update: Update, context: ContextTypes.DEFAULT_TYPE, say: _Say) -> None:
    markup = keyboard(say.buttons) if say.buttons else None
    query = update.callback_query
    if say.how == "answer":
        assert query is not None
        await query.answer(say.text, show_alert=say.alert)
        return
    message: Message | None = update.effective_message
    if say.how == "reply":
        assert message is not None and say.text is not None
        sent = await message.reply_text(say.text, reply_markup=markup,
                                        disable_web_page_preview=not say.preview)
        if say.on_sent is not None:
            await say.on_sent(sent.message_id)
    elif say.how == "edit":
        assert query is not None and say.text is not None
        await query.edit_message_text(say.text, reply_markup=markup)
    elif say.how == "markup":
        if say.message_id is not None:
            await context.bot.edit_message_reply_markup(say.chat_id, say.message_id,
                                                        reply_markup=markup)
        else:
            assert query is not None
            await query.edit_message_reply_markup(markup)


@dataclass
class Unit:
    """One update being handled: read and decide with ``session``; say through ``out``."""

    update: Update
    context: ContextTypes.DEFAULT_TYPE
    rt: Runtime
    session: AsyncSession
    w: Who
    out: Out

    def t(self, key: str, /, **values: object) -> messages.Html:
        return self.w.t(key, **values)

    @property
    def message(self) -> Message:
        message = self.update.effective_message
        assert message is not None
        return message

    @property
    def args(self) -> list[str]:
        return list(self.context.args or [])

    @property
    def data(self) -> str:
        """The tapped button's callback data."""
        assert self.update.callback_query is not None
        return self.update.callback_query.data or ""

    @property
    def chat_id(self) -> int:
        chat = self.update.effective_chat
        assert chat is not None
        return chat.id

    async def tell(self, key: str, kind: str, message: Any,
                   buttons: Any = None) -> None:
        """A message this person must not miss: an outbox row in this same transaction, sent
        right after the commit (and once after a restart if the process dies first)."""
        await notify.enqueue(self.session, self.rt, notify.Outgoing(
            key=key, kind=kind, chat_id=self.chat_id, message=message, buttons=buttons,
            member_id=self.w.member.id))
        self.out.kick()


@asynccontextmanager
async def unit(update: Update, context: ContextTypes.DEFAULT_TYPE, *,
               read_only: bool = False) -> AsyncIterator[Unit]:
    """``async with unit(update, context) as u:`` — the body decides; leaving it commits, and
    only then is what ``u.out`` collected sent.

    ``read_only``: the body only reads (e.g. /help). A person this process knows (their roles
    and language loaded in the last seconds, ``people.KnownPeople``) is answered with no
    transaction at all: the session connects only if the body reads something, and whatever
    it read is rolled back. Anyone else goes the usual way, and is remembered."""
    rt = runtime(context)
    out = Out()
    known = _known(rt, update) if read_only else None
    if known is not None:
        async with rt.sessionmaker() as session:  # no round trip unless the body reads
            yield Unit(update, context, rt, session, known, out)
        await out.flush(update, context)
        return
    generation = people.roles_generation()
    async with rt.tx() as session:
        w = await who(session, rt, update)
        yield Unit(update, context, rt, session, w, out)
    if read_only and _private(update):
        _people(rt).put(person(update.effective_user), update.effective_chat.id, w, generation)
    await out.flush(update, context)


def _private(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type == chat.PRIVATE and update.effective_user is not None


def _people(rt: Runtime) -> people.KnownPeople:
    return rt.extras.setdefault("known_people", people.KnownPeople())


def _known(rt: Runtime, update: Update) -> Who | None:
    if not _private(update):  # a group's language and admins come into it: always read
        return None
    return _people(rt).get(person(update.effective_user), update.effective_chat.id)


Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[None]]


def unit_of_work(
    decide: Callable[[Unit], Awaitable[Any]] | None = None, *,
    rolled_back: dict[type[Exception], str] | None = None, read_only: bool = False,
) -> Any:
    """Make a PTB callback from a function that decides one update within a :class:`Unit`.

    ``rolled_back`` maps an exception a service raises when the database refused the change
    (e.g. a refund over what was paid) to the catalog key to answer with: the transaction is
    rolled back, nothing collected is said, and the person gets that answer instead.
    ``read_only`` (see :func:`unit`) is for bodies that write nothing."""

    def wrap(fn: Callable[[Unit], Awaitable[Any]]) -> Handler:
        caught = tuple(rolled_back or ())

        @functools.wraps(fn)
        async def handler(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            try:
                async with unit(update, context, read_only=read_only) as u:
                    await fn(u)
            except caught as exc:  # type: ignore[misc]
                key = next(k for t, k in (rolled_back or {}).items() if isinstance(exc, t))
                await say_refused(update, context, key)

        return handler

    return wrap(decide) if decide is not None else wrap


async def say_refused(update: Update, context: ContextTypes.DEFAULT_TYPE, key: str) -> None:
    """After a rollback: the refusal, in the sender's language, as an alert or a reply."""
    text = messages.t(locale_of(update, runtime(context)), key)
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(text)
