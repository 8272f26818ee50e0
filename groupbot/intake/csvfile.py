"""Orders and shipping updates from CSV files, all or nothing.

Every row is checked first and every problem is reported with its line number and column;
if there is any, nothing is written. Otherwise the whole file goes in one transaction.
Rows with the same ``external_id`` are one order with several items; the member and group
columns may be left blank on its later rows, and ``order_discount`` belongs on its first row.
An order already known is skipped when the file says the same, and is a problem (naming each
column that differs) when it does not: nothing is changed then.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from groupbot.intake import fields, service
from groupbot.intake.fields import FieldError, validate, validate_value
from groupbot.intake.requests import (
    ChatId,
    ExternalId,
    FirstName,
    ItemRequest,
    MemberFields,
    OrderRequest,
    PaidAmount,
    ShipmentRequest,
    TelegramUserId,
    total_problems,
)
from groupbot.people import Person
from groupbot.runtime import Runtime

ORDER_COLUMNS = ("external_id", "telegram_id", "first_name", "group_chat_id", "product",
                 "quantity", "unit_price")
ORDER_OPTIONAL = ("unit", "perishable", "discount", "order_discount", "last_name", "username",
                  "language_code")
SHIP_COLUMNS = ("external_id", "courier", "tracking_number")


class CsvFileError(Exception):
    """The file cannot be read at all (missing, unreadable, not text)."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path, self.reason = path, reason


@dataclass(frozen=True)
class RowError:
    line: int
    error: FieldError


@dataclass
class CsvOutcome:
    """What a file did: ``done`` orders created (or shipped), ``already`` were so before."""

    errors: list[RowError] = field(default_factory=list)
    done: int = 0
    already: int = 0
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


# --- reading the file ------------------------------------------------------------------------


