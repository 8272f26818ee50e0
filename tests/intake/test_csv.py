"""``groupbot orders import|ship FILE.csv``: all or nothing, every bad row named."""

import asyncio

import pytest
from sqlalchemy import select

from groupbot import notify
from groupbot.cli import main
from groupbot.db import make_engine, upgrade
from groupbot.intake import csvfile
from groupbot.models import Order, OutboxMessage
from groupbot.runtime import Runtime
from groupbot.settings import Settings
from tests.factories import group_row
from tests.intake.helpers import counts

HEADER = ("external_id,telegram_id,first_name,group_chat_id,product,unit,perishable,quantity,"
          "unit_price,discount,order_discount\n")
GOOD = HEADER + (
    "A-1,42,小明,-1001,阳山水蜜桃,斤,true,2,25.80,,5.00\n"
    "A-1,,,,麒麟西瓜,个,,1,39,0,\n"
    "A-2,43,小红,-1001,阳山水蜜桃,斤,是,1,25.80,,\n"
    "\n"
    "A-3,44,Bob,-1001,大闸蟹,,false,4,12.5,1.00,\n"
)


def write(tmp_path, text, name="orders.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def problems(outcome, locale="en"):
    return list(csvfile.explain(locale, outcome.errors))


@pytest.fixture
async def rt(runtime):
    async with runtime.tx() as session:
        await group_row(runtime, session, chat_id=-1001)
    runtime.bot_username = "groupbot_test_bot"
    return runtime


async def test_a_good_file_imports_every_order_once(rt, tmp_path):
    path = write(tmp_path, GOOD)
    outcome = await csvfile.import_orders(rt, path)
    assert (outcome.errors, outcome.done, outcome.already) == ([], 3, 0)
    async with rt.tx() as session:
        orders = (await session.scalars(select(Order).order_by(Order.id))).all()
        summary = [(o.external_id, o.source, [(i.product.name, i.quantity) for i in o.items],
                    sum(i.paid_minor for i in o.items)) for o in orders]
        warnings = [(await notify.render_row(session, rt, row))[0] for row in (
            await session.scalars(
                select(OutboxMessage).where(OutboxMessage.kind == "order_warning"))).all()]
    assert summary == [
        ("A-1", "csv", [("阳山水蜜桃", 2), ("麒麟西瓜", 1)], 8560),
        ("A-2", "csv", [("阳山水蜜桃", 1)], 2580),
        ("A-3", "csv", [("大闸蟹", 4)], 4900),
    ]
    # The bot sends these at its next tick; the crabs are not perishable: no warning.
    assert len(warnings) == 2 and "阳山水蜜桃、麒麟西瓜" in warnings[0]

    before = await counts(rt)
    again = await csvfile.import_orders(rt, path)
    assert (again.errors, again.done, again.already) == ([], 0, 3)
    assert await counts(rt) == before


async def test_two_bad_rows_are_both_reported_and_nothing_is_imported(rt, tmp_path):
    path = write(tmp_path, HEADER + (
        "A-1,42,小明,-1001,阳山水蜜桃,斤,true,2,25.80,,\n"
        "A-2,43,小红,-1001,阳山水蜜桃,斤,,1,25.80,,\n"
        "A-3,44,Bob,-1001,大闸蟹,,,1,12.3.4,,\n"
        "A-4,45,Ann,-1001,大闸蟹,,,1,12,,\n"
        "A-5,46,Joe,-1001,大闸蟹,,,两,12,,\n"
    ))
    before = await counts(rt)
    outcome = await csvfile.import_orders(rt, path)
    assert problems(outcome) == [
        'line 4: unit_price: "12.3.4" is not an amount',
        'line 6: quantity: "两" is not a whole number',
    ]
    assert problems(outcome, "zh-Hans")[0] == "第 4 行：unit_price：“12.3.4”不是有效金额"
    assert (outcome.done, outcome.already) == (0, 0)
    assert await counts(rt) == before


async def test_problems_across_rows_of_one_order_and_with_the_database(rt, tmp_path):
    path = write(tmp_path, HEADER + (
        "A-1,42,小明,-1001,阳山水蜜桃,斤,true,2,25.80,,100\n"  # discount over the total
        "A-2,43,小红,-1001,阳山水蜜桃,斤,,1,25.80,,\n"
        "A-2,44,,,麒麟西瓜,个,,1,39,,1\n"  # another member, a second order discount
        "A-3,44,Bob,-999,大闸蟹,,,1,12,13,\n"  # line discount over the line
        "A-4,45,Ann,-999,大闸蟹,,maybe,1,12,,\n"
        "A-5,46,Joe,-999,大闸蟹,,,1,12,,\n"  # a group the bot is not in
        ",47,Kim,-1001,大闸蟹,,,1,12,,\n"
    ))
    before = await counts(rt)
    outcome = await csvfile.import_orders(rt, path)
    assert problems(outcome) == [
        "line 2: order_discount: is more than the order total ¥51.60",
        'line 4: telegram_id: is "44", but line 3 of the same order says otherwise',
        "line 4: order_discount: belongs only on the first row of the order (line 3)",
        "line 5: discount: is more than the item's total ¥12.00",
        'line 6: perishable: "maybe" is not true or false',
        "line 7: group_chat_id: the bot is not in a group with chat id -999 "
        "(add the bot to the group first)",
        "line 8: external_id: is required",
    ]
    assert await counts(rt) == before


async def test_a_missing_column_or_an_unreadable_file(rt, tmp_path):
    path = write(tmp_path, "external_id,telegram_id,first_name,product,quantity\nA,1,x,桃,1\n")
    outcome = await csvfile.import_orders(rt, path)
    assert problems(outcome) == [
        "line 1: group_chat_id: the column is missing from the header row",
        "line 1: unit_price: the column is missing from the header row",
    ]
    with pytest.raises(csvfile.CsvFileError):
        await csvfile.import_orders(rt, tmp_path / "nope.csv")


async def test_dry_run_and_an_excel_gb18030_file(rt, tmp_path):
    path = write(tmp_path, GOOD, encoding="gb18030")
    before = await counts(rt)
    outcome = await csvfile.import_orders(rt, path, dry_run=True)
    assert (outcome.errors, outcome.done, outcome.dry_run) == ([], 3, True)
    assert await counts(rt) == before
    outcome = await csvfile.import_orders(rt, path)
    assert outcome.done == 3


async def test_shipping_updates_by_csv_all_or_nothing(rt, tmp_path):
    await csvfile.import_orders(rt, write(tmp_path, GOOD))
    bad = write(tmp_path, "external_id,courier,tracking_number\n"
                          "A-1,顺丰,SF1\nA-2,,SF2\nNOPE,顺丰,SF3\n", name="bad.csv")
    outcome = await csvfile.ship_orders(rt, bad)
    assert problems(outcome) == [
        "line 3: courier: is required",
        'line 4: external_id: there is no order with external id "NOPE"',
    ]
    async with rt.tx() as session:
        statuses = (await session.scalars(select(Order.status))).all()
    assert set(statuses) == {"placed"}

    good = write(tmp_path, "External_ID, Courier ,tracking_number\n"
                           "A-1,顺丰,SF1\nA-2,中通,ZT2\n", name="good.csv")
    outcome = await csvfile.ship_orders(rt, good)
    assert (outcome.errors, outcome.done, outcome.already) == ([], 2, 0)
    outcome = await csvfile.ship_orders(rt, good)
    assert (outcome.errors, outcome.done, outcome.already) == ([], 0, 2)
    async with rt.tx() as session:
        notices = [(await notify.render_row(session, rt, row))[0] for row in (
            await session.scalars(select(OutboxMessage).where(
                OutboxMessage.kind == "order_shipped").order_by(OutboxMessage.id))).all()]
    assert len(notices) == 2 and "SF1" in notices[0] and "中通" in notices[1]


async def test_a_changed_order_in_a_file_is_a_problem_on_its_lines(rt, tmp_path):
    assert (await csvfile.import_orders(rt, write(tmp_path, GOOD))).ok
    before = await counts(rt)
    changed = write(tmp_path, HEADER + (
        "A-1,42,小明,-1001,阳山水蜜桃,斤,true,2,25.80,,5.00\n"
        "A-1,,,,麒麟西瓜,个,,3,39,0,\n"  # the watermelon's quantity corrected afterwards
        "A-2,43,小红,-1001,阳山水蜜桃,斤,是,1,25.80,,\n"
    ), name="changed.csv")
    outcome = await csvfile.import_orders(rt, changed)
    assert problems(outcome) == [
        'line 3: quantity: is "3", but order #1 has "1" (a known order is not changed)']
    assert await counts(rt) == before


# --- the command itself (its own engine, so SQLite only) -------------------------------------


async def _prepare(url: str) -> None:
    engine = make_engine(url)
    await upgrade(engine)
    rt = Runtime.create(Settings(database_url=url), engine=engine)
    async with rt.tx() as session:
        await group_row(rt, session, chat_id=-1001)
    await engine.dispose()


async def _links(url: str) -> list:
    engine = make_engine(url)
    rt = Runtime.create(Settings(database_url=url), engine=engine)
    async with rt.tx() as session:
        rows = (await session.scalars(
            select(OutboxMessage.buttons).where(OutboxMessage.kind == "order_warning"))).all()
    await engine.dispose()
    return [button[1] for row in rows for line in row for button in line]


def test_the_command_prints_in_the_default_locale(tmp_path, monkeypatch, capsys):
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.chdir(tmp_path)
    for name in ("GROUPBOT_CONFIG", "GROUPBOT_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GROUPBOT_DATABASE_URL", url)
    monkeypatch.setenv("GROUPBOT_DEFAULT_LOCALE", "en")
    asyncio.run(_prepare(url))
    bad = write(tmp_path, GOOD.replace("2,25.80", "2,12.3.4"), name="bad.csv")
    assert main(["orders", "import", str(bad)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == ['line 2: unit_price: "12.3.4" is not an amount',
                   f"1 problem(s) in {bad}: nothing was written."]

    good = write(tmp_path, GOOD)
    # No token and no --bot-username: the links in the warnings could not be made.
    assert main(["orders", "import", str(good)]) == 1
    assert "--bot-username" in capsys.readouterr().err
    assert main(["orders", "import", str(good), "--dry-run"]) == 0
    assert capsys.readouterr().out.startswith("Dry run: 3 order(s) would be created")
    assert main(["orders", "import", str(good), "--bot-username", "@shop_bot"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "3 order(s) created, 0 already present.",
        "The members' messages are queued; the bot sends them at its next tick."]
    assert main(["orders", "import", str(good), "--bot-username", "shop_bot"]) == 0
    assert capsys.readouterr().out == "0 order(s) created, 3 already present.\n"
    assert asyncio.run(_links(url)) == [
        "https://t.me/shop_bot?start=o1", "https://t.me/shop_bot?start=o2"]

    ship = write(tmp_path, "external_id,courier,tracking_number\nA-1,顺丰,SF1\n", name="s.csv")
    monkeypatch.setenv("GROUPBOT_DEFAULT_LOCALE", "zh-Hans")
    assert main(["orders", "ship", str(ship), "--bot-username", "shop_bot"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "1 个订单标记为已发货，0 个此前已发货。"
    assert main(["orders", "import", str(tmp_path / "missing.csv")]) == 1
    assert capsys.readouterr().err.startswith(f"无法读取 {tmp_path / 'missing.csv'}：")
