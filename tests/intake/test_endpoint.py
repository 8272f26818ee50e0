"""The storefront's signed HTTP intake, end to end through the bot and the sandbox."""

from decimal import Decimal

import pytest
from sqlalchemy import select

import messages
from groupbot.intake.server import sign, start_server
from groupbot.models import Order, OrderItem, OutboxMessage, Shipment
from handlers.ticks import tick_now
from tests.factories import community_with_bot, group_row, started
from tests.intake.helpers import SECRET, counts, order_json, post, server_of

intake = pytest.mark.settings(intake_secret=SECRET, intake_port=0)


def t(key, **values):
    return messages.t("zh-Hans", key, **values)


async def tick(bot, **advance):
    if advance:
        bot.clock.advance(**advance)
    await tick_now(bot.app)
    await bot.settle()


@intake
async def test_storefront_order_warns_the_buyer_in_the_group_once(bot):
    c = await community_with_bot(bot, "小明")
    [ming] = c.members
    await started(bot, ming)
    server = server_of(bot)

    status, body = await post(server, "/intake/orders", order_json(ming.id, c.group.id))
    assert (status, body) == (201, {"order_id": 1, "created": True})
    # The bot asked the server to kick a tick after each commit (app.py wires it).
    await server.on_commit()
    # The private confirmation goes out at once, the group warning after the merge window.
    await tick(bot)
    [confirm] = bot.texts(ming)
    assert confirm.startswith("请核对你的订单 #1")
    assert "阳山水蜜桃 × 2斤" in confirm and "麒麟西瓜 × 1个" in confirm
    assert bot.texts(c.group) == []
    await tick(bot, seconds=61)
    [warning] = bot.replies(c.group)
    assert warning["text"].startswith("小明 亲，看到你买了阳山水蜜桃、麒麟西瓜")
    mention = [e for e in warning["entities"] if e["type"] == "text_mention"]
    assert mention and mention[0]["user"]["id"] == ming.id

    # The storefront retries: same order, nothing new is written or sent.
    before = await counts(bot.rt)
    status, body = await post(server, "/intake/orders", order_json(ming.id, c.group.id))
    assert (status, body) == (200, {"order_id": 1, "created": False})
    await tick(bot, seconds=61)
    assert bot.texts(c.group) == [] and bot.texts(ming) == []
    assert await counts(bot.rt) == before
    async with bot.rt.tx() as session:
        [order] = (await session.scalars(select(Order))).all()
        assert (order.source, order.external_id) == ("api", "SHOP-1001")
        # 2 × 25.80 + 39 − 5.00 discount, spread over the lines.
        assert sum(i.paid_minor for i in order.items) == 8560
        assert [(i.product.name, i.product.unit, i.product.perishable) for i in order.items] == [
            ("阳山水蜜桃", "斤", True), ("麒麟西瓜", "个", True)]


@intake
async def test_bad_or_missing_signature_is_401_and_writes_nothing(bot):
    c = await community_with_bot(bot, "小明")
    [ming] = c.members
    server = server_of(bot)
    before = await counts(bot.rt)
    payload = order_json(ming.id, c.group.id)
    for kwargs in ({"secret": "wrong"}, {"signature": ""}, {"signature": "sha256=00ff"},
                   {"signature": "md5=abc"}, {"signature": "sha256=ü"}):
        status, body = await post(server, "/intake/orders", payload, **kwargs)
        assert status == 401, kwargs
        assert body["code"] == "bad_signature" and "X-Groupbot-Signature" in body["error"]
    # A valid signature of another body does not sign this one.
    other = b'{"external_id": "x"}'
    status, _ = await post(server, "/intake/orders", payload, signature=sign(SECRET, other))
    assert status == 401
    await tick(bot, seconds=61)
    assert bot.texts(c.group) == []
    assert await counts(bot.rt) == before