def read_rows(
    path: Path, required: tuple[str, ...]
) -> tuple[list[tuple[int, dict[str, str]]], list[RowError]]:
    """(line number, {column: cell}) of every non-blank row; a missing column is an error."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CsvFileError(path, exc.strerror or str(exc)) from exc
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        content = raw.decode("gb18030", errors="replace")  # Excel's default for Chinese sheets
    reader = csv.reader(io.StringIO(content, newline=""))
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        header = []
    except csv.Error as exc:
        raise CsvFileError(path, str(exc)) from exc
    missing = [RowError(1, FieldError(name, "missing_column")) for name in required
               if name not in header]
    if missing:
        return [], missing
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        start = reader.line_num + 1
        for cells in reader:
            if any(cell.strip() for cell in cells):
                rows.append((start, {name: cells[i] if i < len(cells) else ""
                                     for i, name in enumerate(header) if name}))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise CsvFileError(path, f"line {reader.line_num}: {exc}") from exc
    return rows, []


class OrderStart(BaseModel):
    """The order columns of the first row of an order (the member's are MemberFields)."""

    group_chat_id: ChatId
    order_discount: PaidAmount = Decimal(0)


class _ExternalId(BaseModel):
    external_id: ExternalId


@dataclass
class _Order:
    line: int
    external_id: str
    person: Person | None
    group_chat_id: int | None
    discount: Decimal
    items: list[tuple[int, ItemRequest]] = field(default_factory=list)
    bad: bool = False


@dataclass(frozen=True)
class CsvOrder:
    line: int  # the order's first row
    request: OrderRequest
    item_lines: tuple[int, ...]  # the row of each item


# A repeat's differences as the file's columns (the HTTP intake names JSON paths).
_COLUMN_OF = {"member.telegram_id": "telegram_id", "discount": "order_discount",
              "items": "external_id"}


def parse_orders(path: Path, currency: str) -> tuple[list[CsvOrder], list[RowError]]:
    """The orders of the file with the lines of their rows, and every problem."""
    rows, errors = read_rows(path, ORDER_COLUMNS)
    orders: dict[str, _Order] = {}
    for line, row in rows:
        ident, problems = validate(_ExternalId, row)
        external_id = ident.external_id if ident is not None else None
        order = orders.get(external_id) if external_id is not None else None
        if order is None:
            member, bad_member = validate(MemberFields, row)
            start, bad_start = validate(OrderStart, row, currency=currency)
            problems += bad_member + bad_start
            if external_id is not None:
                order = orders[external_id] = _Order(
                    line, external_id, member.person() if member else None,
                    start.group_chat_id if start else None,
                    start.order_discount if start else Decimal(0))
        else:
            problems += _same_order(row, order)
        item, bad_item = validate(ItemRequest, row, currency=currency)
        problems += bad_item
        errors.extend(RowError(line, e) for e in problems)
        if order is not None:
            order.bad = order.bad or bool(problems)
            if item is not None:
                order.items.append((line, item))
    result: list[CsvOrder] = []
    for order in orders.values():
        if order.bad or order.person is None or order.group_chat_id is None:
            continue
        items = [item for _, item in order.items]
        totals = total_problems(items, order.discount, currency)
        for index, problem in totals:
            if index is None:
                errors.append(RowError(order.line, problem.at("order_discount")))
            else:
                errors.append(RowError(order.items[index][0], problem))
        if not totals:
            result.append(CsvOrder(order.line, OrderRequest(
                external_id=order.external_id, person=order.person,
                group_chat_id=order.group_chat_id, items=tuple(items), discount=order.discount,
            ), tuple(line for line, _ in order.items)))
    errors.sort(key=lambda e: e.line)
    return result, errors


def _same_order(row: dict[str, str], order: _Order) -> list[FieldError]:
    """A later row of an order: its member and group cells are blank or the same as before."""
    first = order.line
    person, group = order.person, order.group_chat_id
    checks: list[tuple[str, Any, object]] = [
        ("telegram_id", TelegramUserId, person.telegram_id if person else None),
        ("first_name", FirstName, person.first_name if person else None),
        ("group_chat_id", ChatId, group),
    ]
    problems: list[FieldError] = []
    for name, kind, expected in checks:
        if not row.get(name, "").strip():
            continue
        value, bad = validate_value(kind, row[name], name)
        problems += bad
        if value is not None and expected is not None and value != expected:
            problems.append(FieldError(name, "differs", first=first, value=fields.shown(value)))
    if row.get("order_discount", "").strip():
        problems.append(FieldError("order_discount", "order_discount_repeated", first=first))
    return problems


def parse_shipments(path: Path) -> tuple[list[tuple[int, ShipmentRequest]], list[RowError]]:
    rows, errors = read_rows(path, SHIP_COLUMNS)
    result: list[tuple[int, ShipmentRequest]] = []
    for line, row in rows:
        shipment, problems = validate(ShipmentRequest, row)
        errors.extend(RowError(line, e) for e in problems)
        if shipment is not None:
            result.append((line, shipment))
    return result, errors


# --- writing ---------------------------------------------------------------------------------


class _RollBack(Exception):
    pass


async def _all_or_nothing(
    rt: Runtime, outcome: CsvOutcome, work: Callable[[AsyncSession], Awaitable[None]]
) -> CsvOutcome:
    """Run ``work`` in one transaction; roll it back on a dry run or if it found problems."""
    try:
        async with rt.tx() as session:
            await work(session)
            if outcome.errors or outcome.dry_run:
                raise _RollBack
    except _RollBack:
        pass
    outcome.errors.sort(key=lambda e: e.line)
    return outcome


async def import_orders(rt: Runtime, path: Path, *, dry_run: bool = False) -> CsvOutcome:
    """Create the file's orders (source "csv"), idempotent by external id."""
    orders, errors = parse_orders(path, rt.settings.currency)
    outcome = CsvOutcome(errors=errors, dry_run=dry_run)

    async def work(session: AsyncSession) -> None:
        for order in orders:
            req = order.request
            exists = await service.order_by_external_id(session, rt, req.external_id)
            if exists is None and await service.active_group(session, rt, req.group_chat_id) is None:
                outcome.errors.append(RowError(order.line, FieldError(
                    "group_chat_id", "unknown_group", value=req.group_chat_id)))
        if outcome.errors:
            return
        for order in orders:
            try:
                _order, created = await service.place_order(session, rt, order.request,
                                                            source="csv")
            except FieldError as exc:
                outcome.errors.append(RowError(order.line, exc))
                continue
            except service.Mismatch as exc:
                outcome.errors.extend(
                    RowError(order.line, e.at(_COLUMN_OF.get(e.field, e.field))) if i is None
                    else RowError(order.item_lines[i], e) for i, e in exc.problems)
                continue
            if created:
                outcome.done += 1
            else:
                outcome.already += 1

    return await _all_or_nothing(rt, outcome, work)


async def ship_orders(rt: Runtime, path: Path, *, dry_run: bool = False) -> CsvOutcome:
    """Mark the file's orders shipped and queue the shipping notices."""
    shipments, errors = parse_shipments(path)
    outcome = CsvOutcome(errors=errors, dry_run=dry_run)

    async def work(session: AsyncSession) -> None:
        for line, req in shipments:
            try:
                _order, shipped = await service.ship(session, rt, req)
            except (service.UnknownOrder, service.OrderConflict) as exc:
                outcome.errors.append(RowError(line, exc.error))
                continue
            except service.Mismatch as exc:
                outcome.errors.extend(RowError(line, e) for e in exc.errors)
                continue
            if shipped:
                outcome.done += 1
            else:
                outcome.already += 1

    return await _all_or_nothing(rt, outcome, work)


def explain(locale: str, errors: list[RowError]) -> Iterator[str]:
    """``line 4: unit_price: "12.3.4" is not an amount``, one line per problem."""
    for e in errors:
        yield fields.plain(locale, "intake.cli.line_problem", line=e.line, field=e.error.field,
                           problem=e.error.problem(locale))
