"""POST /intake/suppliers: the storefront names products' usual suppliers; the reports group
by them, later deals start with them, and a bad body is refused whole."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from groupbot import deals
from groupbot.analytics import cells
from groupbot.analytics.period import last_days
from groupbot.models import Group, Member, Product
from tests.factories import community_with_bot, started
from tests.intake.helpers import SECRET, counts, order_json, post, server_of

intake = pytest.mark.settings(intake_secret=SECRET, intake_port=0)


async def _suppliers_of(rt) -> dict[tuple[int, str], str | None]:
    async with rt.tx() as s:
        return {(p.id, p.name): p.supplier for p in await s.scalars(select(Product))}


@intake
async def test_suppliers_reach_products_reports_and_later_deals(bot):
    c = await community_with_bot(bot, "小明")
    [ming] = c.members
    await started(bot, ming)
    server = server_of(bot)
    assert (await post(server, "/intake/orders", order_json(ming.id, c.group.id)))[0] == 201
    assert (await post(server, "/intake/deliveries", {"external_id": "SHOP-1001"}))[0] == 200

    imported = {"products": [
        {"product": "阳山水蜜桃", "supplier": "无锡阳山果园"},
        {"product": "赣南脐橙", "supplier": "赣南果业合作社", "unit": "斤", "perishable": "否"}]}
    status, body = await post(server, "/intake/suppliers", imported)
    assert status == 200
    peach, orange = body["products"]
    assert {k: peach[k] for k in ("product", "supplier", "created", "updated")} == {
        "product": "阳山水蜜桃", "supplier": "无锡阳山果园", "created": False, "updated": True}
    assert (orange["created"], orange["updated"]) == (True, True)
    async with bot.rt.tx() as s:
        new = await s.get(Product, orange["product_id"])
        assert (new.name, new.unit, new.perishable, new.supplier) == (
            "赣南脐橙", "斤", False, "赣南果业合作社")

    # Sent again: nothing changes.
    before = await counts(bot.rt), await _suppliers_of(bot.rt)
    status, body = await post(server, "/intake/suppliers", imported)
    assert status == 200
    assert [(p["created"], p["updated"]) for p in body["products"]] == [(False, False)] * 2
    assert (await counts(bot.rt), await _suppliers_of(bot.rt)) == before

    # The delivered storefront order is now counted under its supplier.
    async with bot.rt.tx() as s:
        found = await cells.all_figures(s, bot.rt.community_id,
                                        last_days(7, bot.rt.settings.tz, bot.rt.clock.now()), 30)
    assert {f.label: f.units_delivered for f in found["supplier"]} == {
        "无锡阳山果园": 2, "": 1}  # the watermelon has no supplier yet

    # A deal of an imported product starts with its usual supplier; another name without one.
    async with bot.rt.tx() as s:
        group = await s.scalar(select(Group).where(Group.chat_id == c.group.id))
        organizer = await s.scalar(select(Member).where(Member.telegram_id == c.organizer.id))
        made = []
        for name in ("赣南脐橙", "麒麟西瓜"):
            spec = deals.DealSpec(name=name, unit="斤", unit_price=Decimal("6.5"),
                                  closes_at=bot.rt.clock.now() + timedelta(hours=5))
            deal = await deals.create_deal(s, bot.rt, organizer=organizer, group=group,
                                           spec=spec)
            made.append((await s.get(Product, deal.product_id)).supplier)
    assert made == ["赣南果业合作社", None]


@intake
async def test_a_bad_supplier_list_names_every_field_and_writes_nothing(bot):
    await community_with_bot(bot, "小明")
    server = server_of(bot)
    before = await counts(bot.rt), await _suppliers_of(bot.rt)
    status, body = await post(server, "/intake/suppliers", {"products": [
        {"product": "芒果", "supplier": "海南果园"},
        {"product": "沃柑", "supplier": ""},
        {"product": "芒果", "supplier": "广西果园"},
        {"product": "草莓", "supplier": "果" * 121},
    ]})
    assert status == 400
    assert [(e["field"], e["code"]) for e in body["errors"]] == [
        ("products[1].supplier", "required"), ("products[3].supplier", "too_long")]
    # The shape being right, a product named twice is refused too (checked after the fields).
    status, body = await post(server, "/intake/suppliers", {"products": [
        {"product": "芒果", "supplier": "海南果园"}, {"product": "芒果", "supplier": "广西果园"}]})
    assert (status, body["field"], body["code"]) == (400, "products[1].product",
                                                     "duplicate_product")
    assert body["error"] == "“芒果”已在 products[0] 出现过，每个商品只能写一次"
    for empty in ({"products": []}, {}, []):
        status, body = await post(server, "/intake/suppliers", empty)
        assert status == 400, empty
    assert (await counts(bot.rt), await _suppliers_of(bot.rt)) == before
