"""Who may do what (groupbot/permissions.py), enforced at the edge and in the services.

The walk drives the real bot: a member, an organizer (a group admin), a reviewer and a
service agent each try every action the chat offers; what the table allows must work, the
rest must get exactly the refusal naming who may. Finding 4 of issue 11: organizers are not
reviewers, unless a deployment says so.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

import messages
from groupbot import permissions
from groupbot.models import ROLE_MEMBER, ROLE_ORGANIZER, ROLE_REVIEWER, Order, Refund, Role
from groupbot.people import Person, grant_role, member_by_telegram_id, upsert_member
from groupbot.reviews.decisions import APPROVE, decide
from groupbot.settings import Settings
from handlers.common import keyboard
from tests.factories import community_with_bot, started
from tests.reviews.helpers import submitted_claim

LI_ID, REVIEW_CHAT = 7_100_001, -1_007_100_001
WALK_SETTINGS = dict(reviewer_ids=frozenset({LI_ID}), reviewers_chat_id=REVIEW_CHAT)


def t(key: str, **values: object) -> str:
    return messages.t("zh-Hans", key, **values)


REFUSALS = {t(f"permissions.refused.{role}") for role in permissions.ROLES}


# --- the table itself -------------------------------------------------------------------------


def test_every_action_names_known_roles_and_members_may_use_the_bot() -> None:
    for action, roles in permissions.TABLE.items():
        assert roles and roles <= set(permissions.ROLES), action
    assert permissions.open_to_everyone(permissions.USE_BOT)
    assert permissions.REVIEW_ACTIONS == {
        permissions.VIEW_QUEUE, permissions.DECIDE_CLAIM, permissions.ADJUST_AMOUNT,
        permissions.OFFER_COUPON, permissions.REVERSE_AUTO_APPROVAL, permissions.MARK_PAID,
        permissions.RESHIP_GOODS}


def test_organizers_review_only_when_the_setting_says_so() -> None:
    organizer = {ROLE_MEMBER, ROLE_ORGANIZER}
    default, allowed = Settings(), Settings(organizers_may_review=True)
    for action in permissions.REVIEW_ACTIONS:
        refusal = permissions.check(organizer, action, default)
        assert refusal is not None and (refusal.code, dict(refusal.params)) == (
            "not_permitted", {"action": action, "role": ROLE_REVIEWER})
        assert permissions.check(organizer, action, allowed) is None
    # The setting adds reviewing and nothing else.
    assert permissions.check({ROLE_MEMBER}, permissions.DECIDE_CLAIM, allowed) is not None
    assert permissions.check(organizer, permissions.DESK_REPLY, allowed) is not None


# --- the walk ---------------------------------------------------------------------------------

# How each action is tried in the chat: ("say", text) in the private chat, ("tap", data) on a
# copy of a card in the private chat, ("group_tap", data) on the deal card in the group.
ENTRIES: dict[str, tuple[str, str]] = {
    permissions.USE_BOT: ("say", "/help"),
    permissions.VIEW_OWN_ORDERS: ("say", "/myorders"),
    permissions.FILE_CLAIM: ("say", "/claims"),
    permissions.JOIN_DEAL: ("group_tap", "deal:1:j:1"),
    permissions.POST_DEAL: ("say", "/deal"),
    permissions.MARK_SHIPPED: ("say", "/ship"),
    permissions.MARK_DELIVERED: ("say", "/delivered"),
    permissions.VIEW_UNDELIVERED: ("say", "/undelivered"),
    permissions.VIEW_QUEUE: ("say", "/queue"),
    permissions.MARK_PAID: ("say", "/payouts"),
    permissions.DECIDE_CLAIM: ("tap", "rv:r:{claim}"),
    permissions.ADJUST_AMOUNT: ("tap", "rv:j:{claim}"),
    permissions.OFFER_COUPON: ("tap", "rv:c:{claim}"),
    permissions.REVERSE_AUTO_APPROVAL: ("tap", "rv:x:{claim}"),
    permissions.VIEW_CLAIM_HISTORY: ("say", "/claim {claim}"),
    permissions.CONFIRM_RETURN: ("say", "/returned 999"),
    permissions.VIEW_LOGISTICS: ("say", "/stalled"),
    permissions.VIEW_REPORTS: ("say", "/report"),
    permissions.ACT_ON_ALERTS: ("say", "/improvements"),
    permissions.SET_HOURS: ("say", "/hours"),
    permissions.ASK_FOR_PERSON: ("say", "/service"),
    permissions.ANSWER_AFTERCARE: ("tap", "ac:r:999:5"),  # a rating that does not exist
    permissions.WORK_CASES: ("say", "/cases"),
    permissions.BROADCAST: ("say", "/broadcast"),  # it opens a draft (taps still work)
    # Last: a reviewer's tap decides the claim, and the member's notice is read after it.
    permissions.RESHIP_GOODS: ("tap", "rv:rs:{claim}"),
}
# Actions no chat command reaches (yet): the operator's CLI, and features other issues wire.
NOT_IN_CHAT = {permissions.IMPORT_ORDERS: "groupbot orders import (the operator's shell)",
               permissions.DESK_REPLY: "only inside a desk chat's topics (tests/desk)",
               permissions.OPEN_COMPLAINT: "/complaint in a desk topic (tests/aftercare)",
               permissions.GOODWILL_COUPON: "/coupon in a desk topic (tests/aftercare)"}


def test_every_action_is_walked_or_says_why_not() -> None:
    assert set(ENTRIES) | set(NOT_IN_CHAT) == set(permissions.TABLE)
    assert not set(ENTRIES) & set(NOT_IN_CHAT)


@pytest.mark.settings(**WALK_SETTINGS)
async def test_every_command_and_button_is_registered_with_its_action(bot) -> None:
    from telegram.ext import CallbackQueryHandler, CommandHandler

    registered = set()
    for handlers in bot.app.handlers.values():
        for handler in handlers:
            if isinstance(handler, CommandHandler | CallbackQueryHandler):
                action = getattr(handler.callback, "permits_action", None)
                assert action in permissions.TABLE, handler.callback
                registered.add(action)
    assert registered == set(ENTRIES)


async def _cast(bot):
    c = await community_with_bot(bot, "小明", "小萧")
    ming, xiao = c.members
    li = bot.sb.add_user("李审核", user_id=LI_ID, language_code="zh-hans")
    room = bot.sb.add_group("售后审核群", members=[li], chat_id=REVIEW_CHAT)
    room.bot_status = "member"
    await bot.sb.join_group(c.group, li)
    await bot.settle()
    bot.replies(c.group)
    await started(bot, ming, xiao, li, c.organizer)
    async with bot.rt.tx() as s:  # 小萧 is a service agent
        agent = await upsert_member(s, Person(xiao.id, xiao.first_name))
        await grant_role(s, bot.rt.community_id, agent, permissions.ROLE_AGENT, "config")
    return c, ming, xiao, li, room


@pytest.mark.settings(**WALK_SETTINGS)
async def test_the_whole_table_role_by_action(bot) -> None:
    c, ming, xiao, li, room = await _cast(bot)
    await bot.say(c.organizer, "/deal 沃柑 5/个 20:00", chat=c.group)
    [deal_card] = bot.replies(c.group)
    claim_id = await submitted_claim(bot, ming)
    bot.replies(room)
    bot.replies(ming)
    people = {ROLE_MEMBER: ming, ROLE_ORGANIZER: c.organizer, ROLE_REVIEWER: li,
              permissions.ROLE_AGENT: xiao}
    for action, (kind, payload) in ENTRIES.items():
        payload = payload.format(claim=claim_id)
        for role, user in people.items():
            allowed = permissions.allows({ROLE_MEMBER, role}, action, bot.settings)
            said = await _try(bot, user, kind, payload, deal_card, c.group)
            where = f"{role} × {action}"
            if allowed:
                assert said and not set(said) & REFUSALS, (where, said)
            elif action == permissions.VIEW_CLAIM_HISTORY:
                # Not staff: "/claim 12" is the member's own /claim, never the audit trail.
                assert said and all("的记录" not in s for s in said), (where, said)
            else:
                needed = permissions.check({ROLE_MEMBER, role}, action, bot.settings)
                assert said == [t(f"permissions.refused.{needed.params['role']}")], (where, said)
        if action == permissions.RESHIP_GOODS:  # the reviewer's reship reaches the member
            await bot.settle()
            async with bot.rt.tx() as s:
                reship_order = await s.scalar(select(func.max(Order.id)))
            assert bot.htmls(ming) == [messages.t(
                "zh-Hans", "reviews.member.reshipped", claim=claim_id, order=reship_order,
                note="")]


async def _try(bot, user, kind: str, payload: str, deal_card: dict, group) -> list[str]:
    """What the person was told: replies in the chat and the tap's answer, if any."""
    if kind == "say":
        await bot.say(user, payload)
        return bot.texts(user)
    if kind == "group_tap":
        query = await bot.sb.tap(user, deal_card, payload)
    else:
        await bot.app.bot.send_message(user.id, "#", reply_markup=keyboard([[("▶", payload)]]))
        [copy] = bot.replies(user)
        query = await bot.sb.tap(user, copy, payload)
    await bot.settle()
    answer = (bot.sb.answer_of(query) or {}).get("text")
    said = ([answer] if answer else []) + bot.texts(user)
    bot.replies(group)
    return said or ["(answered silently)"]


