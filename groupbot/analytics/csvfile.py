"""The report as CSV: one row per product, batch, supplier, courier and group, and the total,
with the counts behind every rate so anyone can recompute it. Money in the currency's units
(Decimal text, never float); a rate only where the sample is big enough."""

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


def render_csv(locale: str, report: Report) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([str(messages.t(locale, f"reports.csv.{c}")) for c in COLUMNS])
    if report.total is not None:
        writer.writerow(_row(locale, report, report.total))
    for dimension in DIMENSIONS:
        for f in report.by[dimension]:
            writer.writerow(_row(locale, report, f))
    # UTF-8 with a BOM: Excel, which most organizers open it with, then reads Chinese right.
    return ("\ufeff" + out.getvalue()).encode("utf-8")
