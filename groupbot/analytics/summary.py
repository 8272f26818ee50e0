"""The report as a short text: totals, the worst rows of each dimension, reasons, promises."""

from __future__ import annotations

import messages
from groupbot.analytics import labels
from groupbot.analytics.intervals import percent
from groupbot.analytics.packaging import DAMAGED, INTACT, PHOTO
from groupbot.analytics.rates import worst
from groupbot.analytics.report import Report

NAMED = ("product", "batch", "supplier", "courier")
WORST = 3


def _no_data(locale: str, value: object) -> object:
    return messages.t(locale, "reports.no_data") if value is None else value


def _promises(locale: str, report: Report, payout_days: int, review_days: int) -> list[str]:
    p = report.promises
    return [
        messages.t(locale, "reports.promises", review=labels.rate(locale, p.decided_in_time),
                   payout=labels.rate(locale, p.paid_in_time), days=payout_days,
                   review_days=review_days, undecided=p.undecided_overdue,
                   unpaid=p.unpaid_overdue),
        messages.t(locale, "reports.aftercare",
                   desk=labels.desk_minutes(locale, p.desk_first_response),
                   rating=_no_data(locale, p.rating_average and f"{p.rating_average:.1f}"),
                   complaints=_no_data(locale, p.complaints_open),
                   overdue=_no_data(locale, p.complaints_overdue)),
    ]


def _packaging(locale: str, report: Report) -> str | None:
    """Damaged outer packaging by courier, intact by supplier (the top three of each)."""
    p = report.packaging
    if not p.answered:
        return None
    sep = str(messages.t(locale, "reports.sep"))

    def top(sides, answer: str) -> str:
        named = [s for s in sides if getattr(s, answer)][:WORST]
        return sep.join(str(messages.t(
            locale, "reports.packaging_item", count=getattr(s, answer),
            name=s.name or messages.t(locale, "reports.packaging_unknown"))) for s in named) or "—"

    return messages.t(locale, "reports.packaging", answered=p.answered,
                      damaged=p.total(DAMAGED), couriers=messages.Html(top(p.by_courier, DAMAGED)),
                      intact=p.total(INTACT),
                      suppliers=messages.Html(top(p.by_supplier, INTACT)), photo=p.total(PHOTO))


def summary(locale: str, report: Report, *, payout_days: int, review_days: int) -> messages.Html:
    period = report.period
    lines = [messages.t(locale, "reports.title", first=period.first_day.isoformat(),
                        last=period.last_day.isoformat())]
    total = report.total
    if total is None:
        lines.append(messages.t(locale, "reports.empty"))
        return messages.Html("\n".join(lines))
    lines.append(messages.t(locale, "reports.totals", units=total.units_delivered,
                            claimed=total.units_claimed, claims=total.claims,
                            batches=total.batches, rate=labels.rate(locale, total.claim_rate)))
    share = total.refund_share
    lines.append(messages.t(
        locale, "reports.money", refund=labels.money(total.refund_minor, report.currency),
        share=percent(share) if share is not None else "—", coupons=total.coupons,
        coupon_amount=labels.money(total.coupon_minor, report.currency),
        reships=_no_data(locale, report.promises.reships)))
    lines.append(messages.t(locale, "reports.verified", rate=labels.rate(locale, total.verified)))
    lines.append(messages.t(locale, "reports.worst_title", min=report.min_sample))
    sep = str(messages.t(locale, "reports.sep"))
    for dimension in NAMED:
        rows = worst(report.by[dimension], WORST)
        items = sep.join(str(messages.t(locale, "reports.worst_item",
                                        label=labels.label(locale, r),
                                        rate=labels.rate(locale, r.claim_rate))) for r in rows)
        lines.append(messages.t(locale, f"reports.dimension.{dimension}",
                                items=messages.Html(items) if rows else
                                messages.t(locale, "reports.none_enough")))
    if report.reasons:
        items = sep.join(str(messages.t(locale, "reports.reason_item",
                                        reason=labels.reason(locale, r.reason), claims=r.claims,
                                        cumulative=percent(r.cumulative_share)))
                         for r in report.reasons[:4])
        lines.append(messages.t(locale, "reports.reasons", items=messages.Html(items)))
    if (packed := _packaging(locale, report)) is not None:
        lines.append(packed)
    lines.extend(_promises(locale, report, payout_days, review_days))
    lines.append(messages.t(locale, "reports.improvements", open=report.improvements_open,
                            overdue=report.improvements_overdue, alerts=report.alerts))
    return messages.Html("\n".join(lines))