# --- finding 4 --------------------------------------------------------------------------------


async def _claim_card(bot):
    c, ming, xiao, li, room = await _cast(bot)
    claim_id = await submitted_claim(bot, ming)
    _sheet, card = bot.replies(room)
    return c, li, room, claim_id, card


async def _refunds(bot) -> int:
    async with bot.rt.tx() as s:
        return int(await s.scalar(select(func.count(Refund.id))))


@pytest.mark.settings(**WALK_SETTINGS)
async def test_an_organizer_cannot_approve_a_refund(bot) -> None:
    c, li, room, claim_id, card = await _claim_card(bot)
    wang = c.organizer  # admin of the community group, so an organizer
    await bot.app.bot.send_message(wang.id, "#", reply_markup=keyboard(
        [[("✅", f"rv:a:{claim_id}")]]))
    [copy] = bot.replies(wang)
    query = await bot.sb.tap(wang, copy, f"rv:a:{claim_id}")
    await bot.settle()
    assert bot.sb.answer_of(query) == {**bot.sb.answer_of(query),
                                       "text": t("permissions.refused.reviewer"),
                                       "show_alert": True}
    await bot.say(wang, "/queue")
    assert bot.texts(wang) == [t("permissions.refused.reviewer")]
    await bot.say(wang, "/payouts")
    assert bot.texts(wang) == [t("permissions.refused.reviewer")]
    await bot.say(wang, "/help")  # and /help does not offer what he may not do
    [shown] = bot.texts(wang)
    assert "/deal" in shown and "/queue" not in shown and "/payouts" not in shown
    # The service refuses too, whoever calls it.
    async with bot.rt.tx() as s:
        organizer = await member_by_telegram_id(s, wang.id)
        refused = await decide(s, bot.rt, claim_id, organizer, APPROVE)
    assert (refused.ok, refused.code, refused.params["role"]) == (
        False, "not_permitted", ROLE_REVIEWER)
    assert await _refunds(bot) == 0
    # A reviewer can.
    await bot.tap(li, card, f"rv:a:{claim_id}")
    assert await _refunds(bot) == 1


