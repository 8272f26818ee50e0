"""The logistics watch: a parcel not delivered after its courier's stall hours is checked with
the courier before the member asks (with a 还没收到 button that opens a missing-parcel
claim), organizers list them with /stalled, the storefront reports exceptions, /track N."""

import asyncio

import pytest
from sqlalchemy import func, select

from groupbot.models import Claim, OutboxMessage
from groupbot.models.resolutions import ParcelWatch
from groupbot.resolutions import watch
from handlers.ticks import tick_now
from tests.intake.helpers import SECRET, order_json, post, server_of
from tests.resolutions.helpers import SETTINGS, cast, order_of, organizer, t
from tests.reviews.helpers import card_in

pytestmark = pytest.mark.settings(**SETTINGS)


async def _later(bot, **delta):
    bot.clock.advance(**delta)
    await tick_now(bot.app)
    await bot.settle()


async def test_a_stalled_parcel_is_checked_listed_tracked_and_claimed(bot):
    c = cast(bot)
    wang = await organizer(bot)
    order_id = await order_of(bot, c.ming, deliver=False)
    bot.replies(c.ming)
    await _later(bot, hours=71, minutes=59)
    assert bot.texts(c.ming) == []
    await bot.say(c.ming, f"/track {order_id}")
    assert bot.htmls(c.ming) == [t("resolutions.track.card", order=order_id, courier="顺丰",
                                   tracking="SF1234567890", since="2 天 23 小时",
                                   status="运输中")]
    await _later(bot, minutes=1)
    [notice] = bot.replies(c.ming)
    assert notice["html"] == t("resolutions.watch.stalled", order=order_id, courier="顺丰",
                               tracking="SF1234567890", hours=72)
    assert [label for label, _ in bot.sb.buttons(notice)] == ["📭 还没收到"]
    await _later(bot, hours=24)
    assert bot.texts(c.ming) == []  # told once
    await bot.say(wang, "/stalled")
    assert bot.htmls(wang) == ["\n".join([
        t("resolutions.stalled.title", count=1),
        t("resolutions.stalled.item", order=order_id, courier="顺丰", tracking="SF1234567890",
          since="4 天 0 小时", status=t("resolutions.track.state.stalled"))])]
    await bot.say(c.ming, f"/track {order_id}")
    assert "状态：运输时间过长，正在和快递核实" in bot.texts(c.ming)[0]
    await bot.tap_label(c.ming, notice, "还没收到")
    [submitted] = bot.texts(c.ming)
    assert submitted.startswith("✅ 已提交售后申请 #1，预计退款 ¥50.00。")
    await tick_now(bot.app)
    await bot.settle()
    card = card_in(bot, c.room, 1)
    assert "问题：包裹未收到" in card["text"] and "计算退款：¥50.00" in card["text"]
    assert bot.sb.buttons(notice) == []  # the button is gone; an old copy's tap finds the claim
    from handlers.common import keyboard

    await bot.app.bot.send_message(c.ming.id, "#", reply_markup=keyboard(
        [[("📭", f"rs:nr:{order_id}")]]))
    [copy] = bot.replies(c.ming)
    query = await bot.sb.tap(c.ming, copy, f"rs:nr:{order_id}")
    await bot.settle()
    assert bot.sb.answer_of(query)["text"] == t("resolutions.watch.already_claimed", claim=1)
    assert bot.texts(c.ming) == []
    async with bot.rt.tx() as s:
        assert await s.scalar(select(func.count(Claim.id))) == 1
    # The reviewer sends it again instead of refunding.
    await bot.tap(c.li, card, "rv:rs:1")
    async with bot.rt.tx() as s:
        assert (await s.get(Claim, 1)).status == "reshipped"


@pytest.mark.settings(**{**SETTINGS, "courier_stall_hours": "顺丰=24, EMS=120"})
async def test_stall_hours_are_per_courier(bot):
    c = cast(bot)
    sf = await order_of(bot, c.ming, deliver=False)
    ems = await order_of(bot, c.ming, deliver=False, courier="EMS", tracking="1123456789012")
    other = await order_of(bot, c.ming, deliver=False, courier="中通", tracking="731234567890")
    bot.replies(c.ming)
    await _later(bot, hours=24)
    assert bot.htmls(c.ming) == [t("resolutions.watch.stalled", order=sf, courier="顺丰",
                                   tracking="SF1234567890", hours=24)]
    await _later(bot, hours=48)
    assert bot.htmls(c.ming) == [t("resolutions.watch.stalled", order=other, courier="中通",
                                   tracking="731234567890", hours=72)]
    await _later(bot, hours=48)
    assert bot.htmls(c.ming) == [t("resolutions.watch.stalled", order=ems, courier="EMS",
                                   tracking="1123456789012", hours=120)]