@intake
async def test_shipment_and_delivery_reach_the_member(bot):
    c = await community_with_bot(bot, "小明")
    [ming] = c.members
    await started(bot, ming)
    server = server_of(bot)
    await post(server, "/intake/orders", order_json(ming.id, c.group.id))
    await tick(bot, seconds=61)
    bot.replies(ming), bot.replies(c.group)

    status, body = await post(server, "/intake/shipments", {
        "external_id": "SHOP-1001", "courier": "顺丰", "tracking_number": "SF1234567890"})
    assert (status, body) == (200, {"order_id": 1, "updated": True, "status": "shipped"})
    await tick(bot)
    [notice] = bot.texts(ming)
    assert notice.startswith("📦 你的订单 #1 已发货：顺丰，单号 SF1234567890")
    status, body = await post(server, "/intake/shipments", {
        "external_id": "SHOP-1001", "courier": "顺丰", "tracking_number": "SF1234567890"})
    assert (status, body["updated"]) == (200, False)

    status, body = await post(server, "/intake/deliveries", {"external_id": "SHOP-1001"})
    assert (status, body) == (200, {"order_id": 1, "updated": True, "status": "delivered"})
    await tick(bot)
    [reminder] = bot.texts(ming)
    assert reminder.startswith("🍑 订单 #1 已送达，请现在就检查阳山水蜜桃、麒麟西瓜")
    assert "48小时内" in reminder
    status, body = await post(server, "/intake/deliveries", {"external_id": "SHOP-1001"})
    assert (status, body["updated"]) == (200, False)
    await tick(bot)
    assert bot.texts(ming) == [] and bot.texts(c.group) == []

    for path in ("/intake/shipments", "/intake/deliveries"):
        status, body = await post(server, path, {
            "external_id": "NOPE", "courier": "顺丰", "tracking_number": "SF1"})
        assert (status, body["field"], body["code"]) == (404, "external_id", "unknown_order")


@intake
async def test_a_member_who_never_started_is_told_in_the_group(bot):
    c = await community_with_bot(bot, "小明")
    [ming] = c.members
    server = server_of(bot)
    await post(server, "/intake/orders", order_json(ming.id, c.group.id))
    await tick(bot, seconds=61)
    assert bot.texts(ming) == []
    [warning] = bot.texts(c.group)
    await post(server, "/intake/shipments", {
        "external_id": "SHOP-1001", "courier": "顺丰", "tracking_number": "SF99"})
    await tick(bot)
    [notice] = bot.replies(c.group)
    assert "你的订单 #1 已发货" in notice["text"]
    assert [e["user"]["id"] for e in notice["entities"] if e["type"] == "text_mention"] == [
        ming.id]


# --- the same server on a bare runtime: fast checks of every refusal ---------------------


@pytest.fixture
async def server(runtime):
    runtime.settings = runtime.settings.replace(intake_secret=SECRET)
    async with runtime.tx() as session:
        await group_row(runtime, session, chat_id=-1001)
    commits = []
    srv = await start_server(runtime, on_commit=lambda: commits.append(1), port=0)
    srv.commits = commits
    try:
        yield srv
    finally:
        await srv.stop()


def _item(**changes):
    item = {"product": "阳山水蜜桃", "quantity": 2, "unit_price": "25.80"}
    item.update(changes)
    return item


def _without(body, key):
    return {k: v for k, v in body.items() if k != key}


