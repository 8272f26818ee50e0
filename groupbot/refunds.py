"""Refund money as pure functions: what each order line really cost, and what a claim gives back.

All arithmetic runs on integer minor units (fen, cents, yen) and is converted back to a Decimal
quantized for the currency once, at the edge. Floats are refused. Two invariants matter:

* :func:`allocate_paid` splits an order-level discount over the lines by the largest remainder
  method, so the lines' paid amounts add up to exactly what the buyer paid;
* :func:`quote_refund` is cumulative: the n-th claim on a line refunds
  ``round(paid * units_after / qty) - round(paid * units_before / qty)``, so claiming every unit,
  in any split, refunds exactly the line's paid amount (no cent lost or invented), and it is
  capped at what is still refundable on the line (reviewers may have adjusted earlier refunds).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from types import MappingProxyType

from groupbot.money import exponent, from_minor, quantize, quantum, to_minor, typed_number
from groupbot.refusal import Allowed, Refusal, Result

# Codes validate_adjusted_amount can return (meanings for the catalog writer).
ADJUSTMENT_CODES: Mapping[str, str] = MappingProxyType(
    {
        "ok": "the reviewer's amount is acceptable",
        "amount_not_a_number": "the typed amount is not a number",
        "amount_not_positive": "the amount must be more than zero",
        "amount_too_many_decimals": "the amount has more decimal places than the currency "
        "({decimals})",
        "amount_exceeds_cap": "the amount is more than what is still refundable ({cap})",
    }
)


def _dec(value: Decimal | int | str, name: str) -> Decimal:
    if isinstance(value, float | bool):
        raise TypeError(f"{name}: money must be Decimal, int or str, not {type(value).__name__}")
    result = Decimal(value)
    if not result.is_finite():
        raise ValueError(f"{name} must be a finite amount")
    return result


def _minor(value: Decimal | int | str, currency: str, name: str) -> int:
    minor = to_minor(_dec(value, name), currency)
    if minor < 0:
        raise ValueError(f"{name} must not be negative")
    return minor


def _round_div(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up, for non-negative integers (exact, no Decimal)."""
    return (2 * numerator + denominator) // (2 * denominator)


# --- what each line cost ---------------------------------------------------------------------


@dataclass(frozen=True)
class OrderLine:
    line_id: Hashable
    quantity: int
    unit_price: Decimal
    line_discount: Decimal = Decimal(0)


def line_gross_minor(line: OrderLine, currency: str) -> int:
    """qty x unit price - line discount, quantized once (unit prices may be finer, e.g. per kg)."""
    if line.quantity < 1:
        raise ValueError(f"line {line.line_id!r}: quantity must be at least 1")
    price = _dec(line.unit_price, "unit_price")
    discount = _dec(line.line_discount, "line_discount")
    if price < 0 or discount < 0:
        raise ValueError(f"line {line.line_id!r}: price and discount must not be negative")
    gross = to_minor(price * line.quantity - discount, currency)
    if gross < 0:
        raise ValueError(f"line {line.line_id!r}: line discount exceeds the line total")
    return gross


