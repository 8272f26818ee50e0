"""Outbox rows hold a catalog key and its parameters, drawn in the recipient's language when
they are sent (not when they were queued)."""

from __future__ import annotations

from groupbot import notify, outbox_dispatch, texts
from groupbot.models import Member
from tests.factories import group_row, member


class Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[int, str, object]] = []

    async def send(self, chat_id, text, buttons=None, photo=None) -> int:
        self.sent.append((chat_id, text, buttons))
        return len(self.sent)

    async def edit(self, chat_id, message_id, text, buttons=None) -> None:
        pass


async def test_a_row_is_drawn_in_the_language_its_reader_has_when_it_is_sent(runtime):
    async with runtime.tx() as session:
        await group_row(runtime, session)
        ming = await member(runtime, session, 7, "小明", language_code="zh-hans")
        await notify.enqueue(session, runtime, notify.Outgoing(
            key="test:1", kind="claim_idle", chat_id=ming.telegram_id, member_id=ming.id,
            message=texts.text("orders.confirmed", order=12),
            buttons=[[(texts.text("orders.claim_button"), "claim:new:12")]]))
        member_id = ming.id
    async with runtime.tx() as session:  # the member switches Telegram to English meanwhile
        (await session.get(Member, member_id)).language_code = "en"
    recorder = Recorder()
    assert await outbox_dispatch.dispatch_due(runtime, recorder) == 1
    import messages

    [(chat_id, text, buttons)] = recorder.sent
    assert text == messages.t("en", "orders.confirmed", order=12)
    assert buttons == [[(messages.t("en", "orders.claim_button"), "claim:new:12")]]


def test_texts_survive_the_json_round_trip():
    value = texts.Lines([texts.text("orders.line", product="<桃>", quantity=2, unit="斤",
                                    amount="¥5.00"), texts.Safe("<b>x</b>")],
                        sep_key="orders.list_separator")
    back = texts.from_json(texts.to_json(value))
    assert back == value
    assert texts.render("zh-Hans", back).endswith("<b>x</b>")
    assert "&lt;桃&gt;" in texts.render("zh-Hans", back)


class BusyGroup(Recorder):
    """A group whose per-minute budget is used up after ``room`` messages."""

    def __init__(self, group_chat: int, room: int) -> None:
        super().__init__()
        self.group_chat, self.room = group_chat, room

    async def send(self, chat_id, text, buttons=None, photo=None) -> int:
        if chat_id == self.group_chat:
            if self.room == 0:
                raise notify.ChatBusy(30)
            self.room -= 1
        return await super().send(chat_id, text, buttons, photo)


async def test_a_busy_group_waits_on_its_own_and_keeps_its_order(runtime):

    from sqlalchemy import select

    from groupbot.models import OutboxMessage

    async with runtime.tx() as session:
        group = await group_row(runtime, session)
        ming = await member(runtime, session, 7, "小明")
        for n in range(5):  # the group's rows are older than the member's notice
            await notify.enqueue(session, runtime, notify.Outgoing(
                key=f"test:g{n}", kind="order_warning", chat_id=group.chat_id,
                message=texts.text("orders.confirmed", order=n)))
        runtime.clock.advance(seconds=1)
        await notify.enqueue(session, runtime, notify.Outgoing(
            key="test:m", kind="claim_submitted", chat_id=ming.telegram_id, member_id=ming.id,
            message=texts.text("orders.confirmed", order=99)))
    sender = BusyGroup(group.chat_id, room=2)
    assert await outbox_dispatch.dispatch_due(runtime, sender) == 3  # two into the group, then the member
    assert sorted(c for c, _, _ in sender.sent) == sorted([group.chat_id] * 2 + [ming.telegram_id])
    async with runtime.tx() as session:
        waiting = list(await session.scalars(select(OutboxMessage).where(
            OutboxMessage.status == notify.OUTBOX_PENDING).order_by(OutboxMessage.id)))
    assert [w.key for w in waiting] == ["test:g2", "test:g3", "test:g4"]
    assert {w.attempts for w in waiting} == {0}  # waiting for the budget is not an attempt
    assert len({w.not_before for w in waiting}) == 1  # together, so they keep their order
    assert await outbox_dispatch.dispatch_due(runtime, sender) == 0  # not before the budget refills
    runtime.clock.advance(seconds=31)
    sender.room = 5
    assert await outbox_dispatch.dispatch_due(runtime, sender) == 3
    assert [t for _, t, _ in sender.sent[3:]] == [
        texts.render("zh-Hans", texts.text("orders.confirmed", order=n)) for n in (2, 3, 4)]


