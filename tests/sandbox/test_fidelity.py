"""Every object the sandbox returns parses with PTB's de_json with nothing left over, and
the Telegram traps (ids, dates, file ids, UTF-16 offsets) behave like Telegram."""

from __future__ import annotations

import asyncio

from telegram import (
    Bot,
    CallbackQuery,
    ChatFullInfo,
    ChatMember,
    ChatMemberUpdated,
    File,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
    User,
    WebhookInfo,
)

from groupbot.sandbox import Sandbox
from groupbot.sandbox.text import utf16_len

from .conftest import jpeg, leftovers, raw


def _roundtrip(cls, data):
    obj = cls.de_json(data, None)
    assert leftovers(obj) == []
    return obj


async def test_every_update_kind_parses_cleanly(sb: Sandbox, tg_bot: Bot) -> None:
    alice = sb.add_user("小明", username="xiaoming")
    bob = sb.add_user("Bob", last_name="Li", language_code="en")
    group = sb.add_group("芒果团 3号楼", members=[alice, bob], admins=[alice])
    await sb.add_bot_to_group(group, by=alice, as_admin=True)
    await sb.send_text(alice, alice, "/start")
    await sb.send_text(bob, group, "hi @xiaoming #芒果 https://example.com/x.")
    await sb.join_group(group, sb.add_user("新人"))
    reply_to = await tg_bot.send_message(
        group.id,
        "pick",
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("ok", callback_data="ok")]]),
    )
    await sb.send_text(bob, group, "reply", reply_to=(group.id, reply_to.message_id))
    await sb.tap(bob, (group.id, reply_to.message_id), "ok")
    await sb.send_photo(alice, alice, jpeg(), caption="坏了 🍋")
    await sb.send_document(alice, alice, b"%PDF-1.4", file_name="单.pdf", mime_type="x/pdf")
    await sb.edit_text(alice, sb.messages(alice)[0], "/start again")
    sb.block_bot(alice)
    await tg_bot.get_updates(allowed_updates=Update.ALL_TYPES)  # sets the filter
    await sb.leave_group(group, bob)
    raw_updates = await raw(sb, "getUpdates", timeout=0)
    updates = await tg_bot.get_updates(timeout=0)
    kinds = {k for u in raw_updates for k in u if k != "update_id"}
    assert {"message", "edited_message", "callback_query", "my_chat_member"} <= kinds
    assert "chat_member" in kinds  # bob leaving, after allowed_updates included it
    for update in updates:
        assert leftovers(update) == [], update
    assert any(u.callback_query and u.callback_query.chat_instance for u in updates)


async def test_bot_results_parse_cleanly(sb: Sandbox, tg_bot: Bot) -> None:
    alice = sb.add_user("小明", started=True)
    group = sb.add_group("g", members=[alice], admins=[alice], chat_type="group")
    await sb.add_bot_to_group(group, by=alice)
    me = await raw(sb, "getMe")
    assert me["can_join_groups"] is True and "can_read_all_group_messages" in me
    _roundtrip(User, me)
    markup = {
        "inline_keyboard": [
            [{"text": "a", "callback_data": "a"}, {"text": "u", "url": "https://x.org"}]
        ]
    }
    html = f"<b>x</b> <a href='tg://user?id={alice.id}'>她</a>"
    sent = await raw(
        sb, "sendMessage", chat_id=alice.id, text=html, parse_mode="HTML", reply_markup=markup
    )
    msg = _roundtrip(Message, sent)
    assert msg.entities[1].type == "text_mention" and msg.entities[1].user.id == alice.id
    edited = await raw(sb, "editMessageText", chat_id=alice.id, message_id=msg.message_id, text="y")
    assert _roundtrip(Message, edited).edit_date is not None
    photo = await raw(sb, "sendPhoto", chat_id=alice.id, photo=a_photo_file_id(sb))
    photo_msg = _roundtrip(Message, photo)
    file = await raw(sb, "getFile", file_id=photo_msg.photo[-1].file_id)
    _roundtrip(File, file)
    for chat_id in (alice.id, group.id):
        _roundtrip(ChatFullInfo, await raw(sb, "getChat", chat_id=chat_id))
    for user_id in (alice.id, sb.bot.id):
        member = await raw(sb, "getChatMember", chat_id=group.id, user_id=user_id)
        _roundtrip(ChatMember, member)
    for member in await raw(sb, "getChatAdministrators", chat_id=group.id):
        _roundtrip(ChatMember, member)
    _roundtrip(WebhookInfo, await raw(sb, "getWebhookInfo"))
    update = sb.state.updates[0]
    _roundtrip(ChatMemberUpdated, update["my_chat_member"])
    doc = await tg_bot.send_document(
        alice.id, b"%PDF-1.4 x", filename="单.pdf", caption="<b>c</b>", parse_mode="HTML"
    )
    assert doc.document.file_name == "单.pdf" and doc.document.file_size == 10
    assert doc.caption_entities[0].type == "bold" and leftovers(doc) == []


def a_photo_file_id(sb: Sandbox) -> str:
    ladder = sb.state.files.add_photo(jpeg())
    return sb.state.files.photo_json(ladder)[-1]["file_id"]


