"""Posts that must exist once: intent before the send, message id after, one more send at
most after a crash between the two."""

from __future__ import annotations

from datetime import timedelta

import pytest

from groupbot import deal_card, deals, notify, posts, sent_journal, sent_records
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


class WireSender(FakeSender):
    """Like the Bot API transport (handlers/wire.py): a send's request is written, and a send
    that asked hears it, before the answer comes back (or the process dies waiting for it)."""

    def __init__(self, die: str | None = None) -> None:
        super().__init__()
        self.die = die  # "before writing" / "after writing": a SIGKILL there

    async def send(self, chat_id, text, buttons=None, photo=None) -> int:
        if self.die == "before writing":
            raise Crash
        written = notify.request_written.get()
        if written is not None:
            await written(True)
        if self.die == "after writing":
            self.sent.append((chat_id, text))  # Telegram stores it; nobody hears the answer
            raise Crash
        return await super().send(chat_id, text, buttons, photo)


async def killed_while_sending(runtime, monkeypatch, die: str) -> tuple[int, int]:
    """A deal (its card is better lost than doubled), the process killed ``die``."""
    assert not posts.KINDS[deal_card.CARD].again_if_unanswered
    deal_id, post_id = await a_deal(runtime)
    with pytest.raises(Crash):
        await posts.deliver(runtime, WireSender(die=die), post_id)
    return deal_id, post_id


async def test_a_post_better_lost_than_doubled_is_not_sent_again_once_its_request_left(
        runtime, monkeypatch):
    _deal_id, post_id = await killed_while_sending(runtime, monkeypatch, "after writing")
    if sent_journal.of(runtime) is not None:  # SQLite: the mark is in the journal at once
        assert await sent_records.replay_journal(runtime) == 0  # and already in the database
    runtime.clock.advance(minutes=30)  # past every lease: a restart finds nothing to send
    sender = WireSender()
    await posts.deliver_due(runtime, sender)
    assert sender.sent == []
    async with runtime.tx() as session:
        assert (await session.get(Post, post_id)).attempts == posts.MAX_SENDS


async def test_killed_before_its_request_left_it_is_sent_after_the_restart(
        runtime, monkeypatch):
    deal_id, post_id = await killed_while_sending(runtime, monkeypatch, "before writing")
    runtime.clock.advance(minutes=3)
    sender = WireSender()
    await posts.deliver_due(runtime, sender)
    assert len(sender.sent) == 1
    async with runtime.tx() as session:
        assert (await session.get(Deal, deal_id)).card_message_id == 101


async def test_a_card_whose_answer_a_crash_cut_is_adopted_by_its_first_tap(
        runtime, monkeypatch):
    deal_id, post_id = await killed_while_sending(runtime, monkeypatch, "after writing")
    async with runtime.tx() as session:
        deal = await session.get(Deal, deal_id)
        assert deal.card_message_id is None  # posted; the bot never heard its id
        chat_id = deal.card_chat_id
        # A tap from another chat, or a deal that knows its card, changes nothing.
        assert not await deal_card.adopt_card(session, runtime, deal_id, chat_id + 1, 7)
        assert await deal_card.adopt_card(session, runtime, deal_id, chat_id, 101)
        assert not await deal_card.adopt_card(session, runtime, deal_id, chat_id, 102)
    async with runtime.tx() as session:
        deal, post = await session.get(Deal, deal_id), await session.get(Post, post_id)
        assert (deal.card_message_id, deal.card_dirty, post.message_id) == (101, True, 101)
        assert post.linked_at is not None
    edits = EditingSender()
    await deal_card.refresh_cards(runtime, edits)  # brought up to date like any card
    assert [(chat, message) for chat, message, _ in edits.edited] == [(chat_id, 101)]
    runtime.clock.advance(minutes=30)
    await posts.deliver_due(runtime, edits)
    assert edits.sent == []


class EditingSender(WireSender):
    def __init__(self) -> None:
        super().__init__()
        self.edited: list[tuple[int, int, str]] = []

    async def edit(self, chat_id, message_id, text, buttons=None) -> None:
        self.edited.append((chat_id, message_id, text))


async def test_a_request_telegram_refused_after_it_left_is_tried_again(runtime, monkeypatch):
    _deal_id, post_id = await a_deal(runtime)
    sender = WireSender()
    sender.refuse = notify.RetryLater(5)  # the 429 came back: certainly not stored

    async def refused(chat_id, text, buttons=None, photo=None) -> int:
        await notify.request_written.get()(True)  # the request left whole
        async with runtime.tx() as session:
            assert (await session.get(Post, post_id)).attempts == posts.MAX_SENDS
        await notify.request_written.get()(False)  # the answer: 429, nothing stored
        async with runtime.tx() as session:  # a crash now: sent after the restart
            assert (await session.get(Post, post_id)).attempts == 1
        raise sender.refuse

    with monkeypatch.context() as m:
        m.setattr(sender, "send", refused)
        assert await posts.deliver(runtime, sender, post_id) is None
    async with runtime.tx() as session:
        assert (await session.get(Post, post_id)).attempts == 0  # the mark undone with the try
    sender.refuse = None
    runtime.clock.advance(seconds=6)
    await posts.deliver_due(runtime, sender)
    async with runtime.tx() as session:
        post = await session.get(Post, post_id)
    # Posted, and marked "not again" when its request left.
    assert (post.attempts, post.message_id, len(sender.sent)) == (posts.MAX_SENDS, 101, 1)
    assert notify.request_written.get() is None  # nothing left set for the next send
