"""What the storefront may ask for: pydantic models, checked completely before anything
touches the database.

``parse_order`` / ``parse_shipment`` / ``parse_delivery`` read the JSON bodies of the HTTP
intake; the CSV import validates each row with the same models (``MemberFields``,
``ItemRequest``, ``ShipmentRequest``) and the same total checks, so both explain a bad value
the same way: every problem with its field and catalog code (see groupbot.intake.fields).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from groupbot.intake.fields import MAX_QUANTITY, FieldError, Flag, amount, integer, text, validate
from groupbot.money import exponent, fmt, quantize, to_minor
from groupbot.people import Person
from groupbot.refunds import OrderLine, line_gross_minor

EXTERNAL_ID_MAX = 100  # orders.external_id
PRODUCT_MAX, UNIT_MAX = 200, 32  # products.name, products.unit
COURIER_MAX = TRACKING_MAX = 64  # shipments.courier, shipments.tracking_number
TELEGRAM_ID_MAX = 2**53  # Telegram user ids fit in 52 bits

ExternalId = text(EXTERNAL_ID_MAX)
ChatId = integer()
TelegramUserId = integer(minimum=1, maximum=TELEGRAM_ID_MAX)
FirstName = text(255)
LastName = text(255, required=False)
Username = text(64, required=False)
LanguageCode = text(16, required=False)
ProductName = text(PRODUCT_MAX)
UnitName = text(UNIT_MAX, required=False)
Quantity = integer(minimum=1, maximum=MAX_QUANTITY)
UnitPrice = amount("price")
PaidAmount = amount("paid", required=False)
Courier = text(COURIER_MAX)
TrackingNumber = text(TRACKING_MAX)

M = TypeVar("M", bound=BaseModel)


class Invalid(ValueError):
    """A request with one or more bad fields (in the order they appear)."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = list(errors)


class _Fields(BaseModel):
    model_config = ConfigDict(frozen=True)


class MemberFields(_Fields):
    """The buyer, as the storefront knows them (a JSON object, or a CSV row's columns)."""

    telegram_id: TelegramUserId
    first_name: FirstName
    last_name: LastName = None
    username: Username = None
    language_code: LanguageCode = None

    def person(self) -> Person:
        return Person(telegram_id=self.telegram_id, first_name=self.first_name,
                      last_name=self.last_name,
                      username=(self.username.lstrip("@") or None) if self.username else None,
                      language_code=self.language_code)


class ItemRequest(_Fields):
    """One line of an order. ``unit`` / ``perishable`` None: the product's, or for a new
    product "份" and perishable."""

    product: ProductName
    unit: UnitName = None
    perishable: Flag = None
    quantity: Quantity
    unit_price: UnitPrice
    discount: PaidAmount = Decimal(0)


class OrderBody(_Fields):
    external_id: ExternalId
    member: MemberFields
    group_chat_id: ChatId
    discount: PaidAmount = Decimal(0)
    items: Annotated[list[ItemRequest], Field(min_length=1)]


class ShipmentRequest(_Fields):
    external_id: ExternalId
    courier: Courier
    tracking_number: TrackingNumber


class DeliveryRequest(_Fields):
    external_id: ExternalId


@dataclass(frozen=True)
class OrderRequest:
    external_id: str
    person: Person
    group_chat_id: int
    items: tuple[ItemRequest, ...]
    discount: Decimal = Decimal(0)


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


def _checked(model: type[M], data: Any, currency: str | None = None) -> M:
    found, errors = validate(model, data, currency=currency)
    if found is None:
        raise Invalid(errors)
    return found


def parse_order(data: Any, currency: str) -> OrderRequest:
    body = _checked(OrderBody, data, currency)
    problems = total_problems(body.items, body.discount, currency)
    if problems:
        raise Invalid([p.at("discount" if i is None else f"items[{i}].discount")
                       for i, p in problems])
    return OrderRequest(external_id=body.external_id, person=body.member.person(),
                        group_chat_id=body.group_chat_id, items=tuple(body.items),
                        discount=body.discount)


def parse_shipment(data: Any) -> ShipmentRequest:
    return _checked(ShipmentRequest, data)


def parse_delivery(data: Any) -> DeliveryRequest:
    return _checked(DeliveryRequest, data)
