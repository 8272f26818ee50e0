"""What the storefront may ask for, checked completely before anything touches the database.

``parse_order`` / ``parse_shipment`` / ``parse_delivery`` read the JSON bodies of the HTTP
intake; the CSV import reads its rows with the same field readers (``read_person``,
``read_item``) and the same total checks, so both explain a bad value the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from groupbot.intake import fields
from groupbot.intake.fields import MAX_QUANTITY, FieldError, Reader
from groupbot.money import exponent, fmt, quantize, to_minor
from groupbot.people import Person
from groupbot.refunds import OrderLine, line_gross_minor

EXTERNAL_ID_MAX = 100  # orders.external_id
PRODUCT_MAX, UNIT_MAX = 200, 32  # products.name, products.unit
COURIER_MAX = TRACKING_MAX = 64  # shipments.courier, shipments.tracking_number
TELEGRAM_ID_MAX = 2**53  # Telegram user ids fit in 52 bits


class Invalid(ValueError):
    """A request with one or more bad fields (in the order they appear)."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = list(errors)


@dataclass(frozen=True)
class ItemRequest:
    product: str
    quantity: int
    unit_price: Decimal
    discount: Decimal = Decimal(0)
    unit: str | None = None  # None: the product's unit, or "份" for a new product
    perishable: bool | None = None  # None: the product's, or True for a new product


@dataclass(frozen=True)
class OrderRequest:
    external_id: str
    person: Person
    group_chat_id: int
    items: tuple[ItemRequest, ...]
    discount: Decimal = Decimal(0)


@dataclass(frozen=True)
class ShipmentRequest:
    external_id: str
    courier: str
    tracking_number: str


@dataclass(frozen=True)
class DeliveryRequest:
    external_id: str


def price_places(currency: str) -> int:
    """Unit prices may be finer than the currency (per kg); amounts paid may not."""
    return exponent(currency) + 2


# --- shared readers --------------------------------------------------------------------------


def read_external_id(r: Reader) -> str | None:
    return r.get("external_id", fields.text, max_len=EXTERNAL_ID_MAX)


def read_group_chat_id(r: Reader) -> int | None:
    return r.get("group_chat_id", fields.integer, minimum=-fields.INT64, maximum=fields.INT64)


def read_person(r: Reader) -> Person | None:
    telegram_id = r.get("telegram_id", fields.integer, minimum=1, maximum=TELEGRAM_ID_MAX)
    first_name = r.get("first_name", fields.text, max_len=255)
    last_name = r.get("last_name", fields.text, max_len=255, required=False)
    username = r.get("username", fields.text, max_len=64, required=False)
    language_code = r.get("language_code", fields.text, max_len=16, required=False)
    if telegram_id is None or first_name is None:
        return None
    return Person(
        telegram_id=telegram_id,
        first_name=first_name,
        last_name=last_name,
        username=(username.lstrip("@") or None) if username else None,
        language_code=language_code,
    )


def read_item(r: Reader, currency: str) -> ItemRequest | None:
    before = len(r.errors)
    product = r.get("product", fields.text, max_len=PRODUCT_MAX)
    unit = r.get("unit", fields.text, max_len=UNIT_MAX, required=False)
    perishable = r.get("perishable", fields.boolean)
    quantity = r.get("quantity", fields.integer, minimum=1, maximum=MAX_QUANTITY)
    unit_price = r.get("unit_price", fields.amount, places=price_places(currency))
    discount = r.get("discount", fields.amount, places=exponent(currency), required=False)
    if len(r.errors) > before or product is None or quantity is None or unit_price is None:
        return None
    return ItemRequest(
        product=product,
        quantity=quantity,
        unit_price=unit_price,
        discount=discount or Decimal(0),
        unit=unit,
        perishable=perishable,
    )


def total_problems(
    items: Sequence[ItemRequest], discount: Decimal, currency: str
) -> list[tuple[int | None, FieldError]]:
    """Discounts bigger than what they discount: (item index, or None for the order discount)."""
    problems: list[tuple[int | None, FieldError]] = []
    total = 0
    for i, item in enumerate(items):
        line = OrderLine(i, item.quantity, item.unit_price, item.discount)
        try:
            total += line_gross_minor(line, currency)
        except ValueError:
            gross = quantize(item.unit_price * item.quantity, currency)
            problems.append((i, FieldError(
                "discount", "line_discount_too_big", total=fmt(gross, currency))))
    if not problems and to_minor(discount, currency) > total:
        total_amount = quantize(Decimal(total).scaleb(-exponent(currency)), currency)
        problems.append((None, FieldError(
            "discount", "order_discount_too_big", total=fmt(total_amount, currency))))
    return problems


# --- the JSON bodies -------------------------------------------------------------------------


def _object(data: Any, field: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise Invalid([FieldError(field, "not_an_object")])
    return data


def parse_order(data: Any, currency: str) -> OrderRequest:
    r = Reader(_object(data, ""))
    external_id = read_external_id(r)
    member = r.data.get("member")
    person = None
    if member is None:
        r.errors.append(FieldError("member", "required"))
    elif not isinstance(member, dict):
        r.errors.append(FieldError("member", "not_an_object"))
    else:
        m = Reader(member, "member.")
        person = read_person(m)
        r.errors.extend(m.errors)
    group_chat_id = read_group_chat_id(r)
    discount = r.get("discount", fields.amount, places=exponent(currency), required=False)
    raw_items = r.data.get("items")
    items: list[ItemRequest] = []
    if raw_items is None:
        r.errors.append(FieldError("items", "required"))
    elif not isinstance(raw_items, list):
        r.errors.append(FieldError("items", "not_a_list"))
    elif not raw_items:
        r.errors.append(FieldError("items", "no_items"))
    else:
        for i, raw in enumerate(raw_items):
            if not isinstance(raw, dict):
                r.errors.append(FieldError(f"items[{i}]", "not_an_object"))
                continue
            ir = Reader(raw, f"items[{i}].")
            item = read_item(ir, currency)
            r.errors.extend(ir.errors)
            if item is not None:
                items.append(item)
    if not r.errors:
        for index, problem in total_problems(items, discount or Decimal(0), currency):
            r.errors.append(problem.at("discount" if index is None else f"items[{index}].discount"))
    if r.errors:
        raise Invalid(r.errors)
    assert external_id is not None and person is not None and group_chat_id is not None
    return OrderRequest(
        external_id=external_id,
        person=person,
        group_chat_id=group_chat_id,
        items=tuple(items),
        discount=discount or Decimal(0),
    )


def read_shipment(r: Reader) -> ShipmentRequest | None:
    external_id = read_external_id(r)
    courier = r.get("courier", fields.text, max_len=COURIER_MAX)
    tracking = r.get("tracking_number", fields.text, max_len=TRACKING_MAX)
    if external_id is None or courier is None or tracking is None:
        return None
    return ShipmentRequest(external_id, courier, tracking)


def parse_shipment(data: Any) -> ShipmentRequest:
    r = Reader(_object(data, ""))
    shipment = read_shipment(r)
    if r.errors or shipment is None:
        raise Invalid(r.errors)
    return shipment


def parse_delivery(data: Any) -> DeliveryRequest:
    r = Reader(_object(data, ""))
    external_id = read_external_id(r)
    if r.errors or external_id is None:
        raise Invalid(r.errors)
    return DeliveryRequest(external_id)