@pytest.mark.settings(**WALK_SETTINGS, organizers_may_review=True)
async def test_organizers_review_when_the_deployment_says_so(bot) -> None:
    c, _li, _room, claim_id, _card = await _claim_card(bot)
    await bot.say(c.organizer, "/queue")
    [queue] = bot.texts(c.organizer)
    assert f"#{claim_id}" in queue
    await bot.say(c.organizer, "/help")
    [shown] = bot.texts(c.organizer)
    assert "/queue" in shown and "/payouts" in shown and "/deal" in shown
    async with bot.rt.tx() as s:
        organizer = await member_by_telegram_id(s, c.organizer.id)
        assert (await decide(s, bot.rt, claim_id, organizer, APPROVE)).ok
    assert await _refunds(bot) == 1


@pytest.mark.settings(reviewers_chat_id=REVIEW_CHAT)
async def test_members_of_the_reviewers_chat_are_reviewers_until_they_leave(bot) -> None:
    c, li, room, claim_id, card = await _claim_card(bot)  # 李 is not configured here
    zhou = bot.sb.add_user("周审核", language_code="zh-hans", started=True)
    await bot.sb.join_group(room, zhou)
    await bot.settle()
    # Never acted in the chat: the bot asks Telegram (getChatMember), then remembers.
    await bot.say(zhou, "/queue")
    [queue] = bot.texts(zhou)
    assert f"#{claim_id}" in queue
    async with bot.rt.tx() as s:
        member = await member_by_telegram_id(s, zhou.id)
        sources = list(await s.scalars(select(Role.source).where(Role.member_id == member.id)))
    assert sources == ["reviewers_chat"]
    # Acting inside the chat proves membership by itself.
    await bot.tap(li, card, f"rv:a:{claim_id}")
    assert await _refunds(bot) == 1
    # Leaving the chat ends it.
    await bot.sb.leave_group(room, zhou)
    await bot.settle()
    await bot.say(zhou, "/queue")
    assert bot.texts(zhou) == [t("permissions.refused.reviewer")]


