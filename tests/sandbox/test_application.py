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
