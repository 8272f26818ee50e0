"""The Bot API transport, through the real Application's bot: a send that asks hears when its
request has left whole, before Telegram's answer (groupbot.notify.request_written), and the
answer's message id before PTB hands it back (groupbot.sent_journal.answer_read)."""

from __future__ import annotations

import gzip
import zlib

import pytest
from telegram.error import BadRequest

from groupbot import notify, sent_journal
from groupbot.evidence.synth import make_claim_photo
from handlers.wire import message_id_in


async def test_a_send_hears_its_request_left_before_telegram_answered(bot):
    ming = bot.sb.add_user("小明", started=True)
    stored_then: list[int] = []

    async def written(left: bool) -> None:  # no await inside: what the sandbox has then
        stored_then.append(len(bot.sb.bot_messages(ming.id)) if left else -1)

    mark = notify.request_written.set(written)
    try:
        await bot.app.bot.send_photo(ming.id, make_claim_photo("SF1234567890", seed=3),
                                     caption="售后申请 #1 照片证据")
    finally:
        notify.request_written.reset(mark)
    assert stored_then == [0]  # written in full, not stored yet: the resizing was still to come
    assert [m.get("caption") for m in bot.sb.bot_messages(ming.id)] == ["售后申请 #1 照片证据"]
    await bot.app.bot.send_message(ming.id, "你好")  # a send that did not ask hears nothing
    assert stored_then == [0]
    assert [m.get("text") for m in bot.sb.bot_messages(ming.id)] == [None, "你好"]


async def test_a_failing_mark_does_not_fail_the_send(bot):
    ming = bot.sb.add_user("小明", started=True)

    async def broken(left: bool) -> None:
        raise RuntimeError("database gone")

    mark = notify.request_written.set(broken)
    try:
        message = await bot.app.bot.send_message(ming.id, "你好")
    finally:
        notify.request_written.reset(mark)
    assert [m["message_id"] for m in bot.sb.bot_messages(ming.id)] == [message.message_id]


async def test_a_refused_request_is_heard_after_it_left(bot):
    ming = bot.sb.add_user("小明", started=True)
    heard: list[bool] = []

    async def written(left: bool) -> None:
        heard.append(left)

    bot.sb.fail_next("sendMessage", status=400, description="Bad Request: sandbox fault")
    mark = notify.request_written.set(written)
    try:
        with pytest.raises(BadRequest):
            await bot.app.bot.send_message(ming.id, "你好")
    finally:
        notify.request_written.reset(mark)
    assert heard == [True, False]  # it left whole, then Telegram said no: nothing stored
    assert bot.sb.bot_messages(ming.id) == []


async def test_the_answer_is_heard_before_ptb_hands_it_back(bot):
    ming = bot.sb.add_user("小明", started=True)
    heard: list[int] = []
    mark = sent_journal.answer_read.set(heard.append)
    try:
        message = await bot.app.bot.send_message(ming.id, "你好")
        assert heard == [message.message_id]
        await bot.app.bot.get_me()  # an answer without a message id: nothing heard
        assert heard == [message.message_id]
    finally:
        sent_journal.answer_read.reset(mark)
    await bot.app.bot.send_message(ming.id, "再见")  # a send that did not ask hears nothing
    assert len(heard) == 1


def test_a_message_id_is_read_from_plain_and_compressed_answers():
    body = b'{"ok":true,"result":{"message_id":42,"chat":{"id":7}}}'
    assert message_id_in(body) == 42
    assert message_id_in(gzip.compress(body), "gzip") == 42
    assert message_id_in(zlib.compress(body), "deflate") == 42
    assert message_id_in(body, "br") is None  # not read here: PTB's record writes it
    assert message_id_in(b'{"ok":true,"result":true}') is None
    assert message_id_in(b'{"ok":false,"error_code":429,"description":"x"}') is None