MALFORMED = [
    # (what the storefront sent, the field named, the code)
    (lambda b: _without(b, "external_id"), "external_id", "required"),
    (lambda b: {**b, "external_id": "x" * 101}, "external_id", "too_long"),
    (lambda b: _without(b, "member"), "member", "required"),
    (lambda b: {**b, "member": "小明"}, "member", "not_an_object"),
    (lambda b: {**b, "member": {"telegram_id": "abc", "first_name": "小明"}},
     "member.telegram_id", "not_an_integer"),
    (lambda b: {**b, "member": {"telegram_id": -5, "first_name": "小明"}},
     "member.telegram_id", "too_small"),
    (lambda b: {**b, "member": {"telegram_id": 42, "first_name": " "}},
     "member.first_name", "required"),
    (lambda b: {**b, "group_chat_id": "群"}, "group_chat_id", "not_an_integer"),
    (lambda b: {**b, "group_chat_id": -100999}, "group_chat_id", "unknown_group"),
    (lambda b: {**b, "discount": "五元"}, "discount", "not_an_amount"),
    (lambda b: {**b, "discount": "-1"}, "discount", "negative"),
    (lambda b: {**b, "discount": "500"}, "discount", "order_discount_too_big"),
    (lambda b: _without(b, "items"), "items", "required"),
    (lambda b: {**b, "items": []}, "items", "no_items"),
    (lambda b: {**b, "items": {"product": "桃"}}, "items", "not_a_list"),
    (lambda b: {**b, "items": ["桃"]}, "items[0]", "not_an_object"),
    (lambda b: {**b, "items": [_item(product="")]}, "items[0].product", "required"),
    (lambda b: {**b, "items": [_item(), _item(quantity=0)]}, "items[1].quantity", "too_small"),
    (lambda b: {**b, "items": [_item(quantity="两")]}, "items[0].quantity", "not_an_integer"),
    (lambda b: {**b, "items": [_item(quantity=True)]}, "items[0].quantity", "not_an_integer"),
    (lambda b: {**b, "items": [_item(unit_price="12.3.4")]}, "items[0].unit_price",
     "not_an_amount"),
    (lambda b: {**b, "items": [_item(unit_price=25.8)]}, "items[0].unit_price",
     "amount_not_string"),
    (lambda b: {**b, "items": [_item(unit_price="1.234567")]}, "items[0].unit_price",
     "too_many_decimals"),
    (lambda b: {**b, "items": [_item(discount="0.001")]}, "items[0].discount",
     "too_many_decimals"),
    (lambda b: {**b, "items": [_item(), _item(discount="60")]}, "items[1].discount",
     "line_discount_too_big"),
    (lambda b: {**b, "items": [_item(perishable="maybe")]}, "items[0].perishable",
     "not_a_boolean"),
    (lambda b: {**b, "items": [_item(unit="斤" * 40)]}, "items[0].unit", "too_long"),
]


async def test_each_malformed_field_is_a_400_naming_it_and_writes_nothing(server, runtime):
    before = await counts(runtime)
    good = order_json(42, -1001)
    for change, field, code in MALFORMED:
        status, body = await post(server, "/intake/orders", change(good))
        assert (status, body["field"], body["code"]) == (400, field, code), (field, body)
        assert body["error"] and body["errors"][0]["field"] == field
    status, body = await post(server, "/intake/orders", raw=b'{"external_id": ')
    assert (status, body["field"], body["code"]) == (400, None, "bad_json")
    status, body = await post(server, "/intake/orders", raw=b'[1, 2]')
    assert (status, body["field"], body["code"]) == (400, None, "not_an_object")
    status, body = await post(server, "/intake/orders", raw=b'{"discount": NaN}')
    assert (status, body["code"]) == (400, "bad_json")
    for path, payload, field in [
        ("/intake/shipments", {"external_id": "A", "courier": "顺丰"}, "tracking_number"),
        ("/intake/shipments", {"external_id": "A", "courier": 7, "tracking_number": "1"},
         "courier"),
        ("/intake/deliveries", {"external_id": ""}, "external_id"),
    ]:
        status, body = await post(server, path, payload)
        assert (status, body["field"]) == (400, field)
    assert await counts(runtime) == before
    assert server.commits == []


async def test_error_texts_are_the_catalogs(server):
    bad = order_json(42, -1001, items=[_item(unit_price="12.3.4")])
    _, body = await post(server, "/intake/orders", bad)
    assert body["error"] == "“12.3.4”不是有效金额"
    _, body = await post(server, "/intake/orders", order_json(42, -7))
    assert body["error"] == "机器人不在 chat id 为 -7 的群里（请先把机器人拉进群）"


async def test_several_problems_are_all_listed_first_one_on_top(server):
    bad = order_json(42, -1001, discount="x", items=[_item(quantity=0, unit_price="?")])
    status, body = await post(server, "/intake/orders", bad)
    assert status == 400 and body["field"] == "discount"
    assert [e["field"] for e in body["errors"]] == [
        "discount", "items[0].quantity", "items[0].unit_price"]


