"""Complaint cases: the demo story (a return visit → 2 stars with a comment → a case worked in
the desk topic → apology and a 5 ¥ coupon → "解决了" closes it), every opening trigger, the
reopening, escalation on the clock, and an event row for every change."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from groupbot.analytics.period import last_days
from groupbot.analytics.promises import aftercare
from groupbot.models import Coupon
from groupbot.models.aftercare import (
    CASE_CLOSED,
    CASE_CONTACTED,
    CASE_OPEN,
    CASE_REOPENED,
    OPENED_BY_RATING,
    OPENED_BY_STAFF,
    OPENED_BY_UNHAPPY,
    OPENED_BY_WORDS,
)
from groupbot.people import Person, grant_role, upsert_member
from tests.aftercare.helpers import TZ, at, cases, delivered, events, last_visit, ratings, t
from tests.desk.helpers import DESK_ID, agent_says, desk_chat, said_in_topic, tick, topic_of
from tests.factories import community_with_bot, started
from tests.reviews.helpers import REVIEW_SETTINGS, card_in, cast, fresh, submitted_claim

pytestmark = pytest.mark.settings(service_chat_id=DESK_ID, **REVIEW_SETTINGS)


async def test_two_stars_a_comment_an_apology_a_coupon_and_solved(bot):
    desk = await desk_chat(bot)
    ming = bot.sb.add_user("小明")
    await started(bot, ming)
    order = await delivered(bot, ming)
    await at(bot, 1, 10, 0)
    ask = last_visit(bot, ming)
    bot.replies(ming)
    first = await bot.sb.tap(ming, ask, "ac:r:1:2")
    second = await bot.sb.tap(ming, ask, "ac:r:1:1")  # a double tap: one rating
    await bot.settle()
    [case] = await cases(bot)
    assert bot.sb.answer_of(second)["text"] == t("aftercare.answer.rate_already")
    assert bot.sb.answer_of(first)["text"] == t("aftercare.answer.rate_sorry", score=2,
                                                number=case.id)
    assert bot.htmls(ming) == [  # a bad mood is followed up the next day, not at once
        t("aftercare.answer.rate_sorry", score=2, number=case.id),
        t("aftercare.case.opened", number=case.id, due="2026-11-23 00:00")]
    assert [(r.subject, r.score) for r in await ratings(bot)] == [("visit", 2)]
    assert (case.opened_by, case.reason, case.state, case.order_id) == (
        OPENED_BY_RATING, "mood", CASE_OPEN, order)

    await bot.say(ming, "有两个坏的，不想申请了")
    assert bot.htmls(ming) == [t("aftercare.answer.comment_case", number=case.id)]
    await tick(bot)
    thread = topic_of(bot, desk)
    said = said_in_topic(bot, desk, thread)
    opened = t("aftercare.desk.opened", number=case.id, source=t("aftercare.opened_by.rating"),
               reason=t("aftercare.reason.mood"), due="2026-11-23 00:00", what="—",
               order=order, claim="—")
    assert opened in said
    assert t("aftercare.desk.comment", number=case.id, what="有两个坏的，不想申请了") in said
    card = bot.sb.message_snapshot((desk.chat.id, bot.sb.pinned(desk.chat)[0]))["html"]
    assert t("aftercare.history.case", number=case.id, reason=t("aftercare.reason.mood"),
             state=t("aftercare.state.open"), day="11-21") in card

    notice = [m for m in bot.sb.topic_messages(desk.chat, thread)
              if (m.get("html") or m.get("text")) == opened][0]
    await bot.tap(desk.lee, notice, f"ac:why:{case.id}:quality")
    [case] = await cases(bot)
    assert case.reason == "quality"

    await agent_says(bot, desk.lee, desk, thread, "非常抱歉，坏了两个是我们的问题")
    assert bot.htmls(ming) == [t("desk.member.served", agent="李华"),
                               "<b>李华</b>：非常抱歉，坏了两个是我们的问题"]
    [case] = await cases(bot)
    assert (case.state, case.owner_id is not None) == (CASE_CONTACTED, True)

    await agent_says(bot, desk.lee, desk, thread, "/coupon 50")  # beyond the 5–10 range
    assert bot.htmls(desk.chat)[-1] == t("aftercare.agent.coupon_range", min=5, max=10)
    await agent_says(bot, desk.lee, desk, thread, "/coupon 5")
    assert bot.htmls(desk.chat)[-1] == t("aftercare.agent.coupon_sent", number=case.id,
                                         amount="¥5.00")
    said = bot.replies(ming)
    assert [m["html"] for m in said] == [
        t("aftercare.case.coupon", number=case.id, amount="¥5.00", expires="2026-12-21 10:00"),
        t("aftercare.case.question", number=case.id)]
    async with bot.rt.tx() as s:
        coupon = await s.scalar(select(Coupon))
    assert (coupon.case_id, coupon.claim_id, coupon.amount_minor) == (case.id, None, 500)
    question = said[1]
    assert bot.sb.buttons(question) == [
        (t("aftercare.case.yes_button"), f"ac:ok:{case.id}:1:1"),
        (t("aftercare.case.no_button"), f"ac:ok:{case.id}:1:0")]
    await bot.sb.tap(ming, question, f"ac:ok:{case.id}:1:1")
    await bot.sb.tap(ming, question, f"ac:ok:{case.id}:1:1")  # a double tap closes it once
    await bot.settle()
    assert bot.htmls(ming) == [t("aftercare.answer.case_closed_thanks", number=case.id)]
    [case] = await cases(bot)
    assert case.state == CASE_CLOSED
    assert await events(bot, case.id) == ["opened", "comment", "reason", "contacted", "coupon",
                                          "resolved", "closed"]
    await tick(bot)
    assert t("aftercare.desk.closed", number=case.id) in said_in_topic(bot, desk, thread)


async def test_not_solved_reopens_and_an_overdue_case_goes_to_the_organizers(bot):
    desk = await desk_chat(bot)
    c = await community_with_bot(bot, "小明")
    [ming] = c.members
    await started(bot, ming, c.organizer)
    await bot.say(ming, "再这样我就投诉到12315")
    [case] = await cases(bot)
    assert bot.htmls(ming) == [t("aftercare.case.opened", number=case.id,
                                 due="2026-11-21 00:00")]
    assert (case.opened_by, case.what) == (OPENED_BY_WORDS, "再这样我就投诉到12315")
    await tick(bot)
    bot.replies(ming)

    def told_organizer() -> list[str]:  # the desk raises its waiting conversation too
        return [h for h in bot.htmls(c.organizer) if h.startswith("⏰")]

    await at(bot, 0, 23, 59)
    assert told_organizer() == []
    await at(bot, 1, 0, 1)  # nobody contacted the member by the end of service today
    overdue = t("aftercare.case.overdue", number=case.id, member="小明",
                reason=t("aftercare.reason.quality"), due="2026-11-21 00:00", owner="—")
    assert told_organizer() == [overdue]
    async with bot.rt.tx() as s:  # the report's promises: one active case, overdue
        now = bot.rt.clock.now()
        assert await aftercare(s, bot.rt.community_id, last_days(7, TZ, now), now) == (
            None, 1, 1)
    await at(bot, 1, 9, 0)
    assert told_organizer() == []  # once

    thread = topic_of(bot, desk)
    await agent_says(bot, desk.fang, desk, thread, "/resolve explanation 已解释")
    assert bot.htmls(desk.chat)[-1] == t("aftercare.agent.resolved", number=case.id,
                                         resolution=t("aftercare.resolution.explanation"))
    [question] = [m for m in bot.replies(ming)
                  if m["html"] == t("aftercare.case.question", number=case.id)]
    await bot.tap(ming, question, f"ac:ok:{case.id}:1:0")
    assert bot.htmls(ming) == [t("aftercare.answer.case_reopened", number=case.id,
                                 due="2026-11-22 00:00")]
    [case] = await cases(bot)
    assert (case.state, case.reopened, case.escalated_at) == (CASE_REOPENED, 1, None)
    assert await events(bot, case.id) == ["opened", "escalated", "resolved", "reopened"]
    await at(bot, 2, 0, 1)  # let slip again: escalated again
    assert told_organizer() == [t("aftercare.case.overdue", number=case.id,
                                        member="小明", reason=t("aftercare.reason.quality"),
                                        due="2026-11-22 00:00", owner="王芳")]


async def test_still_unhappy_under_a_rejection_opens_one_case(bot):
    desk = await desk_chat(bot)
    c = cast(bot)
    claim_id = await submitted_claim(bot, c.ming)
    await tick(bot)
    card = card_in(bot, c.room, claim_id)
    bot.replies(c.room)
    await bot.tap(c.zhao, card, f"rv:r:{claim_id}")
    [picker] = bot.replies(c.room)
    await bot.tap(c.zhao, picker, f"rv:rr:{claim_id}:batch_variation")
    await bot.sb.send_text(c.zhao, c.room, "照片里的果子是完好的", reply_to=fresh(bot, picker))
    await bot.settle()
    [notice] = [m for m in bot.replies(c.ming) if m["text"].startswith(f"售后申请 #{claim_id}")]
    first = await bot.tap(c.ming, notice, f"ac:un:{claim_id}")
    second = await bot.tap(c.ming, notice, f"ac:un:{claim_id}")
    [case] = await cases(bot)
    assert bot.sb.answer_of(first)["text"] == t("aftercare.answer.case_opened", number=case.id)
    assert bot.sb.answer_of(second)["text"] == t("aftercare.answer.case_known", number=case.id)
    assert (case.opened_by, case.claim_id, case.reason) == (
        OPENED_BY_UNHAPPY, claim_id, "misunderstanding")
    assert [m["html"] for m in bot.replies(c.ming)] == [
        t("aftercare.case.opened", number=case.id, due="2026-11-21 00:00")]
    bot.clock.advance(minutes=61)  # the claim's rating request is not sent over a complaint
    await tick(bot)
    assert t("aftercare.rating.claim", claim=claim_id) not in bot.htmls(c.ming)
    await bot.say(c.li, f"/claim {claim_id}")  # the reviewer's history shows the case
    assert t("aftercare.history.case", number=case.id,
             reason=t("aftercare.reason.misunderstanding"), state=t("aftercare.state.open"),
             day="11-20") in bot.htmls(c.li)[-1]
    # A refund or a reship is a claim's, decided by a reviewer: the desk only names it.
    thread = topic_of(bot, desk)
    await agent_says(bot, desk.fang, desk, thread, "/resolve refund")
    assert bot.htmls(desk.chat)[-1] == t("aftercare.agent.resolve_claim_not_done",
                                         number=case.id, claim=claim_id, resolution="refund")
    await agent_says(bot, desk.fang, desk, thread, "/resolve reship #99999")
    assert bot.htmls(desk.chat)[-1] == t("aftercare.agent.resolve_needs_claim",
                                         number=case.id, resolution="reship")
    [case] = await cases(bot)
    assert case.state == CASE_OPEN and case.resolution is None


async def test_complaint_in_a_desk_topic_and_who_may(bot):
    desk = await desk_chat(bot)
    ming = bot.sb.add_user("小明")
    await started(bot, ming)
    await bot.say(ming, "/service")
    await bot.say(ming, "我的橙子坏了")
    thread = topic_of(bot, desk)
    bot.replies(ming)
    async with bot.rt.tx() as s:  # 王芳 is a member of the desk chat, not yet an agent row
        fang = await upsert_member(s, Person(desk.fang.id, desk.fang.first_name))
        await grant_role(s, bot.rt.community_id, fang, "agent", "config")
    before = len(said_in_topic(bot, desk, thread))
    await agent_says(bot, desk.fang, desk, thread, "/complaint attitude 会员说上次客服态度差")
    [case] = await cases(bot)
    assert said_in_topic(bot, desk, thread)[before:] == [
        t("aftercare.agent.staff_opened", number=case.id, reason=t("aftercare.reason.attitude"),
          due="2026-11-21 00:00"),
        t("aftercare.desk.opened", number=case.id, source=t("aftercare.opened_by.staff"),
          reason=t("aftercare.reason.attitude"), due="2026-11-21 00:00",
          what="会员说上次客服态度差", order="—", claim="—")]
    assert (case.opened_by, case.reason, case.what) == (
        OPENED_BY_STAFF, "attitude", "会员说上次客服态度差")
    assert [m["html"] for m in bot.replies(ming)] == [
        t("aftercare.case.opened", number=case.id, due="2026-11-21 00:00")]
    await agent_says(bot, desk.fang, desk, thread, "/cases")
    assert bot.htmls(desk.chat)[-1] == "\n".join([
        t("aftercare.cases.title", count=1),
        t("aftercare.cases.line", number=case.id, member="小明",
          reason=t("aftercare.reason.attitude"), state=t("aftercare.state.open"),
          owner="王芳", due=t("aftercare.cases.apology_due", at="2026-11-21 00:00"))])
    await agent_says(bot, desk.fang, desk, thread, "/complaint")
    assert bot.htmls(desk.chat)[-1] == t("aftercare.agent.case_exists", number=case.id,
                                         reason=t("aftercare.reason.attitude"),
                                         due="2026-11-21 00:00")
