"""The outbox's dispatcher: a notice whose request has left whole counts as sent, answer or
not, so a kill while Telegram answers does not send it twice; a kill before it left, or a
refusal the process lives to hear, leaves it to be sent."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from groupbot import notify, outbox_dispatch, sent_journal, sent_records, texts
from groupbot.models import OutboxMessage
from groupbot.models.messaging import OUTBOX_PENDING, OUTBOX_SENDING, OUTBOX_SENT
from tests.factories import group_row, member
from tests.test_posts import Crash, WireSender


async def a_notice(rt) -> int:
    """小明's "order confirmed" notice, waiting in the outbox; its chat id."""
    async with rt.tx() as session:
        await group_row(rt, session)
        ming = await member(rt, session, 7, "小明")
        await notify.enqueue(session, rt, notify.Outgoing(
            key="test:confirmed", kind="order_confirmed", chat_id=ming.telegram_id,
            member_id=ming.id, message=texts.text("orders.confirmed", order=3)))
        return ming.telegram_id


async def the_row(rt) -> tuple[str, int | None]:
    async with rt.tx() as session:
        row = await session.scalar(select(OutboxMessage))
        return row.status, row.message_id


async def restart(rt) -> None:
    """The process that died is gone (no heartbeat); the next one applies the journal."""
    rt.extras.pop("scale.process_id", None)
    await sent_records.close_shared(rt)
    await sent_records.replay_journal(rt)


async def killed_while_sending(rt, die: str) -> WireSender:
    await a_notice(rt)
    telegram = WireSender(die=die)
    with pytest.raises(Crash):
        await outbox_dispatch.dispatch_due(rt, telegram)
    await restart(rt)
    telegram.die = None  # the next process lives
    return telegram


async def test_killed_once_its_request_left_the_notice_is_not_sent_again(runtime):
    telegram = await killed_while_sending(runtime, "after writing")
    assert len(telegram.sent) == 1  # Telegram stored it; nobody heard the answer
    assert await the_row(runtime) == (OUTBOX_SENT, None)  # sent, its message id unknown
    runtime.clock.advance(minutes=30)  # past every lease
    assert await outbox_dispatch.dispatch_due(runtime, telegram) == 0
    assert len(telegram.sent) == 1


async def test_killed_before_its_request_left_the_notice_is_sent_after_the_restart(runtime):
    telegram = await killed_while_sending(runtime, "before writing")
    assert telegram.sent == [] and await the_row(runtime) == (OUTBOX_SENDING, None)
    assert await outbox_dispatch.dispatch_due(runtime, telegram) == 1
    assert await the_row(runtime) == (OUTBOX_SENT, 101)
    assert await outbox_dispatch.dispatch_due(runtime, telegram) == 0
    assert len(telegram.sent) == 1


async def test_a_notice_telegram_answers_is_recorded_with_its_message_id(runtime):
    chat_id = await a_notice(runtime)
    telegram = WireSender()
    assert await outbox_dispatch.dispatch_due(runtime, telegram) == 1
    assert await the_row(runtime) == (OUTBOX_SENT, 101)
    assert telegram.sent == [(chat_id, str(texts.render(
        "zh-Hans", texts.text("orders.confirmed", order=3))))]
    journal = sent_journal.of(runtime)
    assert journal is None or journal.held() == {}  # the mark went with the record
    assert notify.request_written.get() is None


def refused_after_it_left(runtime, telegram: WireSender, refusal: Exception):
    async def send(chat_id, text, buttons=None, photo=None) -> int:
        await notify.request_written.get()(True)  # the request left whole
        if sent_journal.of(runtime) is None:  # PostgreSQL: recorded at once
            assert await the_row(runtime) == (OUTBOX_SENT, None)
        await notify.request_written.get()(False)  # the answer: 429, nothing stored
        assert await the_row(runtime) == (OUTBOX_SENDING, None)  # a kill now: sent again
        journal = sent_journal.of(runtime)
        assert journal is None or journal.held() == {}
        raise refusal

    return send


async def test_a_notice_telegram_refused_after_it_left_is_tried_again(runtime, monkeypatch):
    await a_notice(runtime)
    telegram = WireSender()
    monkeypatch.setattr(telegram, "send",
                        refused_after_it_left(runtime, telegram, notify.RetryLater(5)))
    assert await outbox_dispatch.dispatch_due(runtime, telegram) == 0
    assert await the_row(runtime) == (OUTBOX_PENDING, None)
    monkeypatch.undo()
    runtime.clock.advance(seconds=6)
    assert await outbox_dispatch.dispatch_due(runtime, telegram) == 1
    assert await the_row(runtime) == (OUTBOX_SENT, 101)
    assert len(telegram.sent) == 1


async def test_no_answer_while_the_process_lives_tries_it_again_later(runtime, monkeypatch):
    await a_notice(runtime)
    telegram = WireSender()

    async def timed_out(chat_id, text, buttons=None, photo=None) -> int:
        await notify.request_written.get()(True)
        raise notify.SendError("timed out")  # no answer: it may or may not have arrived

    monkeypatch.setattr(telegram, "send", timed_out)
    await outbox_dispatch.dispatch_due(runtime, telegram)
    # The process lives to decide: the mark is undone, the row waits for its next try.
    assert await the_row(runtime) == (OUTBOX_PENDING, None)
    journal = sent_journal.of(runtime)
    assert journal is None or journal.held() == {}
    await restart(runtime)
    assert await the_row(runtime) == (OUTBOX_PENDING, None)