def allocate_paid(
    lines: Sequence[OrderLine], order_discount: Decimal | int | str, currency: str
) -> dict[Hashable, Decimal]:
    """What the buyer paid for each line once the order discount is spread over the lines.

    The discount goes to lines in proportion to their gross; the floor of each share is taken
    and the leftover minor units go one each to the largest fractional remainders. Ties go to
    the larger gross, then to the earlier line, so the same order always splits the same way.
    The result sums to ``sum(gross) - order_discount`` exactly and no line goes below zero.
    """
    ids = [line.line_id for line in lines]
    if len(set(ids)) != len(ids):
        raise ValueError("line ids must be unique")
    gross = [line_gross_minor(line, currency) for line in lines]
    total = sum(gross)
    discount = _minor(order_discount, currency, "order_discount")
    if discount > total:
        raise ValueError("order discount exceeds the order total")
    if total == 0:
        return {line_id: from_minor(0, currency) for line_id in ids}
    shares = [discount * g // total for g in gross]
    remainders = [discount * g % total for g in gross]
    leftover = discount - sum(shares)
    # leftover < number of lines with a non-zero remainder, so only those receive a unit, and a
    # line with a remainder has share < gross: paid never goes negative.
    ranked = sorted(range(len(lines)), key=lambda i: (-remainders[i], -gross[i], i))
    for i in ranked[:leftover]:
        shares[i] += 1
    return {ids[i]: from_minor(gross[i] - shares[i], currency) for i in range(len(lines))}


# --- what a claim gives back -----------------------------------------------------------------


@dataclass(frozen=True)
class RefundQuote:
    currency: str
    paid_line: Decimal
    quantity: int
    damaged_units: int
    unit_paid: Decimal  # paid_line / quantity, rounded: for display only, never multiplied
    amount: Decimal  # what this claim refunds
    capped: bool  # amount was cut down to what was still refundable
    remaining_refundable: Decimal  # left on the line after this refund
    units_already_refunded: int = 0
    amount_already_refunded: Decimal = Decimal(0)
    line_id: Hashable | None = None


def quote_refund(
    paid_line: Decimal | int | str,
    quantity: int,
    damaged_units: int,
    units_already_refunded: int,
    amount_already_refunded: Decimal | int | str,
    currency: str,
    *,
    line_id: Hashable | None = None,
) -> RefundQuote:
    if quantity < 1:
        raise ValueError("quantity must be at least 1")
    if damaged_units < 1 or units_already_refunded < 0:
        raise ValueError("damaged units must be at least 1; already refunded not negative")
    if units_already_refunded + damaged_units > quantity:
        raise ValueError("more units claimed than were bought")
    paid = _minor(paid_line, currency, "paid_line")
    already = _minor(amount_already_refunded, currency, "amount_already_refunded")
    before, after = units_already_refunded, units_already_refunded + damaged_units
    full = _round_div(paid * after, quantity) - _round_div(paid * before, quantity)
    cap = max(paid - already, 0)
    amount = min(full, cap)
    return RefundQuote(
        currency=currency,
        paid_line=from_minor(paid, currency),
        quantity=quantity,
        damaged_units=damaged_units,
        unit_paid=quantize(from_minor(paid, currency) / quantity, currency),
        amount=from_minor(amount, currency),
        capped=amount < full,
        remaining_refundable=from_minor(cap - amount, currency),
        units_already_refunded=units_already_refunded,
        amount_already_refunded=from_minor(already, currency),
        line_id=line_id,
    )


@dataclass(frozen=True)
class ClaimLineInput:
    line_id: Hashable
    paid_line: Decimal
    quantity: int
    damaged_units: int
    units_already_refunded: int = 0
    amount_already_refunded: Decimal = Decimal(0)


@dataclass(frozen=True)
class ClaimQuote:
    currency: str
    lines: tuple[RefundQuote, ...]
    total: Decimal
    capped: bool = field(default=False)  # any line was capped


def quote_claim(lines: Sequence[ClaimLineInput], currency: str) -> ClaimQuote:
    ids = [line.line_id for line in lines]
    if len(set(ids)) != len(ids):
        raise ValueError("a claim lists each order line at most once")
    quotes = tuple(
        quote_refund(
            line.paid_line,
            line.quantity,
            line.damaged_units,
            line.units_already_refunded,
            line.amount_already_refunded,
            currency,
            line_id=line.line_id,
        )
        for line in lines
    )
    total = from_minor(sum(to_minor(q.amount, currency) for q in quotes), currency)
    return ClaimQuote(currency, quotes, total, any(q.capped for q in quotes))


# --- reviewer adjustments and coupons --------------------------------------------------------


def cap_for_adjustment(
    paid_line: Decimal | int | str,
    amount_already_refunded: Decimal | int | str,
    currency: str | None = None,
) -> Decimal:
    """The most a reviewer may refund on a line now; never negative."""
    cap = max(_dec(paid_line, "paid_line") - _dec(amount_already_refunded, "already"), Decimal(0))
    return quantize(cap, currency) if currency else cap


def validate_adjusted_amount(
    amount: Decimal | int | str, cap: Decimal | int | str, currency: str
) -> Result:
    """Check an amount a reviewer typed: a number, > 0, no extra decimals, not above ``cap``.
    Allowed carries the accepted amount as ``params["amount"]``."""
    no = Refusal.of

    try:
        value = _dec(typed_number(amount) if isinstance(amount, str) else amount, "amount")
    except (InvalidOperation, ValueError):
        return no("amount_not_a_number", text=str(amount))
    cap_value = quantize(_dec(cap, "cap"), currency)
    if value <= 0:
        return no("amount_not_positive")
    if value != value.quantize(quantum(currency)):
        return no("amount_too_many_decimals", decimals=exponent(currency))
    if value > cap_value:
        return no("amount_exceeds_cap", cap=cap_value)
    accepted = quantize(value, currency)
    return Allowed.of(amount=accepted)


@dataclass(frozen=True)
class CouponUse:
    order_total: Decimal
    applied: Decimal  # the part of the coupon used; pass it to allocate_paid as a discount
    payable: Decimal  # what the buyer still pays, never below zero
    unused: Decimal  # coupon value forfeited because the order was smaller


def allocate_coupon(
    order_total: Decimal | int | str, coupon_amount: Decimal | int | str, currency: str
) -> CouponUse:
    """Redeem a coupon on an order: the total goes down by the coupon, but not below zero."""
    total = _minor(order_total, currency, "order_total")
    coupon = _minor(coupon_amount, currency, "coupon_amount")
    applied = min(total, coupon)
    return CouponUse(
        order_total=from_minor(total, currency),
        applied=from_minor(applied, currency),
        payable=from_minor(total - applied, currency),
        unused=from_minor(coupon - applied, currency),
    )


__all__ = [
    "ADJUSTMENT_CODES",
    "ClaimLineInput",
    "ClaimQuote",
    "CouponUse",
    "OrderLine",
    "RefundQuote",
    "allocate_coupon",
    "allocate_paid",
    "cap_for_adjustment",
    "line_gross_minor",
    "quote_claim",
    "quote_refund",
    "validate_adjusted_amount",
]
