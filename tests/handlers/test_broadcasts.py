"""Organizers broadcast notices: compose, target, preview, confirm, progress and report."""

from tests.broadcasts.helpers import (
    compose_text,
    finish_delivery,
    organizer_with_groups,
    photo,
    t,
)
from tests.factories import community_with_bot


async def test_text_to_all_groups_with_preview_progress_and_report(bot):
    c, groups = await organizer_with_groups(bot, "芒果团 5号楼")
    wang = c.organizer
    await bot.say(wang, "/broadcast")
    [ask] = bot.replies(wang)
    assert ask["html"] == t("broadcasts.ask_content")
    assert [label for label, _ in bot.sb.buttons(ask)] == [
        "🧺 取货提醒", "🛒 新品接龙", "🚚 发货延迟", "🏮 放假通知", "✖ 取消"]
    await bot.sb.send_text(wang, wang, "<b>今晚 8 点</b>到货，<i>请准时</i>", html=True)
    await bot.settle()
    [screen] = bot.replies(wang)
    assert screen["html"] == t("broadcasts.ask_target", length=12)
    labels = [label for label, _ in bot.sb.buttons(screen)]
    assert labels[0] == "全部群（2）" and "📷 配一张图片" in labels
    await bot.tap_label(wang, screen, "全部群")
    preview, review = bot.replies(wang)
    # The preview is the real message, formatting kept.
    assert preview["html"] == "<b>今晚 8 点</b>到货，<i>请准时</i>"
    assert [e["type"] for e in preview["entities"]] == ["bold", "italic"]
    assert review["html"] == t("broadcasts.review", target=t("broadcasts.target.all_groups",
                                                            groups=2), count=2)
    await bot.tap_label(wang, review, "立即发送")
    [confirm] = bot.htmls(wang)
    assert confirm == t("broadcasts.confirm_now", target=t("broadcasts.target.all_groups",
                                                           groups=2), count=2)
    await bot.tap_label(wang, bot.last(wang), "确认")
    await finish_delivery(bot)
    for group in groups:
        assert bot.htmls(group) == ["<b>今晚 8 点</b>到货，<i>请准时</i>"]
    starting, progress, report = bot.replies(wang)
    assert starting["html"] == t("broadcasts.starting", id=1)
    assert progress["html"] == t("broadcasts.progress_done", id=1, sent=2, failed=0)
    assert bot.sb.buttons(progress) == []
    assert report["html"] == t("broadcasts.report", id=1, delivered=2, blocked=0, gone=0,
                               migrated=0, failed=0)


async def test_photo_with_formatted_caption_to_chosen_groups(bot):
    c, groups = await organizer_with_groups(bot, "芒果团 5号楼", "芒果团 7号楼")
    wang = c.organizer
    g3, g5, g7 = groups
    await bot.say(wang, "/broadcast")
    bot.replies(wang)
    await bot.sb.send_photo(wang, wang, photo(), "<b>新到</b> 麒麟西瓜", html=True)
    await bot.settle()
    [screen] = bot.replies(wang)
    assert screen["html"] == t("broadcasts.ask_target", length=7)
    assert "📷 配一张图片" not in [label for label, _ in bot.sb.buttons(screen)]
    await bot.tap_label(wang, screen, "选择群")
    [pick] = bot.replies(wang)
    assert pick["html"] == t("broadcasts.pick_groups")
    assert [label for label, _ in bot.sb.buttons(pick)] == [
        "▫️ 芒果团 3号楼", "▫️ 芒果团 5号楼", "▫️ 芒果团 7号楼", "完成", "✖ 取消"]
    query = await bot.tap_label(wang, pick, "完成")
    assert bot.sb.answer_of(query)["text"] == t("broadcasts.no_group_chosen")
    await bot.tap_label(wang, pick, "3号楼")
    await bot.tap_label(wang, pick, "7号楼")
    assert [label for label, _ in bot.sb.buttons(pick)][:3] == [
        "✅ 芒果团 3号楼", "▫️ 芒果团 5号楼", "✅ 芒果团 7号楼"]
    await bot.tap_label(wang, pick, "完成")
    preview, review = bot.replies(wang)
    assert preview["photo"] and preview["html"] == "<b>新到</b> 麒麟西瓜"
    target = t("broadcasts.target.groups", groups=2, titles="芒果团 3号楼、芒果团 7号楼")
    assert review["html"] == t("broadcasts.review", target=target, count=2)
    await bot.tap_label(wang, review, "立即发送")
    await bot.tap_label(wang, bot.last(wang), "确认")
    await finish_delivery(bot)
    for group in (g3, g7):
        [sent] = bot.replies(group)
        assert sent["photo"] and sent["html"] == "<b>新到</b> 麒麟西瓜"
        assert sent["caption_entities"][0]["type"] == "bold"
    assert bot.replies(g5) == []