class BrokenFor(Recorder):
    """Sending into one chat fails in a way no SendError describes (a bug, a dropped socket)."""

    def __init__(self, chat_id: int) -> None:
        super().__init__()
        self.broken = chat_id

    async def send(self, chat_id, text, buttons=None, photo=None) -> int:
        if chat_id == self.broken:
            raise RuntimeError("boom")
        return await super().send(chat_id, text, buttons, photo)


async def _two_notices(runtime) -> tuple[int, int]:
    async with runtime.tx() as session:
        await group_row(runtime, session)
        ming = await member(runtime, session, 7, "小明")
        hong = await member(runtime, session, 8, "小红")
        for who in (ming, hong):
            await notify.enqueue(session, runtime, notify.Outgoing(
                key=f"test:{who.telegram_id}", kind="claim_submitted", chat_id=who.telegram_id,
                member_id=who.id, message=texts.text("orders.confirmed", order=who.id)))
        return ming.telegram_id, hong.telegram_id


async def test_an_unexpected_failure_gives_the_row_back_and_spares_the_other_chats(runtime):
    from sqlalchemy import select

    from groupbot.models import OutboxMessage

    ming, hong = await _two_notices(runtime)
    sender = BrokenFor(ming)
    assert await outbox_dispatch.dispatch_due(runtime, sender) == 1
    assert [c for c, _, _ in sender.sent] == [hong]
    async with runtime.tx() as session:
        row = await session.scalar(select(OutboxMessage).where(OutboxMessage.chat_id == ming))
        assert (row.status, row.sending_by, row.attempts) == (notify.OUTBOX_PENDING, None, 1)
    assert await outbox_dispatch.dispatch_due(runtime, sender) == 0  # not at once: in 30 s
    runtime.clock.advance(seconds=31)
    sender.broken = 0
    assert await outbox_dispatch.dispatch_due(runtime, sender) == 1
    assert [c for c, _, _ in sender.sent] == [hong, ming]


async def test_a_sent_message_whose_record_fails_once_is_recorded_not_sent_again(
        runtime, monkeypatch):
    from sqlalchemy import select

    from groupbot.models import OutboxMessage

    ming, hong = await _two_notices(runtime)
    from groupbot import sent_records

    real, failed = sent_records.Recorder._write, []

    async def flaky(recorder, sends):
        if not failed:
            failed.append(sends)
            raise OSError("database is gone for a moment")
        await real(recorder, sends)

    monkeypatch.setattr(sent_records.Recorder, "_write", flaky)
    sender = Recorder()
    assert await outbox_dispatch.dispatch_due(runtime, sender) == 2
    runtime.clock.advance(seconds=60)
    assert await outbox_dispatch.dispatch_due(runtime, sender) == 0
    assert sorted(c for c, _, _ in sender.sent) == sorted([ming, hong])
    async with runtime.tx() as session:
        statuses = set(await session.scalars(select(OutboxMessage.status)))
    assert statuses == {outbox_dispatch.OUTBOX_SENT}


async def test_sends_are_recorded_on_the_process_s_own_connection_kept_across_passes(runtime):
    from groupbot import sent_records

    await _two_notices(runtime)
    assert await outbox_dispatch.dispatch_due(runtime, Recorder()) == 2
    kept = await sent_records.shared(runtime, "outbox")
    if runtime.engine.dialect.name == "postgresql":  # autocommit, outside the pool
        assert kept.conn is not None and runtime.engine.pool.checkedout() == 0
    else:  # one process: a short transaction ahead of the writers waiting
        assert kept.conn is None
    assert not kept.broken
    await sent_records.close_shared(runtime)
    assert kept.conn is None
    assert await sent_records.shared(runtime, "outbox") is not kept
