"""Decide, commit, then speak (issue 11, findings 1, 3, 6, 8, 9, 11, 13): nothing is said before
the commit that makes it true, and slow work runs with no transaction open."""

import asyncio
from contextlib import contextmanager

from sqlalchemy import delete, event, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, object_session
from sqlalchemy.orm.exc import UnmappedInstanceError

import handlers.photo_intake
import messages
from groupbot import claims
from groupbot.models import Claim, Draft, Group, Member, OutboxMessage, Role
from groupbot.people import Person, upsert_member
from handlers.ticks import tick_now
from tests.factories import community_with_bot, started
from tests.handlers.test_claims import at_photos, delivered_order, open_claim, photo


def t(key, **values):
    return messages.t("zh-Hans", key, **values)


@contextmanager
def commit_fails_after(monkeypatch, module, name):
    """The commit of the transaction that called ``module.name`` fails, as a crash at that
    moment would (other transactions, e.g. the periodic jobs', commit as usual)."""
    armed: set = set()
    original = getattr(module, name)

    def session_of(args):
        for arg in args:
            if isinstance(arg, AsyncSession):
                return arg.sync_session
            try:
                if (found := object_session(arg)) is not None:
                    return found
            except UnmappedInstanceError:
                continue
        raise AssertionError(f"{name} was called without a session or a loaded row")

    def arm(*args, **kwargs):
        armed.add(session_of(args))
        return original(*args, **kwargs)

    async def arm_async(*args, **kwargs):
        armed.add(session_of(args))
        return await original(*args, **kwargs)

    def fail(session):
        if session in armed:
            armed.discard(session)
            raise RuntimeError("the database went away at commit")

    monkeypatch.setattr(module, name,
                        arm_async if asyncio.iscoroutinefunction(original) else arm)
    event.listen(Session, "before_commit", fail)
    try:
        yield
    finally:
        event.remove(Session, "before_commit", fail)


async def claim_at_summary(bot):
    c, ming = await delivered_order(bot)
    await at_photos(bot, ming, units=2)
    await bot.send_photos(ming, [photo()])
    [ack] = bot.replies(ming)
    await bot.tap(ming, ack, "cl:done")
    [summary] = bot.replies(ming)
    return c, ming, summary


async def test_submitted_is_said_only_after_the_claim_is_committed(bot, monkeypatch):
    """Finding 1: the commit fails after the claim was written: nobody is told "submitted"."""
    c, ming, summary = await claim_at_summary(bot)
    with commit_fails_after(monkeypatch, claims, "submit"):
        await bot.tap(ming, summary, "cl:submit")
    assert bot.texts(ming) == [t("errors.generic")]
    async with bot.rt.tx() as session:
        assert await session.scalar(select(func.count(Claim.id))) == 0
    # The draft is intact: submitting again works, and "submitted" comes from the outbox.
    await bot.tap(ming, summary, "cl:submit")
    [submitted] = bot.htmls(ming)
    async with bot.rt.tx() as session:
        claim = await session.scalar(select(Claim))
        row = await session.scalar(select(OutboxMessage).where(
            OutboxMessage.kind == "claim_submitted"))
    assert submitted == t("claims.submitted", claim=claim.id, amount="¥10.00",
                          due="2026-11-22 10:00", payout_days=3)
    assert row.status == "sent" and row.message == {"k": "claims.submitted", "p": {
        "claim": claim.id, "amount": "¥10.00", "due": "2026-11-22 10:00", "payout_days": 3}}
    assert row.message_id == bot.last(ming)["message_id"]


async def test_the_photo_is_acknowledged_only_after_it_is_saved(bot, monkeypatch):
    """Finding 1 (photos) and 3: the acknowledgement follows the commit; the download and the
    check run with no pooled connection checked out."""
    c, ming = await delivered_order(bot)
    await at_photos(bot, ming)
    holders: dict = {}  # pooled connection -> the task that checked it out
    pool = bot.engine.sync_engine.pool
    event.listen(pool, "checkout", lambda _c, record, _p: holders.__setitem__(
        id(record), asyncio.current_task()))
    event.listen(pool, "checkin", lambda _c, record: holders.pop(id(record), None))
    held: list[bool] = []
    check = handlers.photo_intake.check_photo

    async def watched(*args, **kwargs):  # does the task checking the photo hold a connection?
        held.append(asyncio.current_task() in holders.values())
        return await check(*args, **kwargs)

    monkeypatch.setattr(handlers.photo_intake, "check_photo", watched)
    with commit_fails_after(monkeypatch, claims, "add_photo"):
        await bot.send_photos(ming, [photo()])
    assert bot.texts(ming) == [t("errors.generic")]
    await bot.send_photos(ming, [photo()])
    [ack] = bot.texts(ming)
    assert ack.startswith(t("claims.photo.received", count=1, max=6))
    assert held == [False, False]


