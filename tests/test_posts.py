"""Posts that must exist once: intent before the send, message id after, one more send at
most after a crash between the two."""

from __future__ import annotations

from datetime import timedelta

import pytest

from groupbot import deal_card, deals, notify, posts, sent_records
from groupbot.models import Deal, Post
from tests.factories import group_row, member


class FakeSender:
    def __init__(self) -> None:
        self.sent: list[tuple[int, str]] = []
        self.refuse: Exception | None = None

    async def send(self, chat_id, text, buttons=None, photo=None) -> int:
        if self.refuse is not None:
            raise self.refuse
        self.sent.append((chat_id, text))
        return 100 + len(self.sent)

    async def edit(self, chat_id, message_id, text, buttons=None) -> None:
        pass


class Crash(BaseException):
    """The process dies (SIGKILL): nothing after this point runs, nothing retries."""


def crash_in_the_record(monkeypatch) -> None:
    async def crash(*_args):
        raise Crash  # the process dies after Telegram took the message, before its record

    monkeypatch.setattr(sent_records.Recorder, "sent", crash)


async def a_deal(rt) -> tuple[int, int]:
    """A deal saved together with the intent of its card; (deal id, post id)."""
    async with rt.tx() as session:
        group = await group_row(rt, session)
        organizer = await member(rt, session, 1, "王团长")
        spec = deals.parse_deal_spec("阳山水蜜桃 25.8/斤 20:00", rt.clock.now(), rt)
        deal = await deals.create_deal(session, rt, organizer=organizer, group=group, spec=spec)
        post = await deal_card.intend_card(session, rt, deal)
        return deal.id, post.id


async def test_a_crash_between_send_and_record_sends_once_more_never_twice_more(
        runtime, monkeypatch):
    deal_id, post_id = await a_deal(runtime)
    sender = FakeSender()
    with monkeypatch.context() as m:
        crash_in_the_record(m)
        with pytest.raises(Crash):
            await posts.deliver(runtime, sender, post_id)
    assert len(sender.sent) == 1
    # While a send may still be in flight, nobody takes it again.
    await posts.deliver_due(runtime, sender)
    assert len(sender.sent) == 1
    # After the lease (a restart), it is sent once more, and this time recorded.
    runtime.clock.advance(minutes=3)
    await posts.deliver_due(runtime, sender)
    assert len(sender.sent) == 2
    async with runtime.tx() as session:
        assert (await session.get(Deal, deal_id)).card_message_id == 102
    runtime.clock.advance(minutes=30)
    await posts.deliver_due(runtime, sender)
    assert len(sender.sent) == 2


async def test_two_crashes_never_make_a_third_copy(runtime, monkeypatch):
    _deal_id, post_id = await a_deal(runtime)
    sender = FakeSender()
    crash_in_the_record(monkeypatch)
    for retry in (False, True):  # the first send, then the retry after the restart
        with pytest.raises(Crash):
            await posts.deliver(runtime, sender, post_id, retry=retry)
        runtime.clock.advance(minutes=3)
    await posts.deliver_due(runtime, sender)
    assert len(sender.sent) == 2


async def test_a_crash_after_the_record_links_the_message_later_and_never_posts_again(
        runtime, monkeypatch):
    deal_id, post_id = await a_deal(runtime)
    sender = FakeSender()
    linking = posts.KINDS[deal_card.CARD]

    async def crash(*_args):
        raise Crash  # recorded; the process dies before the deal hears of its card

    with monkeypatch.context() as m:
        m.setitem(posts.KINDS, deal_card.CARD, posts.PostKind(linking.draw, crash))
        with pytest.raises(Crash):
            await posts.deliver(runtime, sender, post_id)
    async with runtime.tx() as session:
        post = await session.get(Post, post_id)
        assert (post.message_id, post.linked_at) == (101, None)
        assert (await session.get(Deal, deal_id)).card_message_id is None
    await posts.deliver_due(runtime, sender)  # the sender may still be linking it
    async with runtime.tx() as session:
        assert (await session.get(Deal, deal_id)).card_message_id is None
    runtime.clock.advance(seconds=posts.LINK_GRACE.total_seconds() + 1)
    await posts.deliver_due(runtime, sender)
    async with runtime.tx() as session:
        assert (await session.get(Deal, deal_id)).card_message_id == 101
        assert (await session.get(Post, post_id)).linked_at is not None
    runtime.clock.advance(minutes=30)
    await posts.deliver_due(runtime, sender)
    assert len(sender.sent) == 1


async def test_a_send_that_certainly_failed_does_not_count(runtime):
    _deal_id, post_id = await a_deal(runtime)
    sender = FakeSender()
    sender.refuse = notify.RetryLater(5)
    assert await posts.deliver(runtime, sender, post_id) is None
    sender.refuse = None
    runtime.clock.advance(seconds=6)
    await posts.deliver_due(runtime, sender)
    async with runtime.tx() as session:
        post = await session.get(Post, post_id)
    assert (post.attempts, post.message_id, len(sender.sent)) == (1, 101, 1)
    assert posts.SEND_LEASE > timedelta(seconds=6)
