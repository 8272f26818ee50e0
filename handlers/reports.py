"""/report [period]: the organizer's report in the private chat — a PNG chart, a short text and
the CSV as a document. The figures are read in one transaction that has ended before anything
is drawn or sent; the weekly digest's button asks for the same report here."""

from __future__ import annotations

from datetime import date

from telegram import Bot, InputFile, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

import messages
from groupbot.analytics import documents
from groupbot.analytics.period import Period, PeriodError, days_between, parse_period
from groupbot.permissions import VIEW_REPORTS
from groupbot.runtime import Runtime
from handlers.common import Who, add_commands, runtime, who
from handlers.permits import permitted

# Until the permission table lands (groupbot/permissions.py, action "view_reports"), reports
# are for organizers, as broadcasts are.


async def send_report(bot: Bot, rt: Runtime, chat_id: int, locale: str, period: Period) -> None:
    report = await documents.read(rt, period)  # its own short transaction, ended on return
    docs = await documents.render(rt, locale, report)
    await bot.send_photo(chat_id, InputFile(docs.png, filename=docs.png_name),
                         caption=docs.caption)
    await bot.send_message(chat_id, docs.text)
    await bot.send_document(chat_id, InputFile(docs.csv, filename=docs.csv_name),
                            caption=docs.csv_caption)


async def _reader(update: Update, context: ContextTypes.DEFAULT_TYPE) -> tuple[Runtime, Who]:
    """Who asks (a short transaction of its own, ended before anything is read or sent)."""
    rt = runtime(context)
    async with rt.tx() as session:
        return rt, await who(session, rt, update)


async def report_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    rt, w = await _reader(update, context)
    message = update.effective_message
    if not w.is_organizer:
        await message.reply_text(w.t("reports.organizers_only"))
        return
    if message.chat.type != message.chat.PRIVATE:
        await message.reply_text(w.t("reports.private_only"))
        return
    try:
        period = parse_period(" ".join(context.args or ()), rt.settings.tz, rt.clock.now())
    except PeriodError as exc:
        await message.reply_text(messages.Html(
            w.t(f"reports.period_error.{exc.code}", **exc.params) + "\n" + w.t("reports.usage")))
        return
    await send_report(context.bot, rt, message.chat_id, w.locale, period)


async def report_tap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """rp:<first day>:<last day>, the weekly digest's button."""
    rt, w = await _reader(update, context)
    query = update.callback_query
    if not w.is_organizer:
        await query.answer(w.t("reports.organizers_only"), show_alert=True)
        return
    await query.answer()
    _, first, last = query.data.split(":")
    period = days_between(date.fromisoformat(first), date.fromisoformat(last), rt.settings.tz,
                          rt.clock.now())
    await send_report(context.bot, rt, query.from_user.id, w.locale, period)


def register(app: Application) -> None:
    app.add_handler(CommandHandler("report", permitted(VIEW_REPORTS, report_command)))
    app.add_handler(CallbackQueryHandler(permitted(VIEW_REPORTS, report_tap),
                                         pattern=r"^rp:\d{4}-\d{2}-\d{2}:"))
    add_commands(VIEW_REPORTS, "report")
