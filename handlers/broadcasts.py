"""/broadcast: an organizer composes a notice in the private chat, step by step (the draft lives
in the DB, so a restart loses nothing): the message or a ready-made notice, who gets it, a
preview, now or at a time, confirm."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import CallbackQuery, Message, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, filters

import handlers.drafts
from groupbot import drafts
from groupbot.broadcasts import compose, schedule, targets
from groupbot.broadcasts.compose import ComposeError
from groupbot.models import Draft
from groupbot.permissions import BROADCAST
from groupbot.runtime import Runtime
from handlers import broadcasts_screens as screens
from handlers.common import Who, add_commands, keyboard, runtime, who
from handlers.permits import permitted
from handlers.ticks import kick

KIND = "broadcast"


async def broadcast_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    rt = runtime(context)
    async with rt.tx() as session:
        w = await who(session, rt, update)
        if not w.is_organizer:
            await update.effective_message.reply_text(w.t("broadcasts.organizers_only"))
            return
        await drafts.begin(session, rt, w.member, KIND, "content", {})
    text, rows = screens.content_screen(w)
    await update.effective_message.reply_text(text, reply_markup=keyboard(rows))


async def on_input(update: Update, context: ContextTypes.DEFAULT_TYPE, session: AsyncSession,
                   w: Who, draft: Draft) -> None:
    """Text or a photo while composing: the message, a blank, the photo, or the time."""
    rt = runtime(context)
    message = update.effective_message
    step = INPUT_STEPS.get(draft.step)
    if step is None:
        await message.reply_text(w.t("broadcasts.use_buttons"))
        return
    try:
        await step(message, session, rt, w, draft)
    except ComposeError as exc:
        rows = [[(w.t("broadcasts.text_only"), "bc:np")]] if draft.step == "photo" else None
        await message.reply_text(w.t(f"broadcasts.error.{exc.code}", **exc.params),
                                 reply_markup=keyboard(rows) if rows else None)


def _content_of(message: Message) -> tuple[str | None, str | None]:
    """(HTML kept from the entities, photo file_id) of what the organizer sent."""
    if message.photo:
        return (message.caption_html if message.caption else None), message.photo[-1].file_id
    return (message.text_html if message.text else None), None


async def _content(message: Message, session, rt: Runtime, w: Who, draft: Draft) -> None:
    html, photo = _content_of(message)
    compose.check(html, photo)
    drafts.advance(rt, draft, "target", html=html, photo=photo)
    await _show_targets(message, session, rt, w, draft)


async def _blank(message: Message, session, rt: Runtime, w: Who, draft: Draft) -> None:
    name = draft.data["notice"]
    values = compose.fill_blank(name, draft.data.get("values", {}), message.text or "")
    if compose.next_blank(name, values) is not None:
        drafts.advance(rt, draft, values=values)
        await message.reply_text(screens.blank_prompt(w, draft))
        return
    html = compose.notice_html(w.locale, name, values)
    try:
        compose.check(html, None)
    except ComposeError as exc:  # too long as a whole: fill the blanks again, shorter
        drafts.advance(rt, draft, values={})
        await message.reply_text(w.t(f"broadcasts.error.{exc.code}", **exc.params) + "\n\n"
                                 + screens.blank_prompt(w, draft))
        return
    drafts.advance(rt, draft, "target", values=values, html=html, photo=None)
    await _show_targets(message, session, rt, w, draft)


async def _photo(message: Message, session, rt: Runtime, w: Who, draft: Draft) -> None:
    if not message.photo:  # a new text replaces the one to go with the photo
        html, _ = _content_of(message)
        size = compose.check(html, None)
        drafts.advance(rt, draft, html=html)
        await message.reply_text(w.t("broadcasts.text_replaced", length=size))
        return
    html, photo = _content_of(message)
    html = html or draft.data.get("html")
    compose.check(html, photo)
    drafts.advance(rt, draft, "target", html=html, photo=photo)
    await _show_targets(message, session, rt, w, draft)


async def _when(message: Message, session, rt: Runtime, w: Who, draft: Draft) -> None:
    when = schedule.parse_when(message.text or "", rt.clock.now(), rt.settings.tz)
    drafts.advance(rt, draft, "confirm", when=when.isoformat())
    await screens.confirm(message, session, rt, w, draft)


INPUT_STEPS = {"content": _content, "blank": _blank, "photo": _photo, "when": _when}


async def _show_targets(message: Message, session, rt: Runtime, w: Who, draft: Draft) -> None:
    text, rows = await screens.targets_screen(session, rt, w, draft)
    await message.reply_text(text, reply_markup=keyboard(rows))


# --- taps: bc:<action>[:<argument>] ----------------------------------------------------------

async def on_tap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    _, action, *args = query.data.split(":")
    rt = runtime(context)
    async with rt.tx() as session:
        w = await who(session, rt, update)
        draft = await drafts.current(session, w.member, KIND)
        tap = TAPS[action]
        # A button from an earlier step (or a finished draft) does nothing but say so.
        if not w.is_organizer or draft is None or (tap[0] and draft.step not in tap[0]):
            await query.answer(w.t("broadcasts.stale"), show_alert=True)
            return
        drafts.advance(rt, draft)
        alert = await tap[1](query, session, rt, w, draft, args)
        await query.answer(alert or None, show_alert=bool(alert))
    if action == "ok":
        kick(context)  # due now: the next tick starts it at once


async def _notice(query: CallbackQuery, session, rt, w: Who, draft: Draft, args) -> str | None:
    if args[0] not in compose.NOTICES:
        return w.t("broadcasts.stale")
    drafts.advance(rt, draft, "blank", notice=args[0], values={})
    await query.message.reply_text(screens.blank_prompt(w, draft))
    return None


async def _target(query: CallbackQuery, session, rt, w: Who, draft: Draft, args) -> str | None:
    kind = args[0]
    if kind not in targets.KINDS:
        return w.t("broadcasts.stale")
    if kind == targets.GROUPS:
        drafts.advance(rt, draft, "groups", chosen=[])
        text, rows = await screens.groups_screen(session, rt, w, draft)
    elif kind == targets.DEAL:
        drafts.advance(rt, draft, "deal")
        text, rows = await screens.deals_screen(session, rt, w)
    else:
        return await _chosen(query, session, rt, w, draft, targets.spec(kind))
    await query.message.reply_text(text, reply_markup=keyboard(rows))
    return None


async def _chosen(query, session, rt, w: Who, draft: Draft, target: dict) -> str | None:
    reach = await targets.reach(session, rt, target)
    if reach.total == 0:
        return w.t("broadcasts.nobody")
    drafts.advance(rt, draft, "review", target=target)
    await screens.review(query.message, session, rt, w, draft)
    return None


async def _toggle(query: CallbackQuery, session, rt, w: Who, draft: Draft, args) -> None:
    chosen = set(draft.data.get("chosen", [])) ^ {int(args[0])}
    drafts.advance(rt, draft, chosen=sorted(chosen))
    _text, rows = await screens.groups_screen(session, rt, w, draft)
    await query.edit_message_reply_markup(keyboard(rows))


async def _groups_done(query, session, rt, w: Who, draft: Draft, args) -> str | None:
    if not draft.data.get("chosen"):
        return w.t("broadcasts.no_group_chosen")
    return await _chosen(query, session, rt, w, draft,
                         targets.spec(targets.GROUPS, draft.data["chosen"]))


async def _deal(query, session, rt, w: Who, draft: Draft, args) -> str | None:
    return await _chosen(query, session, rt, w, draft, targets.spec(targets.DEAL, [int(args[0])]))


async def _add_photo(query: CallbackQuery, session, rt, w: Who, draft: Draft, args) -> None:
    drafts.advance(rt, draft, "photo")
    await query.message.reply_text(w.t("broadcasts.ask_photo"))


async def _text_only(query: CallbackQuery, session, rt, w: Who, draft: Draft, args) -> None:
    drafts.advance(rt, draft, "target")
    await _show_targets(query.message, session, rt, w, draft)


async def _now(query: CallbackQuery, session, rt, w: Who, draft: Draft, args) -> None:
    drafts.advance(rt, draft, "confirm", when=None)
    await screens.confirm(query.message, session, rt, w, draft)


async def _schedule(query: CallbackQuery, session, rt, w: Who, draft: Draft, args) -> None:
    drafts.advance(rt, draft, "when")
    await query.message.reply_text(w.t("broadcasts.ask_when", tz=rt.settings.timezone))


async def _confirm(query: CallbackQuery, session, rt: Runtime, w: Who, draft: Draft,
                   args) -> str | None:
    data = draft.data
    when = datetime.fromisoformat(data["when"]) if data.get("when") else None
    if when is not None and when <= rt.clock.now():  # it waited on the confirm screen
        drafts.advance(rt, draft, "when")
        await query.message.reply_text(w.t("broadcasts.error.when_past",
                                           when=schedule.local(when, rt.settings.tz)))
        return None
    b = await schedule.create(session, rt, organizer=w.member, locale=w.locale,
                              text_html=data.get("html"), photo=data.get("photo"),
                              target=data["target"], when=when)
    await drafts.finish(session, draft)
    await query.edit_message_reply_markup(None)
    text = (w.t("broadcasts.scheduled", id=b.id, when=schedule.local(when, rt.settings.tz))
            if when else w.t("broadcasts.starting", id=b.id))
    await query.message.reply_text(text)
    return None


async def _cancel(query: CallbackQuery, session, rt, w: Who, draft: Draft, args) -> None:
    await drafts.finish(session, draft)
    await query.message.reply_text(w.t("broadcasts.cancelled"))


# action -> (the steps it belongs to, or () for any; what it does)
TAPS = {
    "n": (("content",), _notice),
    "t": (("target",), _target),
    "g": (("groups",), _toggle),
    "gd": (("groups",), _groups_done),
    "d": (("deal",), _deal),
    "ph": (("target",), _add_photo),
    "np": (("photo",), _text_only),
    "now": (("review",), _now),
    "sch": (("review", "confirm"), _schedule),
    "ok": (("confirm",), _confirm),
    "x": ((), _cancel),
}


def register(app: Application) -> None:
    add_commands(BROADCAST, "broadcast")
    app.add_handler(CommandHandler("broadcast", permitted(BROADCAST, broadcast_command),
                                   filters.ChatType.PRIVATE))
    app.add_handler(CallbackQueryHandler(
        permitted(BROADCAST, on_tap), pattern=r"^bc:(n:\w+|t:\w+|g:\d+|gd|d:\d+|ph|np|now|sch|ok|x)$"))
    handlers.drafts.route(KIND, on_input)
