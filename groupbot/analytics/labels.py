"""How the report names things and shows rates, in the reader's language (shared by the text,
the chart and the CSV so the three always agree)."""

from __future__ import annotations

import messages
from groupbot.analytics.intervals import Rate, percent
from groupbot.analytics.promises import Percentiles
from groupbot.analytics.rates import Figures
from groupbot.money import fmt, from_minor


def label(locale: str, row: Figures) -> str:
    if row.dimension == "batch":
        return str(messages.t(locale, "reports.batch_label", product=row.label, deal=row.key))
    if not row.label:
        return str(messages.t(locale, f"reports.unknown.{row.dimension}"))
    return row.label


def reason(locale: str, code: str) -> str:
    key = f"claims.reason.{code}"
    return str(messages.t(locale, key)) if messages.has(locale, key) else code


def rate(locale: str, value: Rate) -> messages.Html:
    """"4.2% (2.1–8.1%)", or the bare counts under the minimum sample: never a lone 50%."""
    if value.whole == 0:
        return messages.t(locale, "reports.rate.none")
    if not value.enough:
        return messages.t(locale, "reports.rate.small", part=value.part, whole=value.whole,
                          min=value.min_sample)
    return messages.t(locale, "reports.rate.enough", rate=percent(value.value or 0.0),
                      low=percent(value.low), high=percent(value.high))


def desk_minutes(locale: str, desk: Percentiles | None) -> messages.Html:
    """The desk's first response "9/15 min" (p50/p90, service minutes), or "no data yet"."""
    if desk is None:
        return messages.t(locale, "reports.no_data")
    return messages.t(locale, "reports.desk_minutes", p50=round(desk.p50_minutes),
                      p90=round(desk.p90_minutes))


def money(minor: int, currency: str) -> str:
    return fmt(from_minor(minor, currency), currency)
