"""The report chart: claim rate per product with its 95% interval, the reasons as a Pareto,
and a line of the service promises (review, payout, the desk's first response p50/p90).

matplotlib's object API on the Agg backend (no pyplot, no display, safe in a worker thread);
Chinese labels in the packaged Noto Sans SC that the evidence sheet uses; nothing downloaded.
CPU work: callers run it off the event loop, after the transaction that read the figures.
"""

from __future__ import annotations

import html
import io
from functools import cache

import messages
from groupbot.analytics import labels
from groupbot.analytics.report import Report

WIDTH, HEIGHT, DPI = 1200, 675, 100  # 16:9, readable on a phone in Telegram's photo viewer
MAX_BARS = 8


@cache
def _font_family() -> str | None:
    """Register the packaged CJK font with matplotlib once; its family name."""
    from matplotlib import font_manager

    from groupbot.evidence.fonts import font_path

    path, _cjk = font_path()
    if not path:
        return None
    font_manager.fontManager.addfont(path)
    return font_manager.FontProperties(fname=path).get_name()


def _products(report: Report) -> list:
    rows = [r for r in report.by["product"] if r.units_delivered]
    # The rows people can act on first: enough sample, highest rate; then the small ones.
    rows.sort(key=lambda r: (not r.claim_rate.enough, -(r.claim_rate.value or 0.0), r.label))
    return rows[:MAX_BARS]


def _rates_panel(ax, locale: str, report: Report) -> None:
    t = lambda key, **v: str(messages.t(locale, f"reports.chart.{key}", **v))  # noqa: E731
    rows = list(reversed(_products(report)))  # barh draws bottom-up: worst at the top
    names = [labels.label(locale, r) for r in rows]
    values, left, right, colours = [], [], [], []
    for r in rows:
        rate = r.claim_rate
        shown = (rate.value or 0.0) * 100 if rate.enough else 0.0
        values.append(shown)
        left.append(shown - rate.low * 100 if rate.enough else 0.0)
        right.append(rate.high * 100 - shown if rate.enough else 0.0)
        colours.append("#d9534f" if rate.enough else "#cccccc")
    positions = range(len(rows))
    ax.barh(positions, values, xerr=[left, right], color=colours, capsize=4,
            error_kw={"ecolor": "#555555", "lw": 1})
    ax.set_yticks(list(positions), names)
    ax.set_xlabel(t("rate_axis"))
    ax.set_title(t("title", first=report.period.first_day.isoformat(),
                   last=report.period.last_day.isoformat()))
    for y, r in zip(positions, rows, strict=True):
        rate = r.claim_rate
        note = f"{rate.part}/{rate.whole}" + ("" if rate.enough else f" · {t('small')}")
        ax.text((rate.high * 100 if rate.enough else 0.0) + 0.3, y, note, va="center",
                fontsize=9, color="#333333")
    ax.set_xlim(0, max([5.0] + [(r.claim_rate.high * 100 if r.claim_rate.enough else 0.0)
                                for r in rows]) * 1.35)


def _reasons_panel(ax, locale: str, report: Report) -> None:
    t = lambda key, **v: str(messages.t(locale, f"reports.chart.{key}", **v))  # noqa: E731
    reasons = report.reasons[:MAX_BARS]
    names = [labels.reason(locale, r.reason) for r in reasons]
    ax.bar(range(len(reasons)), [r.claims for r in reasons], color="#f0ad4e")
    ax.set_xticks(list(range(len(reasons))), names, rotation=20, ha="right")
    ax.set_ylabel(t("claims_axis"))
    ax.set_title(t("reasons_title"))
    line = ax.twinx()
    line.plot(range(len(reasons)), [r.cumulative_share * 100 for r in reasons], color="#337ab7",
              marker="o")
    line.set_ylim(0, 105)
    line.set_ylabel(t("cumulative_axis"))


def _promises_line(locale: str, report: Report) -> str:
    """The service promises under the panels, worded as in the text report."""
    p = report.promises
    return html.unescape(str(messages.t(
        locale, "reports.chart.promises", review=labels.rate(locale, p.decided_in_time),
        payout=labels.rate(locale, p.paid_in_time),
        desk=labels.desk_minutes(locale, p.desk_first_response))))


def render_png(locale: str, report: Report) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    family = _font_family()
    rc = {"font.family": [family, "DejaVu Sans"]} if family else {}
    import matplotlib

    with matplotlib.rc_context(rc):
        fig = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI)
        FigureCanvasAgg(fig)
        if report.empty:
            fig.text(0.5, 0.5, str(messages.t(locale, "reports.chart.nothing")), ha="center",
                     va="center", fontsize=18)
        else:
            rates_ax, reasons_ax = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 2]})
            _rates_panel(rates_ax, locale, report)
            if report.reasons:
                _reasons_panel(reasons_ax, locale, report)
            else:
                reasons_ax.set_axis_off()
            fig.text(0.5, 0.015, _promises_line(locale, report), ha="center", va="bottom",
                     fontsize=10, color="#333333")
            fig.tight_layout(rect=(0, 0.05, 1, 1))
        out = io.BytesIO()
        fig.savefig(out, format="png", dpi=DPI)
    return out.getvalue()
