"""/broadcasts: scheduled and recent broadcasts with their status; cancel or reschedule one that
has not started, stop one that is sending (what was sent stays sent)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

import handlers.drafts
from groupbot import drafts
from groupbot.broadcasts import compose, report, schedule
from groupbot.models import Broadcast, Draft
from groupbot.models.broadcasts import BROADCAST_SCHEDULED, BROADCAST_SENDING
from groupbot.permissions import BROADCAST
from groupbot.refusal import Refused
from groupbot.runtime import Runtime
from handlers.common import Who, add_commands
from handlers.permits import permitted
from handlers.unit import Unit, unit_of_work

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


@unit_of_work
async def list_command(u: Unit) -> None:
    found = await schedule.recent(u.session, u.rt)
    if not found:
        u.out.reply(u.t("broadcasts.list_empty"))
        return
    lines = [await _line(u.session, u.rt, u.w, b) for b in found]
    rows = [row for row in (_buttons(u.w, b) for b in found) if row]
    u.out.reply("\n\n".join([u.t("broadcasts.list_title"), *lines]), rows or None)


@unit_of_work
async def on_tap(u: Unit) -> None:
    _, action, broadcast_id = u.data.split(":")
    bid = int(broadcast_id)
    try:
        if action == "r":
            await _ask_when(u.session, u.rt, u.w, bid)
            text = u.t("broadcasts.ask_reschedule", id=bid, tz=u.rt.settings.timezone)
        else:
            b = await schedule.cancel(u.session, u.rt, bid)
            t = await report.tally(u.session, bid)
            text = u.t("broadcasts.stopping" if b.started_at else "broadcasts.cancelled_id",
                       id=bid, sent=t.sent)
    except Refused as exc:
        u.out.answer(u.t(f"broadcasts.error.{exc.code}", **exc.params), alert=True)
        return
    u.out.reply(text)


async def _ask_when(session: AsyncSession, rt: Runtime, w: Who, bid: int) -> None:
    b = await schedule.get(session, rt, bid)
    if b is None:
        raise Refused("not_found", id=bid)
    if b.status != BROADCAST_SCHEDULED:
        raise Refused("already_started" if b.status == BROADCAST_SENDING
                           else "already_finished", id=bid)
    await drafts.begin(session, rt, w.member, KIND, "when", {"broadcast_id": bid})


async def when_typed(u: Unit, draft: Draft) -> None:
    bid = draft.data["broadcast_id"]
    try:
        when = schedule.parse_when(u.message.text or "", u.rt.clock.now(), u.rt.settings.tz)
        await schedule.reschedule(u.session, u.rt, bid, when)
    except Refused as exc:
        if exc.code in ("already_started", "already_finished", "not_found"):
            await drafts.finish(u.session, draft)
        u.out.reply(u.t(f"broadcasts.error.{exc.code}", **exc.params))
        return
    await drafts.finish(u.session, draft)
    u.out.reply(u.t("broadcasts.rescheduled", id=bid,
                    when=schedule.local(when, u.rt.settings.tz)))


def register(app: Application) -> None:
    add_commands(BROADCAST, "broadcasts")
    app.add_handler(CommandHandler("broadcasts", permitted(BROADCAST, list_command),
                                   filters.ChatType.PRIVATE))
    app.add_handler(CallbackQueryHandler(permitted(BROADCAST, on_tap), pattern=r"^bcl:[xrs]:\d+$"))
    handlers.drafts.route(KIND, when_typed)
