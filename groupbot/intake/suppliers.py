"""Suppliers from the storefront: ``POST /intake/suppliers`` names the usual supplier of
products, so the reports can group claims and refunds by supplier.

Body: ``{"products": [{"product": "芒果", "supplier": "海南绿源果园"}, ...]}`` (1 to
``MAX_PRODUCTS`` entries; ``unit`` and ``perishable`` optional, used only when the product is
new). Each entry sets the supplier of every product row of that name in the community (each
deal makes its own row; the analytics know a product by its name) and creates the product the
storefront's orders will use if there is none yet. A deal made later in the chat takes the
usual supplier of its product (``analytics.actions.usual_supplier``); a batch's own supplier
(``/supplier``, ``deals.supplier``) is never touched and still takes precedence for that
batch. Sending the same list again changes nothing (``updated`` false).

Checked completely first, like the other intake bodies (``groupbot.intake.requests``): every
bad field is named (``products[2].supplier``), a product named twice is refused, and nothing
is written unless all entries are good.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from groupbot.intake.fields import FieldError, Flag, text, validate
from groupbot.intake.requests import Invalid, ItemRequest, ProductName, UnitName
from groupbot.intake.service import find_or_create_product
from groupbot.models import Product
from groupbot.runtime import Runtime

SUPPLIER_MAX = 120  # products.supplier, deals.supplier
MAX_PRODUCTS = 500
SupplierName = text(SUPPLIER_MAX)


class SupplierEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    product: ProductName
    supplier: SupplierName
    unit: UnitName = None
    perishable: Flag = None


class SuppliersBody(BaseModel):
    model_config = ConfigDict(frozen=True)

    products: Annotated[list[SupplierEntry], Field(min_length=1)]


def parse_suppliers(data: Any) -> SuppliersBody:
    body, errors = validate(SuppliersBody, data)
    if body is None:
        raise Invalid(errors)
    if len(body.products) > MAX_PRODUCTS:
        raise Invalid([FieldError("products", "too_many_products", max=MAX_PRODUCTS)])
    first: dict[str, int] = {}
    for i, entry in enumerate(body.products):
        if entry.product in first:
            errors.append(FieldError(f"products[{i}].product", "duplicate_product",
                                     value=entry.product, first=first[entry.product]))
        first.setdefault(entry.product, i)
    if errors:
        raise Invalid(errors)
    return body


@dataclass(frozen=True)
class SupplierSet:
    product: str
    product_id: int  # the row the storefront's orders of this name use
    supplier: str
    created: bool  # the product did not exist yet
    updated: bool  # some row of that name had another (or no) supplier


async def apply(session: AsyncSession, rt: Runtime, body: SuppliersBody) -> list[SupplierSet]:
    """Set every entry's supplier, inside the caller's transaction."""
    out = []
    for entry in body.products:
        existed = await session.scalar(select(Product.id).where(
            Product.community_id == rt.community_id, Product.name == entry.product).limit(1))
        product = await find_or_create_product(session, rt, _as_item(entry))
        changed = await session.execute(
            update(Product)
            .where(Product.community_id == rt.community_id, Product.name == entry.product,
                   (Product.supplier.is_(None)) | (Product.supplier != entry.supplier))
            .values(supplier=entry.supplier).execution_options(synchronize_session="fetch"))
        out.append(SupplierSet(entry.product, product.id, entry.supplier,
                               created=existed is None,
                               updated=bool(changed.rowcount)))  # type: ignore[attr-defined]
    return out


def _as_item(entry: SupplierEntry) -> ItemRequest:
    """The entry as the order intake's item, so the product is found or created exactly as an
    order's would be (only its name, unit and perishable are read: the rest is not an order)."""
    return ItemRequest.model_construct(product=entry.product, unit=entry.unit,
                                       perishable=entry.perishable, quantity=1,
                                       unit_price=Decimal(0), discount=Decimal(0))


async def answer(session: AsyncSession, rt: Runtime, body: SuppliersBody
                 ) -> tuple[int, dict[str, Any], bool]:
    """The HTTP answer: 200 with one entry per product (nothing for the outbox to send)."""
    done = await apply(session, rt, body)
    return 200, {"products": [
        {"product": s.product, "product_id": s.product_id, "supplier": s.supplier,
         "created": s.created, "updated": s.updated} for s in done]}, False
