"""SQLite's sent journal: a send Telegram took is written down before its record, so a process
killed in between has it recorded at its next start instead of sending it again."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from groupbot import outbox_dispatch, posts, sent_journal, sent_records
from groupbot.models import Deal, OutboxMessage
from tests.test_outbox_dispatch import a_notice
from tests.test_posts import Crash, FakeSender, a_deal


def crash_in_the_database_record(monkeypatch) -> None:
    async def crash(*_args):
        raise Crash  # killed after the journal's line, before the database's record committed

    monkeypatch.setattr(sent_records.Recorder, "_write", crash)


def journal(runtime) -> sent_journal.SentJournal:
    found = sent_journal.of(runtime)
    if runtime.engine.dialect.name != "sqlite":
        assert found is None  # PostgreSQL records on a connection of its own, no journal
        pytest.skip("the sent journal is SQLite's")
    assert found is not None
    return found


async def test_a_card_sent_before_the_crash_is_recorded_at_the_start_not_posted_again(
        runtime, monkeypatch):
    lines = journal(runtime)
    deal_id, post_id = await a_deal(runtime)
    sender = FakeSender()
    with monkeypatch.context() as m:
        crash_in_the_database_record(m)
        with pytest.raises(Crash):
            await posts.deliver(runtime, sender, post_id)
    assert len(sender.sent) == 1
    assert [(row, message) for row, message, _ in lines.held()["posts"]] == [(post_id, 101)]
    assert await sent_records.replay_journal(runtime) == 1  # the next start
    assert lines.held() == {}
    runtime.clock.advance(minutes=30)  # past every lease: nothing is left to send
    await posts.deliver_due(runtime, sender)
    assert len(sender.sent) == 1
    async with runtime.tx() as session:
        assert (await session.get(Deal, deal_id)).card_message_id == 101


async def test_a_notice_sent_before_the_crash_is_recorded_at_the_start(runtime, monkeypatch):
    lines = journal(runtime)
    await a_notice(runtime)
    sender = FakeSender()
    with monkeypatch.context() as m:
        crash_in_the_database_record(m)
        with pytest.raises(Crash):
            await outbox_dispatch.dispatch_due(runtime, sender)
    async with runtime.tx() as session:
        row = await session.scalar(select(OutboxMessage))
        assert (row.status, row.message_id) == (outbox_dispatch.OUTBOX_SENDING, None)
    assert await sent_records.replay_journal(runtime) == 1
    async with runtime.tx() as session:
        row = await session.scalar(select(OutboxMessage))
        assert (row.status, row.message_id) == (outbox_dispatch.OUTBOX_SENT, 101)
    runtime.clock.advance(minutes=30)
    assert await outbox_dispatch.dispatch_due(runtime, sender) == 0
    assert len(sender.sent) == 1 and lines.held() == {}


async def test_a_line_whose_record_did_commit_changes_nothing(runtime):
    lines = journal(runtime)
    _deal_id, post_id = await a_deal(runtime)
    sender = FakeSender()
    await posts.deliver(runtime, sender, post_id)
    assert lines.held() == {}  # forgotten once the record committed
    # Killed between the commit and the forgetting: the line is still there at the start.
    lines.write("posts", post_id, 999, runtime.clock.now())
    lines.write("no-longer-a-recorder", 1, 5, runtime.clock.now())
    assert await sent_records.replay_journal(runtime) == 0
    assert lines.held() == {}
    async with runtime.tx() as session:
        assert (await session.get(Deal, _deal_id)).card_message_id == 101


class KilledAfterTheAnswer(FakeSender):
    """Telegram's answer was read off the wire (handlers/wire.py), then the process died
    before PTB handed it back."""

    async def send(self, chat_id, text, buttons=None, photo=None) -> int:
        message_id = await super().send(chat_id, text, buttons, photo)
        sent_journal.answer_read.get()(message_id)
        raise Crash


async def test_an_answer_read_before_the_crash_is_recorded_at_the_start(runtime):
    lines = journal(runtime)
    deal_id, post_id = await a_deal(runtime)
    sender = KilledAfterTheAnswer()
    with pytest.raises(Crash):
        await posts.deliver(runtime, sender, post_id)
    assert [(row, message) for row, message, _ in lines.held()["posts"]] == [(post_id, 101)]
    assert sent_journal.answer_read.get() is None  # the send's hook is gone with it
    assert await sent_records.replay_journal(runtime) == 1  # the next start
    runtime.clock.advance(minutes=30)
    again = FakeSender()
    await posts.deliver_due(runtime, again)
    assert again.sent == []
    async with runtime.tx() as session:
        assert (await session.get(Deal, deal_id)).card_message_id == 101
