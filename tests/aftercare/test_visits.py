"""Return visits: the next day at 10:00 in the community's zone and service hours, never at
night, skipped with an open claim, once per cooldown, one reminder, an opt-out that is kept."""

from __future__ import annotations

from datetime import time

import pytest

from groupbot import claims
from groupbot.models import Draft, Order
from groupbot.models.aftercare import VISIT_REMINDED, VISIT_SKIPPED
from groupbot.people import member_by_telegram_id
from tests.aftercare.helpers import (
    at,
    delivered,
    last_visit,
    local,
    stars,
    t,
    tick,
    visit_texts,
    visits,
)
from tests.factories import started
from tests.reviews.helpers import GOOD, sandbox_photo


async def test_the_visit_comes_the_next_morning_with_stars_a_claim_and_an_opt_out(bot):
    ming = bot.sb.add_user("小明")
    await started(bot, ming)
    bot.clock.set(local(bot, 0, 22, 30))  # delivered late in the evening
    order = await delivered(bot, ming)
    await tick(bot)
    assert visit_texts(bot, ming) == []
    await at(bot, 1, 9, 59)
    assert visit_texts(bot, ming) == []
    await at(bot, 1, 10, 0)
    assert visit_texts(bot, ming) == [t("aftercare.visit.ask", products="赣南脐橙")]
    [visit] = await visits(bot)
    assert bot.sb.buttons(last_visit(bot, ming)) == [
        *stars("ac:r:1"), (t("aftercare.visit.claim_button"), f"claim:new:{order}"),
        (t("aftercare.visit.off_button"), "ac:off")]
    await at(bot, 1, 10, 5)  # asked once
    assert visit_texts(bot, ming) == []
    assert visit.sent_at is not None


@pytest.mark.settings(aftercare_visit_time=time(3, 0))
async def test_never_at_night_the_visit_waits_for_service_hours(bot):
    ming = bot.sb.add_user("小明")
    await started(bot, ming)
    await delivered(bot, ming)
    await at(bot, 1, 3, 0)  # the wished time is at night: service opens at 09:00
    assert visit_texts(bot, ming) == []
    await at(bot, 1, 8, 59)
    assert visit_texts(bot, ming) == []
    await at(bot, 1, 9, 0)
    assert visit_texts(bot, ming) == [t("aftercare.visit.ask", products="赣南脐橙")]


async def test_an_open_claim_skips_the_visit(bot):
    ming = bot.sb.add_user("小明")
    await started(bot, ming)
    order_id = await delivered(bot, ming)
    async with bot.rt.tx() as s:  # the member files a claim before the visit is due
        member = await member_by_telegram_id(s, ming.id)
        order = await s.get(Order, order_id)
        draft = await claims.begin(s, bot.rt, member, order)
        assert isinstance(draft, Draft)
        await claims.choose_units(s, bot.rt, draft, order, order.items[0].id, 2)
        claims.choose_reason(bot.rt, draft, order, "rotten")
        claims.set_description(bot.rt, draft, "两个坏了")
        claims.add_photo(bot.rt, draft, {**sandbox_photo(bot), "phash": "1" * 16,
                                         "findings": GOOD})
        await claims.submit(s, bot.rt, member, draft)
    await at(bot, 1, 10, 0)
    assert visit_texts(bot, ming) == []
    [visit] = await visits(bot)
    assert (visit.state, visit.skipped_because) == (VISIT_SKIPPED, "open_claim")


async def test_one_visit_per_cooldown_and_one_reminder(bot):
    ming = bot.sb.add_user("小明")
    await started(bot, ming)
    await delivered(bot, ming)
    await at(bot, 0, 15, 0)
    await delivered(bot, ming, "赣南脐橙")  # a second order the same day
    await at(bot, 1, 10, 0)
    assert visit_texts(bot, ming) == [t("aftercare.visit.ask", products="赣南脐橙")]
    first, second = await visits(bot)
    assert (second.state, second.skipped_because) == (VISIT_SKIPPED, "cooldown")
    await at(bot, 2, 9, 59)
    assert visit_texts(bot, ming) == []
    await at(bot, 2, 10, 0)  # unanswered after 24 hours: the one reminder
    assert visit_texts(bot, ming) == [t("aftercare.visit.reminder", products="赣南脐橙")]
    await at(bot, 4, 10, 0)
    assert visit_texts(bot, ming) == []
    first, _ = await visits(bot)
    assert first.state == VISIT_REMINDED and first.reminded_at is not None


async def test_the_opt_out_is_kept(bot):
    ming = bot.sb.add_user("小明")
    await started(bot, ming)
    await delivered(bot, ming)
    await at(bot, 1, 10, 0)
    visit_texts(bot, ming)
    ask = last_visit(bot, ming)
    await bot.tap(ming, ask, "ac:off")
    assert bot.htmls(ming) == [t("aftercare.answer.opted_out")]
    assert bot.sb.buttons(bot.sb.message_snapshot(ask)) == []
    await at(bot, 2, 10, 0)  # no reminder either
    assert visit_texts(bot, ming) == []
    await at(bot, 20, 11, 0)  # long after the cooldown, a new order: still no visit
    await delivered(bot, ming)
    await at(bot, 21, 10, 0)
    assert visit_texts(bot, ming) == []
    assert [(v.state, v.skipped_because) for v in await visits(bot)] == [
        (VISIT_SKIPPED, "opted_out"), (VISIT_SKIPPED, "opted_out")]


async def test_a_restart_between_planning_and_sending_loses_nothing(bot):
    ming = bot.sb.add_user("小明")
    await started(bot, ming)
    await delivered(bot, ming)
    await tick(bot)  # planned
    await bot.restart()
    await at(bot, 1, 10, 0)
    assert visit_texts(bot, ming) == [t("aftercare.visit.ask", products="赣南脐橙")]
    await bot.restart()
    await at(bot, 1, 10, 30)
    assert visit_texts(bot, ming) == []
