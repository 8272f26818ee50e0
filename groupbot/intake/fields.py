"""The field types of a storefront order (JSON or a CSV cell), as pydantic validators.

Each type reads one value into a typed one or raises a ``PydanticCustomError`` whose type is
a catalog code (``intake.error.<code>``); :func:`validate` turns a pydantic ``ValidationError``
into :class:`FieldError` s that name the field by its path (``items[0].unit_price``), so the
HTTP answer and the CSV report explain a bad value the same way. Amounts are read from strings
(or whole numbers) into ``Decimal``; a JSON number with a fraction is refused, so no float
ever stands for money.
"""

from __future__ import annotations

import html
import json
import re
from decimal import Decimal
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, PlainValidator, TypeAdapter, ValidationError, ValidationInfo
from pydantic_core import PydanticCustomError

import messages
from groupbot.money import exponent

MAX_QUANTITY = 100_000
MAX_AMOUNT = Decimal("10000000")  # anything bigger is a typo, and must fit the minor units
INT64 = 2**63 - 1

_INTEGER = re.compile(r"[+-]?\d+")
_AMOUNT = re.compile(r"-?\d+(?:\.\d+)?")
_TRUE = {"true", "t", "yes", "y", "1", "是"}
_FALSE = {"false", "f", "no", "n", "0", "否"}

# pydantic's own checks (the shape of the body) in the catalog's words.
_SHAPE_CODES = {"missing": "required", "model_type": "not_an_object",
                "model_attributes_type": "not_an_object", "dict_type": "not_an_object",
                "list_type": "not_a_list", "too_short": "no_items"}


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


def _bad(code: str, **params: object) -> PydanticCustomError:
    return PydanticCustomError(code, code, params)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(max_len: int, *, required: bool = True) -> Any:
    def check(value: Any) -> str | None:
        if _blank(value):
            if required:
                raise _bad("required")
            return None
        if not isinstance(value, str):
            raise _bad("not_text", value=shown(value))
        value = value.strip()
        if len(value) > max_len:
            raise _bad("too_long", max=max_len)
        return value

    return Annotated[str if required else str | None, PlainValidator(check)]


def integer(minimum: int = -INT64, maximum: int = INT64) -> Any:
    def check(value: Any) -> int:
        if _blank(value):
            raise _bad("required")
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
            number = int(value.strip())
        else:
            raise _bad("not_an_integer", value=shown(value))
        if number < minimum:
            raise _bad("too_small", value=number, min=minimum)
        if number > maximum:
            raise _bad("too_large", value=number, max=maximum)
        return number

    return Annotated[int, PlainValidator(check)]


def amount(kind: Literal["price", "paid"], *, required: bool = True) -> Any:
    """A non-negative amount. Unit prices may be finer than the currency (per kg: two more
    places); amounts paid may not. The currency comes from the validation context. A blank
    optional amount is zero."""

    def check(value: Any, info: ValidationInfo) -> Decimal:
        currency = (info.context or {})["currency"]
        places = exponent(currency) + (2 if kind == "price" else 0)
        if _blank(value):
            if required:
                raise _bad("required")
            return Decimal(0)
        if isinstance(value, Decimal):  # a JSON number with a fraction: refuse rather than guess
            raise _bad("amount_not_string", value=shown(value))
        if isinstance(value, int) and not isinstance(value, bool):
            number = Decimal(value)
        elif isinstance(value, str) and _AMOUNT.fullmatch(value.strip()):
            number = Decimal(value.strip())
        else:
            raise _bad("not_an_amount", value=shown(value))
        if number < 0:
            raise _bad("negative", value=shown(value))
        exp = number.as_tuple().exponent
        if isinstance(exp, int) and -exp > places:
            raise _bad("too_many_decimals", value=shown(value), places=places)
        if number > MAX_AMOUNT:
            raise _bad("too_large", value=shown(value), max=MAX_AMOUNT)
        return number

    return Annotated[Decimal, PlainValidator(check)]


def _boolean(value: Any) -> bool | None:
    if _blank(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise _bad("not_a_boolean", value=shown(value))


Flag = Annotated[bool | None, PlainValidator(_boolean)]


def path(loc: tuple[int | str, ...], prefix: str = "") -> str:
    """pydantic's location as the field name people read: ``items[0].unit_price``."""
    out = prefix
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out = f"{out}.{part}" if out else str(part)
    return out


def errors_of(exc: ValidationError, prefix: str = "") -> list[FieldError]:
    found = []
    for e in exc.errors(include_url=False):
        code, params = e["type"], dict(e.get("ctx") or {})
        if code in _SHAPE_CODES:  # pydantic's own: its context is not for people
            code, params = "required" if e.get("input", "") is None else _SHAPE_CODES[code], {}
        found.append(FieldError(path(e["loc"], prefix), code, **params))
    return found


M = TypeVar("M", bound=BaseModel)


def validate(model: type[M], data: Any, *, currency: str | None = None,
             prefix: str = "") -> tuple[M | None, list[FieldError]]:
    """(the model, []) or (None, every problem) — never an exception for bad input."""
    try:
        return model.model_validate(data, context={"currency": currency}), []
    except ValidationError as exc:
        return None, errors_of(exc, prefix)


_ADAPTERS: dict[Any, TypeAdapter[Any]] = {}


def validate_value(kind: Any, value: Any, field: str) -> tuple[Any, list[FieldError]]:
    """One field on its own (a CSV cell compared with an earlier row)."""
    adapter = _ADAPTERS.get(kind) or _ADAPTERS.setdefault(kind, TypeAdapter(kind))
    try:
        return adapter.validate_python(value), []
    except ValidationError as exc:
        return None, errors_of(exc, field)

