"""The report as CSV: one row per product, batch, supplier, courier and group, and the total,
with the counts behind every rate so anyone can recompute it. Money in the currency's units
(Decimal text, never float); a rate only where the sample is big enough. Under the table,
after an empty row, the service promises (review and payout in time, overdue, the desk's first
response p50/p90 in service minutes) as (promise, value, sample)."""

from __future__ import annotations

import csv
import io

import messages
from groupbot.analytics import labels
from groupbot.analytics.rates import DIMENSIONS, TOTAL, Figures
from groupbot.analytics.report import Report
from groupbot.money import from_minor

COLUMNS = ("dimension", "key", "label", "units_delivered", "units_claimed", "claim_rate",
           "ci_low", "ci_high", "claims", "verified_claims", "checked_claims", "sales",
           "refunds", "refund_share", "coupons", "coupon_amount", "batches", "currency")


def _ratio(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def _row(locale: str, report: Report, f: Figures) -> list[str]:
    rate = f.claim_rate
    enough = rate.enough and rate.whole > 0
    cur = report.currency
    return [
        str(messages.t(locale, f"reports.csv.dimensions.{f.dimension}")),
        "" if f.dimension == TOTAL else f.key,
        "" if f.dimension == TOTAL else labels.label(locale, f),
        str(f.units_delivered), str(f.units_claimed),
        _ratio(rate.value) if enough else "", _ratio(rate.low) if enough else "",
        _ratio(rate.high) if enough else "",
        str(f.claims), str(f.verified_claims), str(f.checked_claims),
        str(from_minor(f.sales_minor, cur)), str(from_minor(f.refund_minor, cur)),
        _ratio(f.refund_share), str(f.coupons), str(from_minor(f.coupon_minor, cur)),
        str(f.batches), cur,
    ]


PROMISE_COLUMNS = ("promise", "value", "sample")


def _promise_rows(locale: str, report: Report) -> list[list[str]]:
    """The service promises under the table, after an empty row: (name, value, sample). A
    rate under the minimum sample has no value, as in the table above."""
    p = report.promises
    name = lambda key: str(messages.t(locale, f"reports.csv.promises.{key}"))  # noqa: E731

    def rate(key: str, value) -> list[str]:
        return [name(key), _ratio(value.value) if value.enough and value.whole else "",
                str(value.whole)]

    rows = [rate("review_in_time", p.decided_in_time), rate("payout_in_time", p.paid_in_time),
            [name("undecided_overdue"), str(p.undecided_overdue), ""],
            [name("unpaid_overdue"), str(p.unpaid_overdue), ""]]
    desk = p.desk_first_response
    for key, minutes in (("desk_p50_minutes", desk and desk.p50_minutes),
                         ("desk_p90_minutes", desk and desk.p90_minutes)):
        rows.append([name(key), "" if desk is None else f"{minutes:.1f}",
                     str(desk.count if desk else 0)])
    return rows


PACKAGING_COLUMNS = ("side", "name", "damaged", "intact", "photo")


def _packaging_rows(locale: str, report: Report) -> list[list[str]]:
    """The damage claims' outer-packaging answers: every courier, then every supplier."""
    side = lambda key: str(messages.t(locale, f"reports.csv.packaging.{key}"))  # noqa: E731
    return [[side(name), s.name, str(s.damaged), str(s.intact), str(s.photo)]
            for name, sides in (("courier", report.packaging.by_courier),
                                ("supplier", report.packaging.by_supplier)) for s in sides]


def render_csv(locale: str, report: Report) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([str(messages.t(locale, f"reports.csv.{c}")) for c in COLUMNS])
    if report.total is not None:
        writer.writerow(_row(locale, report, report.total))
    for dimension in DIMENSIONS:
        for f in report.by[dimension]:
            writer.writerow(_row(locale, report, f))
    writer.writerow([""])  # an empty row that still has a first cell, for scripts that read r[0]
    writer.writerow([str(messages.t(locale, f"reports.csv.{c}")) for c in PROMISE_COLUMNS])
    writer.writerows(_promise_rows(locale, report))
    writer.writerow([""])
    writer.writerow([str(messages.t(locale, f"reports.csv.packaging.{c}"))
                     for c in PACKAGING_COLUMNS])
    writer.writerows(_packaging_rows(locale, report))
    # UTF-8 with a BOM: Excel, which most organizers open it with, then reads Chinese right.
    return ("\ufeff" + out.getvalue()).encode("utf-8")
