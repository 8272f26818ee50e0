"""/broadcasts: scheduled and recent broadcasts with their status; cancel or reschedule one that
has not started, stop one that is sending (what was sent stays sent)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, filters

import handlers.drafts
from groupbot import drafts
from groupbot.broadcasts import compose, report, schedule
from groupbot.broadcasts.compose import ComposeError
from groupbot.models import Broadcast, Draft
from groupbot.models.broadcasts import BROADCAST_SCHEDULED, BROADCAST_SENDING
from groupbot.permissions import BROADCAST
from groupbot.runtime import Runtime
from handlers.common import Who, add_commands, keyboard, runtime, who
from handlers.permits import permitted

KIND = "broadcast_when"  # the draft of "reschedule #N: when?"


async def _line(session: AsyncSession, rt: Runtime, w: Who, b: Broadcast) -> str:
    t = await report.tally(session, b.id)
    when = schedule.local(b.finished_at or b.scheduled_at, rt.settings.tz)
    status = w.t(f"broadcasts.status.{b.status}", when=when, sent=t.sent, total=t.total)
    target = w.t(f"broadcasts.target_short.{b.target['kind']}",
                 count=len(b.target.get("ids") or []),
                 deal=(b.target.get("ids") or [0])[0])
    photo = w.t("broadcasts.photo_mark") if b.photo_file_id else ""
    return w.t("broadcasts.list_line", id=b.id, status=status, target=target,
               snippet=photo + compose.snippet(b.text_html))


def _buttons(w: Who, b: Broadcast) -> list[tuple[str, str]]:
    if b.status == BROADCAST_SCHEDULED:
        return [(w.t("broadcasts.cancel_id", id=b.id), f"bcl:x:{b.id}"),
                (w.t("broadcasts.reschedule_id", id=b.id), f"bcl:r:{b.id}")]
    if b.status == BROADCAST_SENDING:
        return [(w.t("broadcasts.stop_id", id=b.id), f"bcl:s:{b.id}")]
    return []


async def list_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    rt = runtime(context)
    async with rt.tx() as session:
        w = await who(session, rt, update)
        if not w.is_organizer:
            await update.effective_message.reply_text(w.t("broadcasts.organizers_only"))
            return
        found = await schedule.recent(session, rt)
        lines = [await _line(session, rt, w, b) for b in found]
    if not found:
        await update.effective_message.reply_text(w.t("broadcasts.list_empty"))
        return
    rows = [row for row in (_buttons(w, b) for b in found) if row]
    await update.effective_message.reply_text(
        "\n\n".join([w.t("broadcasts.list_title"), *lines]),
        reply_markup=keyboard(rows) if rows else None)


async def on_tap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    _, action, broadcast_id = query.data.split(":")
    bid = int(broadcast_id)
    rt = runtime(context)
    async with rt.tx() as session:
        w = await who(session, rt, update)
        if not w.is_organizer:
            await query.answer(w.t("broadcasts.organizers_only"), show_alert=True)
            return
        try:
            if action == "r":
                await _ask_when(session, rt, w, bid)
                text = w.t("broadcasts.ask_reschedule", id=bid, tz=rt.settings.timezone)
            else:
                b = await schedule.cancel(session, rt, bid)
                t = await report.tally(session, bid)
                text = w.t("broadcasts.stopping" if b.started_at else "broadcasts.cancelled_id",
                           id=bid, sent=t.sent)
        except ComposeError as exc:
            await query.answer(w.t(f"broadcasts.error.{exc.code}", **exc.params),
                               show_alert=True)
            return
    await query.answer()
    await query.message.reply_text(text)


async def _ask_when(session: AsyncSession, rt: Runtime, w: Who, bid: int) -> None:
    b = await schedule.get(session, rt, bid)
    if b is None:
        raise ComposeError("not_found", id=bid)
    if b.status != BROADCAST_SCHEDULED:
        raise ComposeError("already_started" if b.status == BROADCAST_SENDING
                           else "already_finished", id=bid)
    await drafts.begin(session, rt, w.member, KIND, "when", {"broadcast_id": bid})


async def when_typed(update: Update, context: ContextTypes.DEFAULT_TYPE, session: AsyncSession,
                     w: Who, draft: Draft) -> None:
    rt = runtime(context)
    message = update.effective_message
    bid = draft.data["broadcast_id"]
    try:
        when = schedule.parse_when(message.text or "", rt.clock.now(), rt.settings.tz)
        await schedule.reschedule(session, rt, bid, when)
    except ComposeError as exc:
        if exc.code in ("already_started", "already_finished", "not_found"):
            await drafts.finish(session, draft)
        await message.reply_text(w.t(f"broadcasts.error.{exc.code}", **exc.params))
        return
    await drafts.finish(session, draft)
    await message.reply_text(w.t("broadcasts.rescheduled", id=bid,
                                 when=schedule.local(when, rt.settings.tz)))


def register(app: Application) -> None:
    add_commands(BROADCAST, "broadcasts")
    app.add_handler(CommandHandler("broadcasts", permitted(BROADCAST, list_command),
                                   filters.ChatType.PRIVATE))
    app.add_handler(CallbackQueryHandler(permitted(BROADCAST, on_tap), pattern=r"^bcl:[xrs]:\d+$"))
    handlers.drafts.route(KIND, when_typed)