async def test_on_commit_is_called_only_when_something_was_written(server, runtime):
    status, _ = await post(server, "/intake/orders", order_json(42, -1001))
    assert status == 201 and server.commits == [1]
    status, _ = await post(server, "/intake/orders", order_json(42, -1001))
    assert status == 200 and server.commits == [1]
    status, _ = await post(server, "/intake/deliveries", {"external_id": "SHOP-1001"})
    assert status == 200 and server.commits == [1, 1]
    async with runtime.tx() as session:
        kinds = sorted((await session.scalars(select(OutboxMessage.kind))).all())
    # 42 never opened a private chat: the notices go to the group; the confirmation waits.
    assert kinds == ["order_claim_reminder", "order_delivered", "order_warning"]


async def test_existing_products_are_reused_and_amounts_stay_exact(server, runtime):
    await post(server, "/intake/orders", order_json(42, -1001))
    body = order_json(43, -1001, external_id="SHOP-1002", discount="0.01", items=[
        _item(unit_price="0.3333", quantity=3), _item(product="大闸蟹", perishable="false",
                                                      unit_price="88", quantity=1)])
    status, answer = await post(server, "/intake/orders", body)
    assert status == 201
    async with runtime.tx() as session:
        order = await session.get(Order, answer["order_id"])
        lines = [(i.product.name, i.product.unit, i.product.perishable, i.paid_minor)
                 for i in order.items]
    # 3 × 0.3333 = 0.9999 → ¥1.00; the cent of discount goes to the larger line.
    assert lines == [("阳山水蜜桃", "斤", True, 100), ("大闸蟹", "份", False, 8799)]
    assert Decimal(sum(line[3] for line in lines)) == Decimal(8899)


# --- a known external id sent again ----------------------------------------------------


def _changed(**item_changes):
    body = order_json(42, -1001, discount="6.00")
    body["items"][0].update(item_changes)
    return body


async def test_a_changed_order_is_409_naming_each_field_and_nothing_changes(server):
    assert (await post(server, "/intake/orders", order_json(42, -1001)))[0] == 201
    before = await counts(server.rt)
    status, body = await post(server, "/intake/orders", _changed(quantity=3))
    assert status == 409
    assert [(e["field"], e["code"], e["error"]) for e in body["errors"]] == [
        ("discount", "differs_from_order",
         t("intake.error.differs_from_order", order=1, value="6.00", stored="5.00")),
        ("items[0].quantity", "differs_from_order",
         t("intake.error.differs_from_order", order=1, value="3", stored="2")),
    ]
    assert (body["field"], body["code"]) == ("discount", "differs_from_order")
    status, body = await post(server, "/intake/orders", order_json(
        43, -1001, items=order_json(42, -1001)["items"][:1]))
    assert status == 409
    assert [(e["field"], e["error"]) for e in body["errors"]] == [
        ("member.telegram_id", t("intake.error.differs_from_order", order=1, value="43",
                                 stored="42")),
        ("items", t("intake.error.items_differ", order=1, count=1, stored=2))]
    assert await counts(server.rt) == before
    async with server.rt.tx() as session:
        assert list(await session.scalars(select(OrderItem.quantity).order_by(OrderItem.id))) == [
            2, 1]
    # The storefront's retry of what it sent first is still a quiet 200.
    assert await post(server, "/intake/orders", order_json(42, -1001)) == (
        200, {"order_id": 1, "created": False})
    assert server.commits == [1]


async def test_a_second_tracking_number_is_409_not_dropped(server):
    await post(server, "/intake/orders", order_json(42, -1001))
    shipped = {"external_id": "SHOP-1001", "courier": "顺丰", "tracking_number": "SF1"}
    assert (await post(server, "/intake/shipments", shipped))[0] == 200
    assert (await post(server, "/intake/shipments", shipped)) == (
        200, {"order_id": 1, "updated": False, "status": "shipped"})
    status, body = await post(server, "/intake/shipments", {**shipped, "tracking_number": "SF2"})
    assert status == 409
    assert [(e["field"], e["error"]) for e in body["errors"]] == [
        ("tracking_number", t("intake.error.differs_from_order", order=1, value="SF2",
                              stored="SF1"))]
    async with server.rt.tx() as session:
        assert list(await session.scalars(select(Shipment.tracking_number))) == ["SF1"]
