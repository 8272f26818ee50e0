"""A real telegram.ext.Application polling the sandbox, unchanged but for its URLs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from groupbot.sandbox import Sandbox

from .conftest import jpeg


def build(sb: Sandbox) -> Application:
    return (
        Application.builder()
        .token(sb.token)
        .base_url(sb.base_url)
        .base_file_url(sb.base_file_url)
        .build()
    )


@asynccontextmanager
async def polling(app: Application) -> AsyncIterator[Application]:
    await app.initialize()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0, timeout=1, allowed_updates=Update.ALL_TYPES)
    await app.start()
    try:
        yield app
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("下单", callback_data="order:7")]])
    await update.effective_message.reply_html(
        f"你好 <b>{update.effective_user.first_name}</b>", reply_markup=keyboard
    )


async def on_tap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    await query.answer("已下单")
    await query.edit_message_text(f"订单 {query.data.split(':')[1]} ✓")


async def on_photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    largest = update.message.photo[-1]
    data = await (await largest.get_file()).download_as_bytearray()
    context.bot_data["downloaded"] = bytes(data)
    await update.message.reply_media_group(
        [InputMediaPhoto(jpeg(200, 100, "red")), InputMediaPhoto(bytes(data), caption="收到")]
    )


async def test_command_callback_photo_and_album(sb: Sandbox) -> None:
    alice = sb.add_user("小明")
    app = build(sb)
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(on_tap))
    app.add_handler(MessageHandler(filters.PHOTO, on_photo))
    async with polling(app):
        await sb.send_text(alice, alice, "/start")
        (greeting,) = await sb.wait_for_bot_messages(alice, 1)
        assert greeting["text"] == "你好 小明" and greeting["html"] == "你好 <b>小明</b>"
        assert sb.buttons(greeting) == [("下单", "order:7")]

        query_id = await sb.tap(alice, greeting, "order:7")
        await sb.settle()
        assert sb.answer_of(query_id) == {
            "text": "已下单",
            "show_alert": False,
            "url": None,
            "cache_time": 0,
        }
        (edited,) = sb.bot_messages(alice)
        assert edited["text"] == "订单 7 ✓" and edited["edit_date"] and not edited["reply_markup"]

        original = jpeg(800, 600, "green")
        await sb.send_photo(alice, alice, original)
        album = (await sb.wait_for_bot_messages(alice, 3))[1:]
        assert app.bot_data["downloaded"] == original
        assert len(album) == 2 and album[0]["media_group_id"] == album[1]["media_group_id"]
        assert album[1]["caption"] == "收到"
        assert sb.file_bytes(album[1]["photo"][-1]["file_id"]) == original
    assert [c[0] for c in sb.calls].count("getFile") == 1


async def test_group_privacy_mode(sb: Sandbox) -> None:
    alice, bob = sb.add_user("小明"), sb.add_user("Bob")
    group = sb.add_group("芒果团 3号楼", members=[alice, bob], admins=[alice])
    seen: list[str] = []

    async def record(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.append(update.effective_message.text or "")

    app = build(sb)
    app.add_handler(MessageHandler(filters.TEXT, record))
    async with polling(app):
        await sb.add_bot_to_group(group, by=alice)
        await sb.send_text(bob, group, "今天的芒果不错")  # privacy mode: not for the bot
        await sb.send_text(bob, group, "/order@groupbot_sandbox_bot 2")
        await sb.send_text(bob, group, "/order@other_bot 2")
        await sb.send_text(bob, group, "/help")
        await sb.settle()
        assert seen == ["/order@groupbot_sandbox_bot 2", "/help"]
        sb.promote_bot(group, by=alice)  # administrators see everything
        await sb.send_text(bob, group, "随便聊聊")
        await sb.settle()
        assert seen[-1] == "随便聊聊"
    assert len(sb.messages(group)) == 6  # everything is in the chat history regardless


# --- webhook mode through `groupbot run` (issue 11 findings 7 and 14, issue 12) ------------


@asynccontextmanager
async def groupbot_run(sb: Sandbox, tmp_path, url_path: str, **env: str):
    """`groupbot run` in its own process, in webhook mode on the sandbox."""
    import asyncio
    import os
    import sys

    from tests.sandbox.test_updates import free_port

    port = free_port()
    url = f"http://127.0.0.1:{port}{url_path}"
    environ = {
        **os.environ,
        "GROUPBOT_BOT_TOKEN": sb.token, "GROUPBOT_BASE_URL": sb.base_url,
        "GROUPBOT_BASE_FILE_URL": sb.base_file_url,
        "GROUPBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'run.db'}",
        "GROUPBOT_WEBHOOK_URL": url, "GROUPBOT_WEBHOOK_SECRET": "s3cret",
        "GROUPBOT_WEBHOOK_LISTEN": "127.0.0.1", "GROUPBOT_WEBHOOK_PORT": str(port),
        "GROUPBOT_CONFIG": str(tmp_path / "none.toml"), **env,
    }
    (tmp_path / "none.toml").write_text("")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "groupbot.cli", "run", env=environ,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    try:
        for _ in range(1200):  # the bot registers its webhook once it listens (a loaded CI: 60 s)
            if sb.state.webhook.url:
                break
            if proc.returncode is not None:
                raise AssertionError((await proc.stderr.read()).decode()[-2000:])
            await asyncio.sleep(0.05)
        assert sb.state.webhook.url == url and sb.state.webhook.secret_token == "s3cret"
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        assert await asyncio.wait_for(proc.wait(), 20) == 0


async def _post(url: str, body: bytes, secret: str = "s3cret") -> int:
    import aiohttp

    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret}
    async with aiohttp.ClientSession() as http, http.post(url, data=body, headers=headers) as r:
        return r.status


async def test_webhook_listens_on_the_urls_whole_path_and_refuses_malformed_json(sb, tmp_path):
    import messages

    alice = sb.add_user("小明")
    async with groupbot_run(sb, tmp_path, "/tg/hook") as base:
        await sb.send_text(alice, alice, "/nosuchcommand")
        (reply,) = await sb.wait_for_bot_messages(alice, 1, timeout=20)
        assert reply["text"] == messages.t("zh-Hans", "fallback.unknown_command")
        await sb.settle()  # the update is answered once handled
        assert [d["status"] for d in sb.webhook_deliveries] == [200]
        assert sb.webhook_deliveries[0]["url"] == base + "/tg/hook"
        assert await _post(base + "/tg/hook", b'{"update_id": 5, "message": {') == 400
        assert await _post(base + "/tg/hook", b'[1, 2]') == 400
        assert await _post(base + "/tg/hook", b'{"update_id": 6}', secret="wrong") == 403
        assert await _post(base + "/hook", b'{"update_id": 7}') == 404  # not the last segment
        assert await _post(base + "/tg", b'{"update_id": 8}') == 404


async def test_webhook_url_without_a_path_listens_on_the_root(sb, tmp_path):
    import messages

    alice = sb.add_user("Alice", language_code="en")
    async with groupbot_run(sb, tmp_path, "") as base:
        await sb.send_text(alice, alice, "/nosuchcommand")
        (reply,) = await sb.wait_for_bot_messages(alice, 1, timeout=20)
        assert reply["text"] == messages.t("en", "fallback.unknown_command")
        await sb.settle()
        assert sb.webhook_deliveries[0]["url"] == base and sb.webhook_deliveries[0]["status"] == 200


async def test_webhook_path_setting_and_the_intake_on_the_same_port(sb, tmp_path):
    import json

    from groupbot.intake.server import SIGNATURE_HEADER, sign

    async with groupbot_run(sb, tmp_path, "/public/tg", GROUPBOT_WEBHOOK_PATH="/tg",
                            GROUPBOT_INTAKE_SECRET="shop", GROUPBOT_INTAKE_PORT="1") as base:
        # The proxy strips /public: the bot listens on /tg, Telegram is told the public URL.
        assert sb.state.webhook.url == base + "/public/tg"
        assert await _post(base + "/tg", b"not json") == 400
        import aiohttp

        body = json.dumps({"external_id": "X"}).encode()
        async with aiohttp.ClientSession() as http, http.post(
            base + "/intake/orders", data=body,
            headers={SIGNATURE_HEADER: sign("shop", body)}) as resp:
            assert resp.status == 400  # the intake answers on the webhook's port
            assert (await resp.json())["field"] is not None