async def test_an_admin_promoted_after_the_group_was_registered_may_post_deals(bot) -> None:
    c = await community_with_bot(bot, "小明")
    [ming] = c.members
    await bot.say(ming, "/deal 沃柑 5/个 20:00", chat=c.group)
    assert bot.texts(c.group) == [t("permissions.refused.organizer")]
    bot.sb.state.chats[c.group.id].members[ming.id] = "administrator"  # promoted in Telegram
    await bot.say(ming, "/deal 沃柑 5/个 20:00", chat=c.group)
    [card] = bot.replies(c.group)
    buttons = [b.get("callback_data") for row in card["reply_markup"]["inline_keyboard"] for b in row]
    assert "沃柑" in card["text"] and "deal:1:j:1" in buttons  # the deal card, live
    async with bot.rt.tx() as s:
        member = await member_by_telegram_id(s, ming.id)
        sources = list(await s.scalars(select(Role.source).where(Role.member_id == member.id)))
    assert sources == ["group_admin"]


@pytest.mark.settings(reviewers_chat_id=REVIEW_CHAT)
async def test_a_cached_membership_is_checked_again_after_a_day(bot) -> None:
    _c, _li, room, claim_id, _card = await _claim_card(bot)
    zhou = bot.sb.add_user("周审核", language_code="zh-hans", started=True)
    await bot.sb.join_group(room, zhou)
    await bot.settle()
    await bot.say(zhou, "/queue")
    assert f"#{claim_id}" in bot.texts(zhou)[0]
    # Removed while the bot was not told (no update reached it): the cache holds for a while…
    bot.sb.state.chats[room.id].members[zhou.id] = "left"
    bot.clock.advance(hours=23)
    await bot.say(zhou, "/queue")
    assert f"#{claim_id}" in bot.texts(zhou)[0]
    # …and after GROUPBOT_STAFF_CHAT_RECHECK_HOURS Telegram is asked again.
    bot.clock.advance(hours=2)
    await bot.say(zhou, "/queue")
    assert bot.texts(zhou) == [t("permissions.refused.reviewer")]
    async with bot.rt.tx() as s:
        member = await member_by_telegram_id(s, zhou.id)
        assert list(await s.scalars(select(Role.id).where(Role.member_id == member.id))) == []


@pytest.mark.settings(reviewers_chat_id=REVIEW_CHAT)
async def test_an_anonymous_admin_in_the_reviewers_chat_is_not_a_reviewer(bot) -> None:
    # Anonymous admins write as GroupAnonymousBot, one shared account in every group: a role
    # given to it in the reviewers' chat would hold for anonymous admins everywhere.
    _c, _li, room, claim_id, card = await _claim_card(bot)
    anonymous = bot.sb.add_user("Group", username="GroupAnonymousBot", user_id=1087968824)
    anonymous.is_bot = True
    room.members[anonymous.id] = "administrator"
    query = await bot.sb.tap(anonymous, card, f"rv:a:{claim_id}")
    await bot.settle()
    assert bot.sb.answer_of(query)["text"] == t("permissions.refused.reviewer")
    assert await _refunds(bot) == 0
