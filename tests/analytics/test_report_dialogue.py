"""/report through the real bot: the chart, the text and the CSV for organizers; a clear answer
for everyone else."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from groupbot.analytics.csvfile import COLUMNS
from tests.analytics.factories import VERIFIED, batch, t
from tests.factories import community_with_bot, started


async def _mangoes(bot):
    rt = bot.rt
    now = rt.clock.now()
    async with rt.tx() as s:
        await batch(rt, s, "芒果", orders=10, claimed=3, supplier="海南果园", evidence=VERIFIED,
                    refund=True, delivered_at=now - timedelta(days=1))
        await batch(rt, s, "芒果", orders=5, claimed=1, supplier="广西果园", courier="中通",
                    reason="crushed", delivered_at=now - timedelta(days=2))


async def test_organizer_gets_chart_text_and_csv_in_private(bot):
    c = await community_with_bot(bot, "小明")
    await started(bot, c.organizer)
    await _mangoes(bot)
    await bot.say(c.organizer, "/report")
    photo, text, document = bot.replies(c.organizer)
    biggest = photo["photo"][-1]
    assert (biggest["width"], biggest["height"]) == (1200, 675)
    assert photo["caption"] == t("reports.caption", first="2026-11-14", last="2026-11-20")
    lines = text["html"].split("\n")
    assert lines[0:2] == t("reports.title", first="2026-11-14", last="2026-11-20").split("\n")
    assert lines[2] == t("reports.totals", units=150, batches=2, claims=4, claimed=8,
                         rate=t("reports.rate.enough", rate="5.3", low="2.7", high="10.2"))
    assert lines[3] == t("reports.money", refund="¥30.00", share="4.0", coupons=0,
                         coupon_amount="¥0.00", reships=0)  # resolutions: none decided
    assert lines[4] == t("reports.verified",
                         rate=t("reports.rate.small", part=3, whole=3, min=30))
    assert lines[6] == t("reports.dimension.product", items=t(
        "reports.worst_item", label="芒果",
        rate=t("reports.rate.enough", rate="5.3", low="2.7", high="10.2")))
    assert document["document"]["file_name"] == "report_2026-11-14_2026-11-20.csv"
    assert document["caption"] == t("reports.csv_caption")
    body = bot.sb.file_bytes(document["document"]["file_id"]).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == [t(f"reports.csv.{c}") for c in COLUMNS]
    total = dict(zip(COLUMNS, rows[1], strict=True))
    assert (total["units_delivered"], total["units_claimed"], total["claim_rate"],
            total["sales"], total["refunds"]) == ("150", "8", "0.0533", "750.00", "30.00")
    by_supplier = {r[2]: r for r in rows if r[0] == t("reports.csv.dimensions.supplier")}
    # 50 units from 广西果园 is enough for a rate; under 30 the rate cells would be empty.
    assert by_supplier["广西果园"][3:8] == ["50", "2", "0.0400", "0.0110", "0.1346"]


async def test_small_samples_show_counts_not_percentages(bot):
    c = await community_with_bot(bot, "小明")
    await started(bot, c.organizer)
    async with bot.rt.tx() as s:
        await batch(bot.rt, s, "榴莲", orders=2, claimed=1, units_per_claim=5,
                    delivered_at=bot.rt.clock.now() - timedelta(hours=5))
    await bot.say(c.organizer, "/report 30d")
    _photo, text, _document = bot.replies(c.organizer)
    assert text["html"].split("\n")[2] == t(
        "reports.totals", units=20, batches=1, claims=1, claimed=5,
        rate=t("reports.rate.small", part=5, whole=20, min=30))
    assert t("reports.dimension.product", items=t("reports.none_enough")) in text["html"]


async def test_members_cannot_see_reports(bot):
    c = await community_with_bot(bot, "小明")
    ming = c.members[0]
    await started(bot, ming)
    await bot.say(ming, "/report")
    assert bot.htmls(ming) == [t("permissions.refused.organizer")]


async def test_in_the_group_the_organizer_is_sent_to_the_private_chat(bot):
    c = await community_with_bot(bot, "小明")
    await bot.say(c.organizer, "/report", chat=c.group)
    assert bot.htmls(c.group) == [t("reports.private_only")]


async def test_an_unreadable_period_is_explained(bot):
    c = await community_with_bot(bot, "小明")
    await started(bot, c.organizer)
    await bot.say(c.organizer, "/report 下个月")
    assert bot.htmls(c.organizer) == [
        t("reports.period_error.unknown", text="下个月") + "\n" + t("reports.usage")]
    await bot.say(c.organizer, "/report 2026-11-31")
    assert bot.htmls(c.organizer) == [
        t("reports.period_error.bad_date", text="2026-11-31") + "\n" + t("reports.usage")]


async def test_nothing_delivered_yet_says_so(bot):
    c = await community_with_bot(bot, "小明")
    await started(bot, c.organizer)
    await bot.say(c.organizer, "/report")
    _photo, text, _document = bot.replies(c.organizer)
    assert text["html"] == "\n".join(
        [t("reports.title", first="2026-11-14", last="2026-11-20"), t("reports.empty")])
