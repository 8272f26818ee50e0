"""The weekly digest: last week's report to every organizer once, on the configured day and
hour, with a button for the chart and the CSV."""

from __future__ import annotations

from datetime import timedelta

import pytest

from groupbot.analytics import digest
from handlers.ticks import tick_now
from tests.analytics.factories import batch, t
from tests.factories import community_with_bot, started


async def _monday(bot, hour: int, minute: int = 0):
    """The test clock starts on Friday 2026-11-20 10:00 in Shanghai."""
    bot.clock.advance(days=3, hours=hour - 10, minutes=minute)
    await tick_now(bot.app)
    await bot.settle()


async def test_digest_goes_once_on_monday_morning_with_the_chart_button(bot):
    c = await community_with_bot(bot, "小明")
    wang = c.organizer
    await started(bot, wang)
    async with bot.rt.tx() as s:
        await batch(bot.rt, s, "芒果", orders=10, claimed=3,
                    delivered_at=bot.clock.now() - timedelta(days=4))
    await _monday(bot, 8, 59)
    assert bot.replies(wang) == []  # not yet: the digest goes from 09:00
    bot.clock.advance(minutes=1)
    await tick_now(bot.app)
    await bot.settle()
    [sent] = bot.replies(wang)
    lines = sent["html"].split("\n")
    assert lines[0] == t("reports.digest", summary="X").split("\n")[0]
    assert t("reports.title", first="2026-11-16", last="2026-11-22") in sent["html"]
    assert t("reports.totals", units=100, batches=1, claims=3, claimed=6,
             rate=t("reports.rate.enough", rate="6.0", low="2.8", high="12.5")) in lines
    assert bot.sb.buttons(sent) == [(t("reports.digest_button"), "rp:2026-11-16:2026-11-22")]
    bot.rt.extras.pop(digest.DONE)  # as after a restart: the outbox key still holds
    bot.clock.advance(hours=3)
    await tick_now(bot.app)
    await bot.settle()
    assert bot.replies(wang) == []

    await bot.tap(wang, sent, "rp:2026-11-16:2026-11-22")
    photo, text, document = bot.replies(wang)
    assert photo["caption"] == t("reports.caption", first="2026-11-16", last="2026-11-22")
    assert text["html"] in sent["html"]
    assert document["document"]["file_name"] == "report_2026-11-16_2026-11-22.csv"


@pytest.mark.settings(analytics_digest_weekday=0)
async def test_no_digest_when_turned_off(bot):
    c = await community_with_bot(bot, "小明")
    await started(bot, c.organizer)
    await _monday(bot, 10)
    assert bot.replies(c.organizer) == []
