"""Money: Decimal in the domain, integer minor units (cents/fen) in the database.

Amounts are quantized once, per currency, with ROUND_HALF_UP. Nothing here ever touches float:
a float handed in is refused, so a stray ``0.1`` cannot slip into a refund.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# ISO 4217 minor units for the currencies a community is likely to use; default 2.
_EXPONENTS = {"CNY": 2, "HKD": 2, "TWD": 2, "USD": 2, "EUR": 2, "SGD": 2, "JPY": 0, "KRW": 0}
_SYMBOLS = {"CNY": "¥", "HKD": "HK$", "TWD": "NT$", "USD": "$", "EUR": "€", "JPY": "¥"}


class MoneyError(ValueError):
    """An amount could not be read as money."""


def exponent(currency: str) -> int:
    return _EXPONENTS.get(currency.upper(), 2)


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-exponent(currency))


def quantize(amount: Decimal | int | str, currency: str) -> Decimal:
    if isinstance(amount, float):
        raise TypeError("money must not be a float")
    return Decimal(amount).quantize(quantum(currency), rounding=ROUND_HALF_UP)


def to_minor(amount: Decimal | int | str, currency: str) -> int:
    """Decimal amount -> integer minor units (e.g. ¥12.34 -> 1234)."""
    return int(quantize(amount, currency).scaleb(exponent(currency)))


def from_minor(minor: int, currency: str) -> Decimal:
    """Integer minor units -> Decimal amount with the currency's places."""
    return quantize(Decimal(minor).scaleb(-exponent(currency)), currency)


def typed_number(text: str) -> str:
    """What a person typed as an amount, without currency signs, spaces or a comma for the
    decimal point ("¥12,50元" -> "12.50"); whether it is a number is for the caller."""
    cleaned = text.strip().replace("¥", "").replace("￥", "").replace("元", "").replace(" ", "")
    cleaned = cleaned.replace("，", ".").replace(",", ".").replace("。", ".")
    for symbol in _SYMBOLS.values():
        cleaned = cleaned.replace(symbol, "")
    return cleaned


def parse_amount(text: str, currency: str) -> Decimal:
    """Read what a person typed ("12.5", "¥12.50", "12,50"?) as a positive amount.

    Raises MoneyError for anything that is not a plain positive number with at most the
    currency's decimal places, so "12.345" is refused rather than silently rounded.
    """
    try:
        value = Decimal(typed_number(text))
    except InvalidOperation as exc:
        raise MoneyError("not_a_number") from exc
    if not value.is_finite():
        raise MoneyError("not_a_number")
    if value <= 0:
        raise MoneyError("not_positive")
    if value != value.quantize(quantum(currency)):
        raise MoneyError("too_many_decimals")
    return quantize(value, currency)


def fmt(amount: Decimal | int, currency: str) -> str:
    """Human form used in messages: ¥10.00."""
    symbol = _SYMBOLS.get(currency.upper(), currency.upper() + " ")
    return f"{symbol}{quantize(amount, currency)}"
