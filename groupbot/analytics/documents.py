"""Read a report in one short transaction, then render it outside any transaction: the text,
the PNG (in a worker thread: matplotlib is CPU work) and the CSV. Used by /report, the weekly
digest's button and ``groupbot report``."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import messages
from groupbot import policy
from groupbot.analytics import report as report_
from groupbot.analytics.chart import render_png
from groupbot.analytics.csvfile import render_csv
from groupbot.analytics.period import Period
from groupbot.analytics.summary import summary
from groupbot.runtime import Runtime


@dataclass(frozen=True)
class Documents:
    report: report_.Report
    text: messages.Html
    caption: messages.Html
    png: bytes
    csv: bytes
    csv_caption: messages.Html

    @property
    def csv_name(self) -> str:
        return f"report_{self.report.period.key}.csv"

    @property
    def png_name(self) -> str:
        return f"report_{self.report.period.key}.png"


async def read(rt: Runtime, period: Period) -> report_.Report:
    s = rt.settings
    async with rt.tx() as session:
        return await report_.build(session, rt.community_id, period, now=rt.clock.now(),
                                   currency=s.currency, min_sample=s.analytics_min_units,
                                   tz=s.tz)


async def render(rt: Runtime, locale: str, report: report_.Report) -> Documents:
    """Everything to send; call only after the reading transaction has ended."""
    s = rt.settings
    period = report.period
    png = await asyncio.to_thread(render_png, locale, report)
    return Documents(
        report=report,
        text=summary(locale, report, payout_days=policy.rules_for(s).payout_days,
                     review_days=policy.rules_for(s).review_days),
        caption=messages.t(locale, "reports.caption", first=period.first_day.isoformat(),
                           last=period.last_day.isoformat()),
        png=png, csv=render_csv(locale, report),
        csv_caption=messages.t(locale, "reports.csv_caption"))