async def test_the_deal_card_is_drawn_in_the_groups_language_from_the_start(bot):
    """Finding 6: an English-speaking organizer's card is the group's (Chinese) card."""
    wang = bot.sb.add_user("Wang", language_code="en")
    ming = bot.sb.add_user("小明", language_code="zh-hans")
    group = bot.sb.add_group("芒果团 3号楼", members=[wang, ming], admins=[wang])
    await bot.sb.add_bot_to_group(group, by=wang)
    await bot.settle()
    bot.replies(group)
    await bot.say(wang, "/deal 阳山水蜜桃 25.8/斤 20:00", chat=group)
    [card] = bot.replies(group)
    first = card["html"].splitlines()[0]
    assert first == t("deals.card_title", product="阳山水蜜桃")
    await bot.tap_label(ming, card, "接龙 1斤")
    await tick_now(bot.app)
    await bot.settle()
    edited = [m for m in bot.sb.bot_messages(group) if m["message_id"] == card["message_id"]][0]
    assert edited["html"].splitlines()[0] == first
    assert "已接龙 1 人，共 1斤" in edited["text"]


async def test_the_warning_link_after_the_confirmation_shows_the_order(bot):
    """Finding 8: ``/start o1`` once the confirmation was sent: the order and its buttons."""
    c = await community_with_bot(bot, "小明")
    [ming] = c.members
    await started(bot, ming)
    await bot.say(c.organizer, "/deal 阳山水蜜桃 25.8/斤 20:00", chat=c.group)
    [card] = bot.replies(c.group)
    await bot.tap_label(ming, card, "接龙 2斤")
    await tick_now(bot.app)
    await bot.settle()
    [confirmation] = bot.texts(ming)
    assert confirmation.startswith("请核对你的订单 #1")
    await bot.say(ming, "/start o1")
    [shown] = bot.replies(ming)
    assert shown["html"] == t("orders.myorders_item", order=1, date="2026-11-20",
                              status=t("orders.status.placed"),
                              lines=messages.Html(t("orders.line", product="阳山水蜜桃",
                                                    quantity=2, unit="斤", amount="¥51.60")))
    assert [label for label, _ in bot.sb.buttons(shown)] == [
        t("orders.confirm_ok_button"), t("orders.confirm_problem_button")]
    await bot.tap_label(ming, shown, t("orders.confirm_ok_button"))
    assert bot.texts(ming) == [t("orders.confirmed", order=1)]


async def test_a_group_missed_at_join_registers_on_an_admins_first_command(bot):
    """Finding 9: the database lost the group; an admin's /deal there registers it."""
    c = await community_with_bot(bot, "小明")
    async with bot.rt.tx() as session:
        await session.execute(delete(Role))
        await session.execute(delete(Group))
    await bot.say(c.members[0], "/deal 阳山水蜜桃 25.8/斤 20:00", chat=c.group)
    assert bot.texts(c.group) == [t("permissions.refused.organizer")]  # not an admin: nothing learnt
    await bot.say(c.organizer, "/deal 阳山水蜜桃 25.8/斤 20:00", chat=c.group)
    registered, card = bot.htmls(c.group)
    assert registered == t("group.registered", title="芒果团 3号楼")
    assert card.splitlines()[0] == t("deals.card_title", product="阳山水蜜桃")
    # The member's command is looked up twice (the registration hook, then the permission
    # check for post_deal); the admin's once: registering the group records them as organizer.
    calls = [name for name, *_ in bot.sb.calls if name == "getChatMember"]
    assert len(calls) == 3


async def test_two_updates_creating_the_same_member_at_once_both_succeed(runtime):
    """Finding 11: INSERT … ON CONFLICT, so the second creator finds the first one's row."""
    person = Person(telegram_id=4242, first_name="小明")
    first_inserted = asyncio.Event()

    async def first():
        async with runtime.tx() as session:
            member = await upsert_member(session, person)
            first_inserted.set()
            await asyncio.sleep(0.3)  # still uncommitted while the second one inserts
            return member.id

    async def second():
        await first_inserted.wait()
        async with runtime.tx() as session:
            return (await upsert_member(session, person)).id

    ids = await asyncio.gather(first(), second())
    assert ids[0] == ids[1]
    async with runtime.tx() as session:
        assert await session.scalar(select(func.count(Member.id))) == 1


async def test_a_description_over_the_limit_is_refused_not_cut(bot):
    """Finding 13: the member is told, and the step waits for a shorter text."""
    c, ming = await delivered_order(bot)
    units = await open_claim(bot, ming)
    await bot.tap(ming, units, "cl:u:1:1")
    [reason] = bot.replies(ming)
    await bot.tap(ming, reason, "cl:r:rotten")
    bot.replies(ming)
    await bot.say(ming, "烂" * 1001)
    assert bot.texts(ming) == [t("claims.refuse.description_too_long", length=1001, max=1000)]
    await bot.say(ming, "烂" * 1000)
    [ask_photos] = bot.htmls(ming)
    assert ask_photos == t("claims.ask_photos", max=6, count=0)
    async with bot.rt.tx() as session:
        draft = await session.scalar(select(Draft))
    assert draft.data["description"] == "烂" * 1000
