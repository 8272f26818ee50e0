"""What an organizer can do about a bad batch: pause the product's next deals, leave a note for
the supplier. (Improvement records are in groupbot.analytics.improvements.)"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from groupbot.models import Deal, Member, Product
from groupbot.models.analytics import BatchAlert, ProductPause, SupplierNote
from groupbot.refusal import Refusal
from groupbot.runtime import Runtime

NOTE_MAX = 1000


async def alert_of(session: AsyncSession, rt: Runtime, alert_id: int) -> BatchAlert | Refusal:
    alert = await session.get(BatchAlert, alert_id)
    if alert is None or alert.community_id != rt.community_id:
        return Refusal.of("alert_not_found", alert=alert_id)
    return alert


async def active_pause(session: AsyncSession, community_id: int, product_name: str
                       ) -> ProductPause | None:
    """The pause in force on a product name, if any (deals.create_deal asks this)."""
    return await session.scalar(
        select(ProductPause).where(ProductPause.community_id == community_id,
                                   ProductPause.product_name == product_name,
                                   ProductPause.lifted_at.is_(None))
        .order_by(ProductPause.id).limit(1))


async def pause_product(session: AsyncSession, rt: Runtime, alert_id: int, member: Member
                        ) -> tuple[ProductPause, bool] | Refusal:
    """Pause the alert's product; (the pause, whether it is new)."""
    alert = await alert_of(session, rt, alert_id)
    if isinstance(alert, Refusal):
        return alert
    existing = await active_pause(session, rt.community_id, alert.product_name)
    if existing is not None:
        return existing, False
    pause = ProductPause(community_id=rt.community_id, product_name=alert.product_name,
                         alert_id=alert.id, paused_by=member.id, paused_at=rt.clock.now())
    session.add(pause)
    await session.flush()
    return pause, True


async def lift_pause(session: AsyncSession, rt: Runtime, pause_id: int, member: Member
                     ) -> ProductPause | Refusal:
    pause = await session.get(ProductPause, pause_id)
    if pause is None or pause.community_id != rt.community_id:
        return Refusal.of("pause_not_found", pause=pause_id)
    if pause.lifted_at is not None:
        return Refusal.of("pause_lifted", product=pause.product_name)
    pause.lifted_at, pause.lifted_by = rt.clock.now(), member.id
    return pause


async def active_pauses(session: AsyncSession, community_id: int) -> list[ProductPause]:
    rows = await session.scalars(
        select(ProductPause).where(ProductPause.community_id == community_id,
                                   ProductPause.lifted_at.is_(None))
        .order_by(ProductPause.product_name))
    return list(rows)


async def usual_supplier(session: AsyncSession, community_id: int, product_name: str
                         ) -> str | None:
    """The supplier a product of that name last had (the storefront's import sets it,
    groupbot.intake.suppliers); a new deal of that name starts with it."""
    return await session.scalar(
        select(Product.supplier).where(Product.community_id == community_id,
                                       Product.name == product_name,
                                       Product.supplier.is_not(None))
        .order_by(Product.id.desc()).limit(1))


async def supplier_of(session: AsyncSession, deal_id: int) -> str | None:
    """The batch's supplier: the deal's own, else its product's."""
    row = (await session.execute(
        select(Deal.supplier, Product.supplier).join(Product, Product.id == Deal.product_id)
        .where(Deal.id == deal_id))).first()
    return (row[0] or row[1]) if row else None


async def add_supplier_note(session: AsyncSession, rt: Runtime, alert_id: int, member: Member,
                            text: str) -> SupplierNote | Refusal:
    text = text.strip()
    if not text:
        return Refusal.of("note_empty")
    if len(text) > NOTE_MAX:
        return Refusal.of("note_too_long", max=NOTE_MAX, length=len(text))
    alert = await alert_of(session, rt, alert_id)
    if isinstance(alert, Refusal):
        return alert
    note = SupplierNote(community_id=rt.community_id,
                        supplier=await supplier_of(session, alert.deal_id),
                        product_name=alert.product_name, deal_id=alert.deal_id,
                        alert_id=alert.id, text=text, written_by=member.id,
                        written_at=rt.clock.now())
    session.add(note)
    await session.flush()
    return note


async def set_supplier(session: AsyncSession, rt: Runtime, deal_id: int, supplier: str
                       ) -> Deal | Refusal:
    """Name a batch's supplier (and the product's usual one, when it has none yet)."""
    supplier = " ".join(supplier.split())
    if not supplier:
        return Refusal.of("supplier_empty")
    if len(supplier) > 120:
        return Refusal.of("supplier_too_long", max=120)
    deal = await session.get(Deal, deal_id)
    if deal is None or deal.community_id != rt.community_id:
        return Refusal.of("deal_not_found", deal=deal_id)
    deal.supplier = supplier
    product = await session.get(Product, deal.product_id)
    if product is not None and product.supplier is None:
        product.supplier = supplier
    return deal