async def test_ready_made_notice_with_its_blanks_and_the_length_limit(bot):
    c, groups = await organizer_with_groups(bot)
    wang = c.organizer
    await bot.say(wang, "/broadcast")
    await bot.tap_label(wang, bot.last(wang), "发货延迟")
    bot.replies(wang)
    assert bot.last(wang)["html"] == t("broadcasts.notice.delay.ask_product")
    await bot.say(wang, "阳山水蜜桃")
    assert bot.htmls(wang) == [t("broadcasts.notice.delay.ask_reason")]
    await bot.say(wang, "产地连续降雨" * 680)
    assert bot.htmls(wang) == [t("broadcasts.notice.delay.ask_eta")]
    # 4080 characters of reason make the whole notice longer than a message may be.
    await bot.say(wang, "11月28日")
    plain = t("broadcasts.notice.delay.text", product="阳山水蜜桃",
              reason="产地连续降雨" * 680, eta="11月28日").replace("<b>", "").replace("</b>", "")
    length = len(plain.encode("utf-16-le")) // 2  # as Telegram counts: the emoji is two
    assert bot.htmls(wang) == [
        t("broadcasts.error.too_long_text", limit=4096, length=length) + "\n\n"
        + t("broadcasts.notice.delay.ask_product")]
    # The blanks are asked again; with a sensible reason the notice reads as in the catalog.
    for answer in ("阳山水蜜桃", "产地连续降雨", "11月28日 <周六>"):
        await bot.say(wang, answer)
    screen = bot.last(wang)
    expected = t("broadcasts.notice.delay.text", product="阳山水蜜桃", reason="产地连续降雨",
                 eta="11月28日 <周六>")
    bot.replies(wang)
    await bot.tap_label(wang, screen, "全部群")
    preview, _review = bot.replies(wang)
    assert preview["html"] == expected and "&lt;周六&gt;" in expected


async def test_a_text_too_long_for_a_photo_caption_is_explained(bot):
    c, groups = await organizer_with_groups(bot)
    wang = c.organizer
    screen = await compose_text(bot, wang, "水" * 1100)
    await bot.tap_label(wang, screen, "配一张图片")
    assert bot.htmls(wang) == [t("broadcasts.ask_photo")]
    await bot.send_photos(wang, [photo()])
    [refusal] = bot.replies(wang)
    assert refusal["html"] == t("broadcasts.error.too_long_caption", limit=1024, length=1100)
    assert [label for label, _ in bot.sb.buttons(refusal)] == ["只发文字"]
    await bot.say(wang, "今晚到货，<b>准时</b>取")
    assert bot.htmls(wang) == [t("broadcasts.text_replaced", length=15)]
    await bot.send_photos(wang, [photo()])
    [screen] = bot.replies(wang)
    assert screen["html"] == t("broadcasts.ask_target", length=15)
    await bot.tap_label(wang, screen, "全部群")
    preview, _ = bot.replies(wang)
    assert preview["photo"] and preview["html"] == "今晚到货，&lt;b&gt;准时&lt;/b&gt;取"


async def test_only_organizers_broadcast(bot):
    c = await community_with_bot(bot, "小明")
    [ming] = c.members
    await bot.say(ming, "/broadcast")
    assert bot.htmls(ming) == [t("permissions.refused.organizer")]
    await bot.say(ming, "/broadcasts")
    assert bot.htmls(ming) == [t("permissions.refused.organizer")]


async def test_a_stale_button_and_a_restart_mid_compose(bot):
    c, groups = await organizer_with_groups(bot)
    wang = c.organizer
    screen = await compose_text(bot, wang, "明天放假")
    await bot.restart()  # the draft is in the database: the conversation carries on
    await bot.tap_label(wang, screen, "全部群")
    preview, review = bot.replies(wang)
    assert preview["html"] == "明天放假"
    # The recipients screen is behind us: its buttons only say so.
    query = await bot.tap_label(wang, screen, "全部群")
    assert bot.sb.answer_of(query) == {"text": t("broadcasts.stale"), "show_alert": True,
                                       "url": None, "cache_time": 0}
    await bot.say(wang, "随便说点什么")
    assert bot.htmls(wang) == [t("broadcasts.use_buttons")]
    await bot.tap_label(wang, review, "取消")
    assert bot.htmls(wang) == [t("broadcasts.cancelled")]
    query = await bot.tap_label(wang, review, "立即发送")
    assert bot.sb.answer_of(query)["text"] == t("broadcasts.stale")
