"""Routes a member's free text, photos and files in the private chat to their active draft.

Text goes to the draft kind's input handler inside one unit of work. A photo for a draft that
takes photos follows handlers/photo_intake.py: decide, then download and check with no
transaction open, then record.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from groupbot import drafts
from groupbot.models import Draft
from handlers import photo_intake
from handlers.fallback import not_understood
from handlers.unit import Unit, unit

DraftInput = Callable[[Unit, Draft], Awaitable[None]]
ROUTES: dict[str, DraftInput] = {}
PHOTO_INTAKES: dict[str, photo_intake.Intake] = {}


def route(kind: str, handler: DraftInput, photos: photo_intake.Intake | None = None) -> None:
    ROUTES[kind] = handler
    if photos is not None:
        PHOTO_INTAKES[kind] = photos


async def to_draft(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    media = photo_intake.media_of(update.effective_message)
    plan: photo_intake.PhotoPlan | None = None
    async with unit(update, context) as u:
        draft = await drafts.current(u.session, u.w.member)
        if draft is None or draft.kind not in ROUTES:
            u.out.reply(*not_understood(update, context))
            return
        kind, intake = draft.kind, PHOTO_INTAKES.get(draft.kind)
        if media is None or intake is None or not intake.wants_photos(draft):
            await ROUTES[kind](u, draft)
            return
        plan = await intake.plan(u, draft, media)
    if plan is not None:  # committed and answered what there was to say: now the slow part
        await photo_intake.receive(update, context, kind, intake, media, plan)


def register(app: Application) -> None:
    content = filters.TEXT | filters.PHOTO | filters.Document.ALL
    # In the default group, after the commands: a member's text, photo or file belongs to the
    # draft they are filling in; without one it gets the fallback answer.
    app.add_handler(MessageHandler(filters.ChatType.PRIVATE & content & ~filters.COMMAND, to_draft))
