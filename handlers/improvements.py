"""Acting on batch alerts (organizers, private chat): pause the product's next deals, a note for
the supplier, an improvement record (改善) asked step by step; /improvements lists the open
records and the paused products, to close or resume them; /supplier names a deal's supplier.

Every handler decides in its own transaction and speaks after it has committed. The typed
answers are read in handler group -2, ahead of the desk relay and the generic draft router,
and stop there."""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

import messages
from groupbot import drafts
from groupbot.analytics import actions, guided, improvements, labels
from groupbot.orders import local_time
from groupbot.people import member_by_telegram_id
from groupbot.permissions import ACT_ON_ALERTS
from groupbot.refusal import Refusal
from handlers.common import Who, add_commands, keyboard, runtime, who
from handlers.permits import permitted


def _refusal(w: Who, refusal: Refusal) -> messages.Html:
    return w.t(f"reports.refuse.{refusal.code}", **refusal.params)


def _say(w: Who, say: guided.Say) -> messages.Html:
    params = dict(say.params)
    if say.key == "alert.noted" and not params.get("supplier"):
        params["supplier"] = w.t("reports.alert.unknown_supplier")
    text = w.t(f"reports.{say.key}", **params)
    return messages.Html(_refusal(w, say.refusal) + "\n" + text) if say.refusal is not None else text


async def alert_tap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """an:pause|note|imp:<alert>, an:close:<record>, an:lift:<pause>."""
    rt = runtime(context)
    query = update.callback_query
    _, action, raw_id = query.data.split(":")
    target = int(raw_id)
    async with rt.tx() as session:
        w = await who(session, rt, update)
        if not w.is_organizer:
            result = None
        elif action == "pause":
            result = await actions.pause_product(session, rt, target, w.member)
        elif action in ("note", "imp"):
            kind = guided.NOTE if action == "note" else guided.IMPROVE
            result = await guided.begin(session, rt, w.member, kind, target)
        elif action == "close":
            result = await improvements.close_record(session, rt, target, w.member)
        else:
            result = await actions.lift_pause(session, rt, target, w.member)
    if result is None:
        await query.answer(w.t("reports.alert.organizers_only"), show_alert=True)
        return
    await query.answer()
    await context.bot.send_message(query.from_user.id, _tap_text(rt, w, action, result))


def _tap_text(rt, w: Who, action: str, result) -> messages.Html:
    if isinstance(result, Refusal):
        return _refusal(w, result)
    if isinstance(result, guided.Say):
        return _say(w, result)
    if action == "pause":
        pause, new = result
        return (w.t("reports.alert.paused", product=pause.product_name) if new else
                w.t("reports.alert.already_paused", product=pause.product_name,
                    at=local_time(rt, pause.paused_at)))
    if action == "lift":
        return w.t("reports.alert.lifted", product=result.product_name)
    record, check = result
    if not check.after_batches:
        return w.t("reports.improve.closed_no_after", record=record.id,
                   product=record.product_name, before=labels.rate(w.locale, check.before))
    return w.t("reports.improve.closed", record=record.id, product=record.product_name,
               before=labels.rate(w.locale, check.before),
               after=labels.rate(w.locale, check.after), before_batches=check.before_batches,
               after_batches=check.after_batches)


async def typed_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Text for an improvement record or a supplier note; anything else goes on to group 0."""
    rt = runtime(context)
    async with rt.tx() as session:
        member = await member_by_telegram_id(session, update.effective_user.id)
        draft = await drafts.current(session, member) if member is not None else None
        if draft is None or draft.kind not in guided.KINDS:
            return
        w = await who(session, rt, update)
        say = await guided.next_step(session, rt, w.member, draft,
                                     update.effective_message.text)
    await update.effective_message.reply_text(_say(w, say))
    raise ApplicationHandlerStop


async def improvements_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    rt = runtime(context)
    async with rt.tx() as session:
        w = await who(session, rt, update)
        records = await improvements.open_records(session, rt.community_id)
        pauses = await actions.active_pauses(session, rt.community_id)
    if not w.is_organizer:
        await update.effective_message.reply_text(w.t("reports.improve.organizers_only"))
        return
    today = rt.clock.now().astimezone(rt.settings.tz).date()
    lines = [w.t("reports.improve.list_title")]
    lines += [w.t("reports.improve.list_item_overdue" if r.due_on < today else
                  "reports.improve.list_item", record=r.id, product=r.product_name,
                  action=r.action, owner=r.owner, due=r.due_on.isoformat()) for r in records]
    if not records:
        lines.append(w.t("reports.improve.list_empty"))
    if pauses:
        lines += ["", w.t("reports.improve.pauses_title")]
        lines += [messages.escape(p.product_name) for p in pauses]
    rows = [[(w.t("reports.improve.close_button", record=r.id), f"an:close:{r.id}")]
            for r in records]
    rows += [[(w.t("reports.improve.lift_button", product=p.product_name[:20]),
               f"an:lift:{p.id}")] for p in pauses]
    await update.effective_message.reply_text(
        messages.Html("\n".join(lines)), reply_markup=keyboard(rows) if rows else None)


async def supplier_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/supplier <deal> <name>: who supplied this batch."""
    rt = runtime(context)
    args = context.args or []
    async with rt.tx() as session:
        w = await who(session, rt, update)
        if not w.is_organizer or len(args) < 2 or not args[0].lstrip("#").isdigit():
            result = None
        else:
            result = await actions.set_supplier(session, rt, int(args[0].lstrip("#")),
                                                " ".join(args[1:]))
    if not w.is_organizer:
        text = w.t("reports.improve.organizers_only")
    elif result is None:
        text = w.t("reports.supplier_usage")
    elif isinstance(result, Refusal):
        text = _refusal(w, result)
    else:
        text = w.t("reports.supplier_set", deal=result.id, supplier=result.supplier)
    await update.effective_message.reply_text(text)


# Ahead of the service desk's group (-1), which reads every private text to relay it: an
# organizer answering a 改善 question is not talking to an agent.
ANSWERS_GROUP = -2


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(permitted(ACT_ON_ALERTS, alert_tap),
                                         pattern=r"^an:(pause|note|imp|close|lift):\d+$"))
    app.add_handler(CommandHandler("improvements", permitted(ACT_ON_ALERTS, improvements_command)))
    app.add_handler(CommandHandler("supplier", permitted(ACT_ON_ALERTS, supplier_command)))
    app.add_handler(MessageHandler(filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND,
                                   typed_answer), group=ANSWERS_GROUP)
    add_commands(ACT_ON_ALERTS, "improvements", "supplier")
