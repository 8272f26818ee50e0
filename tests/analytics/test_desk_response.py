"""The desk's first response in the report: p50/p90 in service hours (09:00–24:00 by default),
so the night between a late message and the morning's answer does not count."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from groupbot.analytics import promises
from groupbot.analytics.csvfile import PROMISE_COLUMNS
from groupbot.analytics.period import last_days
from groupbot.models import Member
from groupbot.models.desk import Conversation, DeskTopic
from groupbot.people import ensure_community
from tests.analytics.factories import batch, t
from tests.desk.helpers import DESK_ID, agent_says, desk_chat
from tests.factories import community_with_bot, started

SH = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SH)


async def _asks(bot, desk, name: str, when: datetime):
    """A member asks for a person at ``when`` and writes; their new topic's thread."""
    bot.clock.set(when)
    member = bot.sb.add_user(name)
    await started(bot, member)
    await bot.say(member, "/service")
    await bot.say(member, "芒果坏了两个")
    bot.replies(member)
    return bot.sb.topics(desk.chat)[-1].thread_id


async def _answers(bot, desk, thread: int, when: datetime) -> None:
    bot.clock.set(when)
    await agent_says(bot, desk.lee, desk, thread, "您好，我来看看")


@pytest.mark.settings(service_chat_id=DESK_ID)
async def test_report_shows_first_response_in_service_hours(bot):
    c = await community_with_bot(bot, "小明")
    await started(bot, c.organizer)
    desk = await desk_chat(bot)
    # In hours: 6 minutes.
    await _answers(bot, desk, await _asks(bot, desk, "小红", at(20, 10, 0)), at(20, 10, 6))
    # 23:55, answered at 09:04 the next morning: 5 + 4 service minutes, not 9 hours.
    await _answers(bot, desk, await _asks(bot, desk, "小刚", at(20, 23, 55)), at(21, 9, 4))
    # Before opening (08:30), answered at 09:10: the 10 minutes since 09:00.
    await _answers(bot, desk, await _asks(bot, desk, "小丽", at(21, 8, 30)), at(21, 9, 10))
    # Asked but not answered yet: no first response to count.
    await _asks(bot, desk, "小强", at(21, 9, 30))
    async with bot.rt.tx() as s:  # something delivered, so the report has a body
        await batch(bot.rt, s, "芒果", orders=2, delivered_at=at(20, 8, 0))
    bot.replies(c.organizer)
    await bot.say(c.organizer, "/report")
    _photo, text, document = bot.replies(c.organizer)
    # 6, 9, 10 minutes: p50 9; p90 at position 1.8 between 9 and 10 = 9.8, shown rounded.
    assert t("reports.aftercare", desk=t("reports.desk_minutes", p50=9, p90=10),
             rating=t("reports.no_data"), complaints=0,
             overdue=0) in text["html"].split("\n")
    # The CSV has the same figures under the table, unrounded, with their sample.
    body = bot.sb.file_bytes(document["document"]["file_id"]).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    start = rows.index([""]) + 1  # the promises, up to the packaging section's empty row
    promise_rows = rows[start:rows.index([""], start)]
    assert promise_rows[0] == [t(f"reports.csv.{c}") for c in PROMISE_COLUMNS]
    assert promise_rows[-2:] == [[t("reports.csv.promises.desk_p50_minutes"), "9.0", "3"],
                                 [t("reports.csv.promises.desk_p90_minutes"), "9.8", "3"]]


async def _conversation(rt, s, opened_at: datetime, seconds: int | None) -> None:
    member = Member(telegram_id=7_000_000 + int(opened_at.timestamp()) % 100_000 + (seconds or 0),
                    first_name="客人")
    s.add(member)
    await s.flush()
    topic = DeskTopic(member_id=member.id, desk_chat_id=DESK_ID)
    s.add(topic)
    await s.flush()
    s.add(Conversation(community_id=rt.community_id, member_id=member.id, topic_id=topic.id,
                       locale="zh-Hans", opened_at=opened_at, first_response_seconds=seconds,
                       first_response_at=None if seconds is None
                       else opened_at + timedelta(seconds=seconds)))
    await s.flush()


async def test_percentiles_interpolate_like_percentile_cont(runtime):
    rt = runtime
    now = rt.clock.now()
    async with rt.tx() as s:
        rt.community_id = (await ensure_community(s, rt.settings)).id
        for minutes in (1, 2, 3, 4):
            await _conversation(rt, s, now - timedelta(hours=minutes), minutes * 60)
        await _conversation(rt, s, now - timedelta(hours=5), None)  # unanswered
        await _conversation(rt, s, now - timedelta(days=30), 6000)  # opened before the period
    async with rt.tx() as s:
        found = await promises.desk_first_response(s, rt.community_id,
                                                   last_days(7, rt.settings.tz, now))
    # Positions 1.5 and 2.7 of [1, 2, 3, 4] minutes.
    assert found == promises.Percentiles(p50_minutes=2.5, p90_minutes=pytest.approx(3.7),
                                         count=4)


async def test_one_answer_is_both_percentiles_and_none_is_no_data(runtime):
    rt = runtime
    now = rt.clock.now()
    period = last_days(7, rt.settings.tz, now)
    async with rt.tx() as s:
        rt.community_id = (await ensure_community(s, rt.settings)).id
        assert await promises.desk_first_response(s, rt.community_id, period) is None
        await _conversation(rt, s, now - timedelta(hours=1), 90)
        assert await promises.desk_first_response(s, rt.community_id, period) == (
            promises.Percentiles(p50_minutes=1.5, p90_minutes=1.5, count=1))
