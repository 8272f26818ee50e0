"""Outbox rows hold a catalog key and its parameters, drawn in the recipient's language when
they are sent (not when they were queued)."""

from __future__ import annotations

from groupbot import notify, texts
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
    assert await notify.dispatch_due(runtime, recorder) == 1
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
