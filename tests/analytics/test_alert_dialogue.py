"""A bad batch through the real bot: the alert reaches the organizer with its actions; pausing
stops the product's next deal; a note for the supplier; an improvement record asked step by
step and closed with the check of the batches since."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete

from groupbot.analytics.actions import supplier_of
from groupbot.models import Role
from handlers.ticks import tick_now
from tests.analytics.factories import batch, t
from tests.factories import community_with_bot, started


async def _bad_mango_batch(bot):
    """Three usual batches (2/100 units claimed each), then one with 12/100."""
    rt = bot.rt
    now = rt.clock.now()
    async with rt.tx() as s:
        for days in (30, 20, 10):
            await batch(rt, s, "芒果", orders=10, claimed=2, units_per_claim=1,
                        delivered_at=now - timedelta(days=days))
        bad = await batch(rt, s, "芒果", orders=10, claimed=6, units_per_claim=2,
                          delivered_at=now - timedelta(hours=5))
    # The tick looks for bad batches every analytics_check_minutes.
    rt.clock.advance(minutes=rt.settings.analytics_check_minutes)
    await tick_now(bot.app)
    await bot.settle()
    return bad


async def test_alert_pause_note_and_improvement_closed_with_the_check(bot):
    c = await community_with_bot(bot, "小明")
    wang = c.organizer
    await started(bot, wang)
    bad = await _bad_mango_batch(bot)
    [alert] = bot.replies(wang)
    assert alert["html"] == (t("reports.alert.text", alert=1, product="芒果",
                                      deal=bad.deal.id, delivered="2026-11-20 05:00",
                                      rate=t("reports.rate.enough", rate="12.0", low="7.0",
                                             high="19.8"),
                                      claimed=12, units=100,
                                      base_rate=t("reports.rate.enough", rate="2.0",
                                                  low="0.9", high="4.3"),
                                      base_claimed=6, base_units=300, batches=3, low="7.0",
                                      base_high="4.3"))

    await bot.tap_label(wang, alert, t("reports.alert.button.pause"))
    assert bot.htmls(wang) == [t("reports.alert.paused", product="芒果")]
    await bot.say(wang, "/deal 芒果 5/个 20:00", chat=c.group)
    assert bot.htmls(c.group) == [
        t("deals.spec.product_paused", product="芒果") + "\n\n" + t("deals.usage")]

    await bot.tap_label(wang, alert, t("reports.alert.button.note"))
    assert bot.htmls(wang) == [t("reports.alert.ask_note", product="芒果")]
    await bot.say(wang, "这批压坏很多，请每个果套泡沫网")
    assert bot.htmls(wang) == [t("reports.alert.noted", supplier=t("reports.alert.unknown_supplier"),
                                 text="这批压坏很多，请每个果套泡沫网")]

    await bot.tap_label(wang, alert, t("reports.alert.button.improve"))
    assert bot.htmls(wang) == [t("reports.improve.ask_cause", product="芒果")]
    await bot.say(wang, "装箱没有泡沫网")
    assert bot.htmls(wang) == [t("reports.improve.ask_action", product="芒果")]
    await bot.say(wang, "网" * 1001)
    assert bot.htmls(wang) == [t("reports.refuse.action_too_long", length=1001, max=1000) + "\n"
                               + t("reports.improve.ask_action", product="芒果")]
    await bot.say(wang, "供应商每个果套泡沫网")
    assert bot.htmls(wang) == [t("reports.improve.ask_owner", product="芒果")]
    await bot.say(wang, "王团长")
    assert bot.htmls(wang) == [t("reports.improve.ask_due", product="芒果")]
    await bot.say(wang, "下周吧")
    assert bot.htmls(wang) == [t("reports.refuse.due_unreadable", text="下周吧") + "\n"
                               + t("reports.improve.ask_due", product="芒果")]
    await bot.say(wang, "7天")
    assert bot.htmls(wang) == [t("reports.improve.opened", record=1, product="芒果",
                                 cause="装箱没有泡沫网", action="供应商每个果套泡沫网",
                                 owner="王团长", due="2026-11-27")]

    # Three batches since, 1 unit claimed in each: 3/300 against 16/300 before.
    bot.clock.advance(days=1)
    async with bot.rt.tx() as s:
        for hours in (3, 2, 1):
            await batch(bot.rt, s, "芒果", orders=10, claimed=1, units_per_claim=1,
                        delivered_at=bot.clock.now() - timedelta(hours=hours))
    await bot.say(wang, "/improvements")
    [listing] = bot.replies(wang)
    assert listing["html"] == "\n".join([
        t("reports.improve.list_title"),
        t("reports.improve.list_item", record=1, product="芒果", action="供应商每个果套泡沫网",
          owner="王团长", due="2026-11-27"),
        "", t("reports.improve.pauses_title"), "芒果"])
    await bot.tap_label(wang, listing, t("reports.improve.close_button", record=1))
    assert bot.htmls(wang) == [t(
        "reports.improve.closed", record=1, product="芒果",
        before=t("reports.rate.enough", rate="5.3", low="3.3", high="8.5"),
        after=t("reports.rate.enough", rate="1.0", low="0.3", high="2.9"),
        before_batches=3, after_batches=3)]
    await bot.tap_label(wang, listing, t("reports.improve.lift_button", product="芒果"))
    assert bot.htmls(wang) == [t("reports.alert.lifted", product="芒果")]


async def test_only_organizers_act_on_alerts(bot):
    c = await community_with_bot(bot, "小明")
    await started(bot, c.organizer, c.members[0])
    await _bad_mango_batch(bot)
    [alert] = bot.replies(c.organizer)
    # Wang stops being an admin of the group (so no longer an organizer), then taps.
    async with bot.rt.tx() as s:
        await s.execute(delete(Role))
    query_id = await bot.sb.tap(c.organizer, alert, "an:pause:1")
    await bot.settle()
    assert bot.sb.answer_of(query_id)["text"] == t("permissions.refused.organizer")
    assert bot.replies(c.organizer) == []
    await bot.say(c.members[0], "/improvements")
    assert bot.htmls(c.members[0]) == [t("permissions.refused.organizer")]


async def test_organizer_names_a_deals_supplier(bot):
    c = await community_with_bot(bot, "小明")
    wang = c.organizer
    await started(bot, wang)
    async with bot.rt.tx() as s:
        mango = await batch(bot.rt, s, "芒果", orders=2)
    deal = mango.deal.id
    await bot.say(wang, f"/supplier {deal}  海南  绿源果园")
    assert bot.htmls(wang) == [t("reports.supplier_set", deal=deal, supplier="海南 绿源果园")]
    await bot.say(wang, "/supplier 绿源果园")
    assert bot.htmls(wang) == [t("reports.supplier_usage")]
    await bot.say(wang, "/supplier 999 绿源果园")
    assert bot.htmls(wang) == [t("reports.refuse.deal_not_found", deal=999)]
    async with bot.rt.tx() as s:
        assert await supplier_of(s, deal) == "海南 绿源果园"
