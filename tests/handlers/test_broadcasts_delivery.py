"""Broadcast delivery: members and deal targets, scheduling, the progress message and the
report with a blocked member, a migrated group, a kicked bot and a 429; restarts."""

import asyncio
import re

import pytest
from sqlalchemy import select

from groupbot.models import Group, Member
from handlers.ticks import tick_now
from tests.broadcasts.helpers import (
    compose_text,
    finish_delivery,
    got,
    organizer_with_groups,
    send_now,
    started_members,
    t,
)
from tests.factories import started


async def wait_for(predicate, limit: float = 20.0) -> None:
    """Wait for the bot's work (not for time: the clock is frozen)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while not predicate():
        if loop.time() > deadline:
            raise TimeoutError("condition not reached")
        await asyncio.sleep(0.02)


def progress_of(bot, chat) -> str:
    return next(m["text"] for m in bot.sb.bot_messages(chat) if "群发 #1" in (m["text"] or "")
                and ("发送中" in m["text"] or "已发完" in m["text"]))


async def test_members_who_started_and_the_members_of_a_deal(bot):
    c, _groups = await organizer_with_groups(bot, members=("小明", "小红", "小刚"))
    wang, (ming, hong, gang) = c.organizer, c.members
    await started(bot, ming, hong)
    await bot.say(wang, "/deal 阳山水蜜桃 25.8/斤 20:00", chat=c.group)
    [card] = bot.replies(c.group)
    await bot.tap_label(ming, card, "接龙 1")
    await bot.tap_label(gang, card, "接龙 1")  # never opened the bot: cannot be messaged
    for person in (wang, ming, hong, gang):
        bot.replies(person)

    screen = await compose_text(bot, wang, "桃子明天到")
    await bot.tap_label(wang, screen, "某个接龙的下单成员")
    [deals] = bot.replies(wang)
    assert [label for label, _ in bot.sb.buttons(deals)] == ["#1 阳山水蜜桃（2 人）", "✖ 取消"]
    await bot.tap_label(wang, deals, "阳山水蜜桃")
    _preview, review = bot.replies(wang)
    target = t("broadcasts.target.deal", deal=1, product="阳山水蜜桃", members=1) + t(
        "broadcasts.unreachable", count=1)
    assert review["html"] == t("broadcasts.review", target=target, count=1)
    await bot.tap_label(wang, review, "立即发送")
    await bot.tap_label(wang, bot.last(wang), "确认")
    await finish_delivery(bot)
    assert bot.htmls(ming) == ["桃子明天到"]
    assert bot.htmls(hong) == [] and bot.htmls(gang) == []

    bot.replies(wang)
    screen = await compose_text(bot, wang, "今晚停水，明早取货")
    assert "私聊过机器人的全部成员（3）" in [label for label, _ in bot.sb.buttons(screen)]
    await send_now(bot, wang, screen, "私聊过机器人的全部成员")
    await finish_delivery(bot)
    assert bot.htmls(ming) == ["今晚停水，明早取货"] and bot.htmls(hong) == ["今晚停水，明早取货"]
    assert bot.htmls(gang) == [] and bot.htmls(c.group) == []
    assert "今晚停水，明早取货" in bot.htmls(wang)  # the organizer started the bot too


async def test_schedule_reschedule_list_and_cancel(bot):
    c, [group] = await organizer_with_groups(bot)
    wang = c.organizer
    screen = await compose_text(bot, wang, "周六 9 点开团")
    await bot.tap_label(wang, screen, "全部群")
    _preview, review = bot.replies(wang)
    await bot.tap_label(wang, review, "定时发送")
    assert bot.htmls(wang) == [t("broadcasts.ask_when", tz="Asia/Shanghai")]
    await bot.say(wang, "下周吧")
    assert bot.htmls(wang) == [t("broadcasts.error.when_bad", value="下周吧")]
    await bot.say(wang, "2026-11-19 18:00")  # it is 2026-11-20 10:00 in Shanghai
    assert bot.htmls(wang) == [t("broadcasts.error.when_past", when="2026-11-19 18:00")]
    await bot.say(wang, "明天 18:00")
    [confirm] = bot.replies(wang)
    assert confirm["html"] == t("broadcasts.confirm_at", when="2026-11-21 18:00",
                                tz="Asia/Shanghai",
                                target=t("broadcasts.target.all_groups", groups=1))
    await bot.tap_label(wang, confirm, "确认")
    assert bot.htmls(wang) == [t("broadcasts.scheduled", id=1, when="2026-11-21 18:00")]
    assert bot.sb.buttons(bot.sb.bot_messages(wang)[-2]) == []  # the confirm buttons went

    await bot.say(wang, "/broadcasts")
    [listing] = bot.replies(wang)
    status = t("broadcasts.status.scheduled", when="2026-11-21 18:00")
    assert listing["html"] == t("broadcasts.list_title") + "\n\n" + t(
        "broadcasts.list_line", id=1, status=status, target=t("broadcasts.target_short.all_groups"),
        snippet="周六 9 点开团")
    await bot.tap_label(wang, listing, "改时间 #1")
    assert bot.htmls(wang) == [t("broadcasts.ask_reschedule", id=1, tz="Asia/Shanghai")]
    await bot.say(wang, "11-21 20:00")
    assert bot.htmls(wang) == [t("broadcasts.rescheduled", id=1, when="2026-11-21 20:00")]

    bot.clock.advance(hours=33, minutes=59)  # 19:59 on the 21st: not yet
    await finish_delivery(bot)
    assert bot.htmls(group) == []
    bot.clock.advance(minutes=1)
    await finish_delivery(bot)
    assert bot.htmls(group) == ["周六 9 点开团"]
    # Once sent it can no longer be cancelled; a second scheduled one can.
    query = await bot.tap_label(wang, listing, "取消 #1")
    assert bot.sb.answer_of(query)["text"] == t("broadcasts.error.already_finished", id=1)
    bot.replies(wang)
    screen = await compose_text(bot, wang, "周日休息")
    await bot.tap_label(wang, screen, "全部群")
    _preview, review = bot.replies(wang)
    await bot.tap_label(wang, review, "定时发送")
    await bot.say(wang, "tomorrow 09:00")
    await bot.tap_label(wang, bot.last(wang), "确认")
    bot.replies(wang)
    await bot.say(wang, "/broadcasts")
    [listing] = bot.replies(wang)
    assert [label for label, _ in bot.sb.buttons(listing)] == ["✖ 取消 #2", "🕒 改时间 #2"]
    await bot.tap_label(wang, listing, "取消 #2")
    assert bot.htmls(wang) == [t("broadcasts.cancelled_id", id=2, sent=0)]
    bot.clock.advance(days=1)
    await finish_delivery(bot)
    assert bot.htmls(group) == []
    query = await bot.tap_label(wang, listing, "改时间 #2")
    assert bot.sb.answer_of(query)["text"] == t("broadcasts.error.already_finished", id=2)


async def test_progress_and_report_with_blocked_migrated_kicked_and_429(bot):
    c, [g3, old, g9] = await organizer_with_groups(bot, "芒果团 老群", "芒果团 9号楼")
    wang = c.organizer
    a, b, d = await started_members(bot, 3)
    # Behind the bot's back (it misses the updates): a basic group becomes a supergroup, the
    # bot is removed from another, a member blocks it.
    assert bot.sb.state.chats[old.id].type == "supergroup"
    bot.sb.state.chats[old.id].type = "group"
    new = bot.sb.migrate_group(old)
    bot.sb.kick_bot(g9)
    bot.sb.block_bot(b)
    bot.sb.state.drop_pending()
    bot.sb.fail_next("sendMessage", chat_id=d.id, status=429, retry_after=1)

    screen = await compose_text(bot, wang, "今晚 8 点取货")
    await send_now(bot, wang, screen, "全部群和全部成员")
    # Everyone but d has had their turn (the new supergroup after a pause for the 429); d
    # waits for the retry time, which is clock time.
    await wait_for(lambda: bot.sb.stats["rejected_429"] == 1 and len(bot.sb.messages(new)) >= 2)
    await tick_now(bot.app)
    await bot.settle()
    assert bot.htmls(d) == []
    progress = next(m for m in bot.sb.bot_messages(wang) if "发送中" in (m["text"] or ""))
    assert [label for label, _ in bot.sb.buttons(progress)] == ["⏹ 停止发送"]
    bot.clock.advance(seconds=1)
    await finish_delivery(bot)

    assert bot.htmls(d) == ["今晚 8 点取货"] and bot.htmls(a) == ["今晚 8 点取货"]
    assert bot.htmls(b) == [] and bot.htmls(g9) == []
    assert bot.htmls(new) == ["今晚 8 点取货"] and bot.htmls(g3) == ["今晚 8 点取货"]
    report = bot.htmls(wang)[-1]
    assert report == t("broadcasts.report", id=1, delivered=5, blocked=1, gone=1, migrated=1,
                       failed=0)
    edited = [m for m in bot.sb.bot_messages(wang) if m["message_id"] == progress["message_id"]]
    assert edited[0]["html"] == t("broadcasts.progress_done", id=1, sent=5, failed=2)
    async with bot.rt.tx() as session:
        groups = {g.title: (g.chat_id, g.active) for g in await session.scalars(select(Group))}
        blocked = await session.scalar(select(Member.blocked_at).where(Member.telegram_id == b.id))
    assert groups["芒果团 老群"] == (new.id, True) and groups["芒果团 9号楼"][1] is False
    assert blocked is not None


@pytest.mark.settings(rate_overall_per_second=10)
async def test_a_restart_mid_broadcast_sends_every_message_exactly_once(bot):
    c, [group] = await organizer_with_groups(bot)
    wang = c.organizer
    people = await started_members(bot, 30)
    screen = await compose_text(bot, wang, "明早 7 点到货")
    await send_now(bot, wang, screen, "全部群和全部成员", wait=False)
    await wait_for(lambda: sum(len(bot.sb.bot_messages(p)) for p in people) >= 8)
    # The progress message is edited as it goes (at most every few seconds of clock time).
    bot.clock.advance(seconds=5)
    await wait_for(lambda: "已发送 0 ·" not in progress_of(bot, wang))
    sent, failed, left = map(int, re.findall(r"\d+", progress_of(bot, wang).split("\n")[1]))
    assert sent >= 8 and failed == 0 and sent + left == 32
    await bot.stop()  # mid-broadcast: what was on its way is recorded, the rest waits
    sent_before = sum(len(bot.sb.bot_messages(p)) for p in people)
    assert 8 <= sent_before < 30
    await bot.start()
    await finish_delivery(bot)
    for chat in [*people, group]:
        assert [m["html"] for m in bot.sb.bot_messages(chat)][-1:] == ["明早 7 点到货"]
        assert [m["html"] for m in bot.sb.bot_messages(chat)].count("明早 7 点到货") == 1
    assert got(bot, wang).count("明早 7 点到货") == 2  # the preview and the broadcast
    assert got(bot, wang)[-1] == t("broadcasts.report", id=1, delivered=32, blocked=0, gone=0,
                                    migrated=0, failed=0)


@pytest.mark.settings(rate_overall_per_second=5)
async def test_stop_a_broadcast_in_progress(bot):
    c, [group] = await organizer_with_groups(bot)
    wang = c.organizer
    people = await started_members(bot, 20)
    screen = await compose_text(bot, wang, "今天不发货")
    await send_now(bot, wang, screen, "私聊过机器人的全部成员", wait=False)
    await wait_for(lambda: any(m["html"] == "今天不发货" for p in people
                               for m in bot.sb.bot_messages(p)))
    progress = next(m for m in bot.sb.bot_messages(wang) if "发送中" in (m["text"] or ""))
    [stop] = [data for label, data in bot.sb.buttons(progress) if "停止发送" in label]
    await bot.sb.tap(wang, progress, stop)
    await finish_delivery(bot)
    delivered = sum(len(bot.sb.bot_messages(p)) for p in people)
    assert 1 <= delivered < 20
    lines = bot.htmls(wang)
    stopping = [x for x in lines if x.startswith("群发 #1 已停止")]
    assert len(stopping) == 1
    own = 1 if "今天不发货" in lines else 0
    assert lines[-1] == t("broadcasts.report", id=1, delivered=delivered + own, blocked=0,
                          gone=0, migrated=0, failed=0) + "\n" + t(
        "broadcasts.report_stopped", count=21 - delivered - own)


async def test_a_broadcast_due_while_the_bot_was_down(bot):
    c, [group] = await organizer_with_groups(bot)
    wang = c.organizer
    for text, when in (("十点开团", "明天 10:00"), ("十一点开团", "明天 11:00")):
        screen = await compose_text(bot, wang, text)
        await bot.tap_label(wang, screen, "全部群")
        _preview, review = bot.replies(wang)
        await bot.tap_label(wang, review, "定时发送")
        await bot.say(wang, when)
        await bot.tap_label(wang, bot.last(wang), "确认")
        bot.replies(wang)
    await bot.stop()
    # Back at 11:10 the next day: #1 is 70 minutes late (more than the 30-minute grace),
    # #2 ten minutes late.
    bot.clock.advance(days=1, hours=1, minutes=10)
    await bot.start()
    await finish_delivery(bot)
    await tick_now(bot.app)
    await bot.settle()
    assert bot.htmls(group) == ["十一点开团"]
    assert t("broadcasts.missed", id=1, when="2026-11-21 10:00", grace=30) in bot.htmls(wang)
