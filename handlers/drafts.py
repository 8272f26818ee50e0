"""Routes a member's free text, photos and files in the private chat to their active draft."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from groupbot import drafts
from groupbot.models import Draft
from handlers.common import Who, runtime, who
from handlers.fallback import unexpected_message

DraftInput = Callable[
    [Update, ContextTypes.DEFAULT_TYPE, AsyncSession, Who, Draft], Awaitable[None]
]
ROUTES: dict[str, DraftInput] = {}


def route(kind: str, handler: DraftInput) -> None:
    ROUTES[kind] = handler


async def to_draft(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    rt = runtime(context)
    async with rt.tx() as session:
        w = await who(session, rt, update)
        draft = await drafts.current(session, w.member)
        if draft is not None and draft.kind in ROUTES:
            await ROUTES[draft.kind](update, context, session, w, draft)
            return
    await unexpected_message(update, context)


def register(app: Application) -> None:
    content = filters.TEXT | filters.PHOTO | filters.Document.ALL
    # In the default group, after the commands: a member's text, photo or file belongs to the
    # draft they are filling in; without one it gets the fallback answer.
    app.add_handler(MessageHandler(filters.ChatType.PRIVATE & content & ~filters.COMMAND, to_draft))
