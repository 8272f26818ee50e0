"""Reading one field of a storefront order (JSON or a CSV cell) into a typed value.

Every problem is a :class:`FieldError` that names the field and carries a catalog code
(``intake.error.<code>``), so the HTTP answer and the CSV report explain it the same way.
Amounts are read from strings (or whole numbers) into ``Decimal``; a JSON number with a
fraction is refused, so no float ever stands for money.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import messages

T = TypeVar("T")

MAX_QUANTITY = 100_000
MAX_AMOUNT = Decimal("10000000")  # anything bigger is a typo, and must fit the minor units
INT64 = 2**63 - 1

_INTEGER = re.compile(r"[+-]?\d+")
_AMOUNT = re.compile(r"-?\d+(?:\.\d+)?")
_TRUE = {"true", "t", "yes", "y", "1", "是"}
_FALSE = {"false", "f", "no", "n", "0", "否"}


class FieldError(ValueError):
    """One bad field: ``field`` is its path (``items[0].unit_price``) or CSV column."""

    def __init__(self, field: str, code: str, **params: object) -> None:
        super().__init__(f"{field}: {code}")
        self.field, self.code, self.params = field, code, params

    def at(self, field: str) -> FieldError:
        return FieldError(field, self.code, **self.params)

    def problem(self, locale: str) -> str:
        """What is wrong, in plain text (no field name)."""
        return plain(locale, f"intake.error.{self.code}", **self.params)


def plain(locale: str, key: str, /, **values: object) -> str:
    """A catalog text as plain text (the catalogs hold HTML for Telegram)."""
    return html.unescape(messages.t(locale, key, **values))


def shown(value: Any) -> str:
    """A value as a person would recognise it in an error message (shortened)."""
    if isinstance(value, str):
        text = value.strip()
    elif isinstance(value, bool) or value is None:
        text = json.dumps(value)
    elif isinstance(value, int | Decimal):
        text = str(value)
    else:
        text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 40 else text[:37] + "..."


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(value: Any, field: str, *, max_len: int, required: bool = True) -> str | None:
    if _blank(value):
        if required:
            raise FieldError(field, "required")
        return None
    if not isinstance(value, str):
        raise FieldError(field, "not_text", value=shown(value))
    value = value.strip()
    if len(value) > max_len:
        raise FieldError(field, "too_long", max=max_len)
    return value


def integer(
    value: Any, field: str, *, minimum: int = -INT64, maximum: int = INT64
) -> int:
    if _blank(value):
        raise FieldError(field, "required")
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        number = int(value.strip())
    else:
        raise FieldError(field, "not_an_integer", value=shown(value))
    if number < minimum:
        raise FieldError(field, "too_small", value=number, min=minimum)
    if number > maximum:
        raise FieldError(field, "too_large", value=number, max=maximum)
    return number


def amount(value: Any, field: str, *, places: int, required: bool = True) -> Decimal | None:
    """A non-negative amount with at most ``places`` decimals, from a string or a whole number."""
    if _blank(value):
        if required:
            raise FieldError(field, "required")
        return None
    if isinstance(value, Decimal):  # a JSON number with a fraction: refuse rather than guess
        raise FieldError(field, "amount_not_string", value=shown(value))
    if isinstance(value, int) and not isinstance(value, bool):
        number = Decimal(value)
    elif isinstance(value, str) and _AMOUNT.fullmatch(value.strip()):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:  # pragma: no cover - the pattern already rules this out
            raise FieldError(field, "not_an_amount", value=shown(value)) from None
    else:
        raise FieldError(field, "not_an_amount", value=shown(value))
    if number < 0:
        raise FieldError(field, "negative", value=shown(value))
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        raise FieldError(field, "too_many_decimals", value=shown(value), places=places)
    if number > MAX_AMOUNT:
        raise FieldError(field, "too_large", value=shown(value), max=MAX_AMOUNT)
    return number


def boolean(value: Any, field: str) -> bool | None:
    if _blank(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise FieldError(field, "not_a_boolean", value=shown(value))


class Reader:
    """Reads the fields of one object, collecting every problem instead of stopping."""

    def __init__(self, data: Mapping[str, Any], prefix: str = "") -> None:
        self.data, self.prefix = data, prefix
        self.errors: list[FieldError] = []

    def path(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def get(self, name: str, parse: Callable[..., T], **options: Any) -> T | None:
        try:
            return parse(self.data.get(name), self.path(name), **options)
        except FieldError as exc:
            self.errors.append(exc)
            return None
