"""Service hours: weekly periods (more than one a day), dated closures, the edges of the day,
the away message naming the exact reopening time, /hours for organizers, hours in /help."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from groupbot.desk.hours import Hours, default_periods
from groupbot.desk.hours_input import Closure, SetDays, ShowHours, parse_hours
from groupbot.policy import DeskRules
from groupbot.refusal import Refusal
from groupbot.settings import Settings
from tests.desk.helpers import DESK_ID, desk_chat, t
from tests.factories import started

SH = ZoneInfo("Asia/Shanghai")
RULES = DeskRules.from_settings(Settings())


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SH)


def default_hours(**closures: str) -> Hours:
    return Hours(SH, default_periods(RULES), {date.fromisoformat(d): n for d, n in closures.items()})


@pytest.mark.parametrize(("moment", "open_"), [
    (at(20, 8, 59), False), (at(20, 9, 0), True), (at(20, 23, 59), True), (at(21, 0, 0), False),
])
def test_the_edges_of_the_service_day(moment, open_):
    assert default_hours().is_open(moment) is open_


def test_the_next_opening_and_a_closure_day():
    hours = default_hours(**{"2026-11-21": "店休"})
    assert hours.next_opening(at(20, 8, 59)) == at(20, 9, 0)
    assert hours.next_opening(at(20, 23, 59)) == at(20, 23, 59)  # open now
    assert hours.next_opening(at(21, 0, 0)) == at(22, 9, 0)  # the 21st is closed all day
    assert not hours.is_open(at(21, 12, 0))


def test_several_periods_a_day_and_time_counted_in_service_hours():
    periods = {d: [(9 * 60, 12 * 60), (13 * 60, 1440)] for d in range(7)}
    hours = Hours(SH, periods)
    assert not hours.is_open(at(20, 12, 30)) and hours.is_open(at(20, 13, 0))
    assert hours.next_opening(at(20, 12, 1)) == at(20, 13, 0)
    assert hours.open_seconds(at(20, 11, 58), at(20, 13, 1)) == 3 * 60
    assert hours.open_seconds(at(20, 23, 59), at(21, 9, 2)) == 3 * 60  # the night is not counted
    assert hours.add_open_seconds(at(20, 11, 59), 180) == at(20, 13, 2)


def test_reading_hours_commands():
    assert parse_hours([]) == ShowHours()
    assert parse_hours(["周一-周五", "09:00-12:00", "13:00-24:00"]) == SetDays(
        (0, 1, 2, 3, 4), ((540, 720), (780, 1440)))
    assert parse_hours(["sat,sun", "off"]) == SetDays((5, 6), ())
    assert parse_hours(["close", "2026-12-25", "圣诞"]) == Closure(date(2026, 12, 25), True, "圣诞")
    assert parse_hours(["周八", "09:00-10:00"]) == Refusal.of("bad_days", given="周八")
    assert parse_hours(["mon", "9-10"]) == Refusal.of("bad_period", given="9-10")
    assert parse_hours(["mon", "09:00-12:00", "11:00-13:00"]) == Refusal.of("overlap")
    assert parse_hours(["close", "tomorrow"]) == Refusal.of("bad_date")


@pytest.mark.settings(service_chat_id=DESK_ID)
async def test_outside_hours_the_member_gets_one_away_message_naming_the_reopening(bot):
    await desk_chat(bot)
    ming = bot.sb.add_user("小明")
    await started(bot, ming)
    bot.clock.set(at(20, 8, 30))
    await bot.say(ming, "/service")
    assert bot.htmls(ming) == [t("desk.member.away", when="今天 09:00")]
    await bot.say(ming, "我的芒果烂了")
    await bot.say(ming, "在吗")
    assert bot.htmls(ming) == []  # one away message, not one per line

    bot.clock.set(at(21, 0, 0))  # midnight: closed again until 09:00
    lin = bot.sb.add_user("小林")
    await started(bot, lin)
    await bot.say(lin, "/service")
    assert bot.htmls(lin) == [t("desk.member.away", when="今天 09:00")]


@pytest.mark.settings(service_chat_id=DESK_ID)
async def test_organizers_set_hours_and_closures_and_members_see_them_in_help(bot):
    await desk_chat(bot)
    wang = bot.sb.add_user("王团长")
    ming = bot.sb.add_user("小明")
    group = bot.sb.add_group("芒果团", members=[ming], admins=[wang])
    await bot.sb.add_bot_to_group(group, by=wang)
    await bot.settle()
    await started(bot, wang, ming)

    await bot.say(ming, "/hours 周日 休息")
    assert bot.htmls(ming) == [t("permissions.refused.organizer")]
    await bot.say(wang, "/hours 周一-周五 09:00-12:00 13:00-24:00")
    reply = bot.htmls(wang)[0]
    assert reply.splitlines()[:4] == [
        t("desk.hours.saved"), t("desk.hours.title", zone="Asia/Shanghai"),
        "周一–周五：09:00–12:00、13:00–24:00", "周六–周日：09:00–24:00"]
    await bot.say(wang, "/hours close 2026-11-21 店休")
    assert "2026-11-21 店休" in bot.htmls(wang)[0]

    await bot.say(ming, "/help")
    help_text = bot.htmls(ming)[0]
    assert help_text.endswith(t("desk.help_hours",
                                hours="周一–周五 09:00–12:00、13:00–24:00；周六–周日 09:00–24:00")
                              + t("desk.help_hours_closed", day="2026-11-21"))
    assert bot.sb.buttons(bot.last(ming)) == [(t("desk.button"), "desk:start")]

    bot.clock.set(at(20, 23, 59))  # Friday 23:59: still open
    await bot.tap(ming, bot.last(ming), "desk:start")
    assert bot.htmls(ming) == [t("desk.member.queued", ahead=0)]

    lin = bot.sb.add_user("小林")
    await started(bot, lin)
    bot.clock.set(at(21, 10, 0))  # Saturday, closed: back on Sunday
    await bot.say(lin, "/service")
    assert bot.htmls(lin) == [t("desk.member.away", when="明天 09:00")]
    assert RULES.opens == time(9, 0)
