"""Getting updates: long polling, offsets, and webhook mode against PTB's own server."""

from __future__ import annotations

import asyncio
import socket
import time

from telegram import Bot, Update
from telegram.error import Conflict
from telegram.ext import Application, CommandHandler, ContextTypes

from groupbot.sandbox import Sandbox


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_webhook_delivery_and_wrong_secret(sb: Sandbox) -> None:
    alice = sb.add_user("小明")
    handled: list[str] = []

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        handled.append(update.message.text)
        await update.message.reply_text("hook ok")

    app = (
        Application.builder()
        .token(sb.token)
        .base_url(sb.base_url)
        .base_file_url(sb.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    port = free_port()
    url = f"http://127.0.0.1:{port}/hook"
    await app.initialize()
    assert app.updater is not None
    await app.updater.start_webhook(
        listen="127.0.0.1", port=port, url_path="hook", secret_token="s3cret", webhook_url=url
    )
    await app.start()
    try:
        info = await app.bot.get_webhook_info()
        assert info.url == url and info.pending_update_count == 0
        await sb.send_text(alice, alice, "/start")
        await sb.wait_for_bot_messages(alice, 1)
        assert handled == ["/start"]
        first = sb.webhook_deliveries[-1]
        assert first["status"] == 200 and first["secret_sent"] == "s3cret"

        sb.webhook_secret_override = "wrong-secret"
        await sb.send_text(alice, alice, "/start again")
        await sb.settle()
        failed = [d for d in sb.webhook_deliveries if d["update_id"] != first["update_id"]]
        assert failed and {d["status"] for d in failed} == {403}
        assert handled == ["/start"] and len(sb.bot_messages(alice)) == 1
        info = await app.bot.get_webhook_info()
        assert "403" in (info.last_error_message or "")
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


async def test_pending_updates_survive_until_polled(sb: Sandbox) -> None:
    alice = sb.add_user("小明")
    async with Bot(sb.token, base_url=sb.base_url) as bot:
        await bot.set_webhook("http://127.0.0.1:9/nowhere")  # nothing listens: delivery fails
        await bot.delete_webhook()
        await sb.send_text(alice, alice, "one")
        await sb.send_text(alice, alice, "two")
        first = await bot.get_updates(timeout=0)
        assert [u.message.text for u in first] == ["one", "two"]
        again = await bot.get_updates(offset=first[0].update_id + 1)  # confirms "one"
        assert [u.message.text for u in again] == ["two"]
        await bot.set_webhook("http://127.0.0.1:9/x", drop_pending_updates=True)
        assert (await bot.get_webhook_info()).pending_update_count == 0
        await bot.delete_webhook()


async def test_long_poll_wakes_on_update_and_newer_poll_wins(sb: Sandbox) -> None:
    alice = sb.add_user("小明")
    async with Bot(sb.token, base_url=sb.base_url) as bot:
        started = time.monotonic()
        poll = asyncio.create_task(bot.get_updates(timeout=5))
        await asyncio.sleep(0.1)
        await sb.send_text(alice, alice, "wake up")
        (update,) = await poll
        assert update.message.text == "wake up" and time.monotonic() - started < 1.0

        # a second bot instance (PTB allows one getUpdates per Bot at a time)
        older = asyncio.create_task(bot.get_updates(offset=update.update_id + 1, timeout=5))
        await asyncio.sleep(0.1)
        async with Bot(sb.token, base_url=sb.base_url) as other:
            assert await other.get_updates(offset=update.update_id + 1, timeout=0) == ()
        try:
            await older
            raise AssertionError("the older getUpdates should have been terminated")
        except Conflict as exc:
            assert "terminated by other getUpdates request" in exc.message


async def test_update_observers_hear_when_an_update_is_made_and_when_the_bot_gets_it(
        sb: Sandbox, tg_bot: Bot) -> None:
    # benchmarks/overhead.py --split times where an answer's latency went from these.
    alice = sb.add_user("小明")
    events: list[tuple[str, int]] = []
    sb.state.update_observers.append(lambda event, update_id: events.append((event, update_id)))
    await sb.send_text(alice, alice, "/help")
    (made,) = events
    assert made[0] == "queued"
    updates = await tg_bot.get_updates(timeout=1)
    assert [u.update_id for u in updates] == [made[1]]
    assert events == [made, ("handed", made[1])]