async def test_ids_dates_and_users(sb: Sandbox, tg_bot: Bot) -> None:
    alice = sb.add_user("小明")
    bob = sb.add_user("Bob")
    group = sb.add_group("g", members=[alice, bob], chat_type="group")
    sg = sb.add_group("sg", members=[alice])
    assert group.id < 0 and str(sg.id).startswith("-100") and sg.type == "supergroup"
    a1 = await sb.send_text(alice, alice, "one")
    b1 = await sb.send_text(bob, bob, "one")
    a2 = await sb.send_text(alice, alice, "two")
    assert (a1["message_id"], b1["message_id"], a2["message_id"]) == (1, 1, 2)  # per chat
    assert a1["chat"]["id"] == alice.id and a1["chat"]["type"] == "private"
    assert isinstance(a1["date"], int) and a1["from"]["is_bot"] is False
    reply = await tg_bot.send_message(alice.id, "hello")
    assert reply.message_id == 3 and reply.from_user.is_bot and reply.from_user.id == sb.bot.id
    assert sb.bot["is_bot"] is True and sb.bot.id == 123456  # the id is the token's prefix


async def test_file_ids_and_photo_sizes(sb: Sandbox, tg_bot: Bot) -> None:
    alice = sb.add_user("小明")
    data = jpeg(1000, 750)
    first = await sb.send_photo(alice, alice, data)
    second = await sb.send_photo(alice, alice, data)
    sizes = first["photo"]
    assert [s["width"] for s in sizes] == [90, 320, 800, 1000]
    assert [s["file_size"] for s in sizes] == sorted(s["file_size"] for s in sizes)
    assert len({s["file_unique_id"] for s in sizes}) == 4
    for a, b in zip(sizes, second["photo"], strict=True):
        assert a["file_unique_id"] == b["file_unique_id"]  # stable per content
        assert a["file_id"] != b["file_id"]  # a new file_id per send
        assert a["file_unique_id"] not in a["file_id"]
    for size in sizes:  # every size is a real, downloadable JPEG
        file = await tg_bot.get_file(size["file_id"])
        assert file.file_size == size["file_size"]
        assert (await file.download_as_bytearray())[:2] == b"\xff\xd8"
    assert sb.file_bytes(sizes[-1]["file_id"]) == data  # a small JPEG is kept as is
    big = await sb.send_photo(alice, alice, jpeg(2000, 1000))
    assert max(big["photo"][-1]["width"], big["photo"][-1]["height"]) == 1280


async def test_utf16_offsets_with_emoji_chinese_and_mention(sb: Sandbox) -> None:
    alice = sb.add_user("小明")
    sb.add_user("Li", username="li_lei")
    text = "🍑🍑 芒果坏了 @li_lei 看 /refund@groupbot_sandbox_bot"
    msg = await sb.send_text(alice, alice, text)
    mention, command = msg["entities"]
    assert mention["type"] == "mention"
    assert mention["offset"] == utf16_len("🍑🍑 芒果坏了 ") == 10 and mention["length"] == 7
    assert (
        command["type"] == "bot_command"
        and command["offset"] == utf16_len(text[: text.index("/")]) == 20
    )
    update = Update.de_json({"update_id": 1, "message": msg_without_extras(msg)}, None)
    assert update.message.parse_entities() == {
        update.message.entities[0]: "@li_lei",
        update.message.entities[1]: "/refund@groupbot_sandbox_bot",
    }


async def test_text_mention_for_users_without_username(sb: Sandbox) -> None:
    alice = sb.add_user("小明")
    nameless = sb.add_user("王芳")
    msg = await sb.send_text(
        alice, alice, f'🍋 谢谢 <a href="tg://user?id={nameless.id}">王芳</a>', html=True
    )
    (entity,) = msg["entities"]
    assert entity["type"] == "text_mention" and entity["user"]["id"] == nameless.id
    assert entity["offset"] == 6 and entity["length"] == 2


def msg_without_extras(snapshot: dict) -> dict:
    """A sandbox snapshot minus its helper keys: the Message JSON again."""
    extras = {"html", "deleted", "keyboard"}
    return {k: v for k, v in snapshot.items() if k not in extras and v not in (None, [])}


async def test_snapshots_and_callback_fields(sb: Sandbox, tg_bot: Bot) -> None:
    alice = sb.add_user("小明", started=True)
    sent = await tg_bot.send_message(
        alice.id,
        "<i>价格</i> &lt;50&gt;",
        parse_mode="HTML",
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("买", callback_data="buy:1")]]),
    )
    (snap,) = sb.bot_messages(alice)
    assert snap["text"] == "价格 <50>" and snap["html"] == "<i>价格</i> &lt;50&gt;"
    assert snap["deleted"] is False and snap["edit_date"] is None
    assert sb.buttons(snap) == [("买", "buy:1")]
    query_id = await sb.tap(alice, snap, "buy:1")
    update = (await tg_bot.get_updates())[-1]
    query = update.callback_query
    assert isinstance(query, CallbackQuery) and query.id == query_id
    assert query.message.message_id == sent.message_id and query.data == "buy:1"
    assert leftovers(update) == []
    await asyncio.sleep(0)