async def test_a_parcel_claim_before_the_stall_hours_or_after_delivery_is_refused(bot):
    c = cast(bot)
    order_id = await order_of(bot, c.ming, deliver=False)
    delivered = await order_of(bot, c.ming)
    bot.replies(c.ming)
    from handlers.common import keyboard

    for target in (order_id, delivered):
        await bot.app.bot.send_message(c.ming.id, "#", reply_markup=keyboard(
            [[("📭", f"rs:nr:{target}")]]))
    early, late = bot.replies(c.ming)
    query = await bot.sb.tap(c.ming, early, f"rs:nr:{order_id}")
    await bot.settle()
    assert bot.sb.answer_of(query)["text"] == t("resolutions.refuse.parcel_not_stalled",
                                                hours=72)
    query = await bot.sb.tap(c.ming, late, f"rs:nr:{delivered}")
    await bot.settle()
    assert bot.sb.answer_of(query)["text"] == t("resolutions.refuse.parcel_arrived")


async def test_track_in_myorders_and_for_someone_else(bot):
    c = cast(bot)
    order_id = await order_of(bot, c.ming)
    bot.replies(c.ming)
    await bot.say(c.ming, "/myorders")
    _title, card = bot.replies(c.ming)
    await bot.tap_label(c.ming, card, "查看物流")
    assert bot.htmls(c.ming) == [t("resolutions.track.card", order=order_id, courier="顺丰",
                                   tracking="SF1234567890", since="0 天 0 小时",
                                   status="已送达")]
    xiao = bot.sb.add_user("小萧", language_code="zh-hans", started=True)
    await bot.say(xiao, f"/track {order_id}")
    assert bot.htmls(xiao) == [t("orders.not_found", order=order_id)]
    await bot.say(xiao, "/track")
    assert bot.htmls(xiao) == [t("resolutions.track.usage")]


@pytest.mark.settings(**SETTINGS, intake_secret=SECRET, intake_port=0)
async def test_the_storefront_reports_delivery_exceptions(bot):
    from tests.factories import community_with_bot, started

    community = await community_with_bot(bot, "小明")
    [ming] = community.members
    await started(bot, ming)
    server = server_of(bot)
    assert (await post(server, "/intake/orders", order_json(ming.id, community.group.id)))[0] == 201
    status, _ = await post(server, "/intake/shipments", {
        "external_id": "SHOP-1001", "courier": "顺丰", "tracking_number": "SF1234567890123"})
    assert status == 200
    await tick_now(bot.app)
    await bot.settle()
    bot.replies(ming)
    body = {"external_id": "SHOP-1001", "kind": "lost", "note": "分拣中心丢件"}
    assert await post(server, "/intake/exceptions", body) == (
        200, {"order_id": 1, "updated": True, "kind": "lost"})
    await tick_now(bot.app)
    await bot.settle()
    [lost] = bot.replies(ming)
    assert lost["html"] == t("resolutions.watch.exception.lost", order=1,
                             note=t("resolutions.watch.note", note="分拣中心丢件"))
    assert [label for label, _ in bot.sb.buttons(lost)] == ["📭 还没收到"]
    # Sent again: nothing new.
    assert await post(server, "/intake/exceptions", body) == (
        200, {"order_id": 1, "updated": False, "kind": "lost"})
    status, error = await post(server, "/intake/exceptions", {**body, "kind": "stolen"})
    assert (status, error["code"], error["field"]) == (400, "unknown_exception", "kind")
    status, error = await post(server, "/intake/exceptions", {**body, "external_id": "NOPE"})
    assert status == 404
    # Lost: the member may claim at once, without waiting for the stall hours.
    await bot.tap_label(ming, lost, "还没收到")
    assert bot.texts(ming)[0].startswith("✅ 已提交售后申请 #1，预计退款 ¥85.60。")
    async with bot.rt.tx() as s:
        row = await s.scalar(select(ParcelWatch))
        assert (row.exception, row.note) == ("lost", "分拣中心丢件")


async def test_two_watchers_at_once_tell_the_member_once(bot):
    c = cast(bot)
    await order_of(bot, c.ming, deliver=False)
    bot.clock.advance(hours=73)
    from handlers.sender import TelegramSender

    sender = TelegramSender(bot.app.bot)
    if bot.settings.database_url.startswith("postgresql"):  # two processes' ticks at once
        await asyncio.gather(watch.stall_watch(bot.rt, sender), watch.stall_watch(bot.rt, sender))
    else:  # SQLite has one writer and one process (whose ticks never overlap): one after the other
        await watch.stall_watch(bot.rt, sender)
        await watch.stall_watch(bot.rt, sender)
    async with bot.rt.tx() as s:
        assert await s.scalar(select(func.count(ParcelWatch.id))) == 1
        assert await s.scalar(select(func.count(OutboxMessage.id)).where(
            OutboxMessage.kind == "order_stalled")) == 1
