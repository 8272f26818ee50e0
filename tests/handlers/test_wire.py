"""The Bot API transport: a send that asks hears when its request has left whole, before
Telegram's answer (groupbot.notify.request_written), through the real Application's bot."""

from __future__ import annotations

import pytest
from telegram.error import BadRequest

from groupbot import notify
from groupbot.evidence.synth import make_claim_photo


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
