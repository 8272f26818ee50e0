"""A real telegram.Bot against the sandbox: every method, the right types, PTB's exceptions."""

from __future__ import annotations

import datetime as dtm

import pytest
from telegram import (
    Bot,
    BotCommand,
    ChatFullInfo,
    ChatMemberAdministrator,
    ChatMemberLeft,
    ChatMemberMember,
    ChatMemberOwner,
    File,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    Message,
    ReplyParameters,
    User,
)
from telegram.error import BadRequest, ChatMigrated, Conflict, Forbidden, InvalidToken, RetryAfter

from groupbot.sandbox import Sandbox

from .conftest import jpeg, leftovers

# PTB 22 warns from inside RetryAfter() itself about retry_after becoming a timedelta
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


def kb(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(d, callback_data=d) for d in data]])


async def test_identity_and_tokens(sb: Sandbox, tg_bot: Bot) -> None:
    me = await tg_bot.get_me()
    assert isinstance(me, User) and me.is_bot and me.username == "groupbot_sandbox_bot"
    assert me.can_join_groups is True and me.can_read_all_group_messages is False
    wrong = Bot("123456:WRONG", base_url=sb.base_url)
    with pytest.raises(InvalidToken, match="rejected by the server"):
        await wrong.initialize()  # PTB turns the 401 "Unauthorized" of getMe into InvalidToken
    assert await tg_bot.log_out() is True and await tg_bot.close() is True


async def test_send_and_text_errors(sb: Sandbox, tg_bot: Bot) -> None:
    alice = sb.add_user("小明", started=True)
    msg = await tg_bot.send_message(alice.id, "a <b>b</b>", parse_mode="HTML", reply_markup=kb("x"))
    assert isinstance(msg, Message) and msg.text == "a b" and msg.reply_markup.inline_keyboard
    reply = await tg_bot.send_message(
        alice.id, "re", reply_parameters=ReplyParameters(msg.message_id), disable_notification=True
    )
    assert reply.reply_to_message.message_id == msg.message_id and leftovers(reply) == []
    with pytest.raises(BadRequest, match="Message is too long"):
        await tg_bot.send_message(alice.id, "x" * 4097)
    assert (await tg_bot.send_message(alice.id, "字" * 4096)).text == "字" * 4096
    with pytest.raises(BadRequest, match="Message text is empty"):
        await tg_bot.send_message(alice.id, "  ")
    with pytest.raises(BadRequest, match="Chat not found"):
        await tg_bot.send_message(424242, "hi")
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await tg_bot.send_message(alice.id, "1 < 2 <b>x", parse_mode="HTML")
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await tg_bot.send_message(alice.id, "x", reply_markup=kb("退款" * 11))  # 66 bytes
    with pytest.raises(BadRequest, match="Message to be replied not found"):
        await tg_bot.send_message(alice.id, "x", reply_to_message_id=999)
    url_kb = InlineKeyboardMarkup([[InlineKeyboardButton("site", url="https://example.com")]])
    sent = await tg_bot.send_message(alice.id, "url", reply_markup=url_kb)
    assert sb.buttons((alice.id, sent.message_id)) == [("site", "https://example.com")]
    await tg_bot.send_chat_action(alice.id, "typing")


async def test_edits_deletes_and_callbacks(sb: Sandbox, tg_bot: Bot) -> None:
    alice = sb.add_user("小明", started=True)
    msg = await tg_bot.send_message(alice.id, "订单", reply_markup=kb("a", "b"))
    with pytest.raises(BadRequest, match="Message is not modified"):
        await tg_bot.edit_message_text("订单", alice.id, msg.message_id, reply_markup=kb("a", "b"))
    edited = await tg_bot.edit_message_text("订单 ✓", alice.id, msg.message_id)
    assert edited.edit_date is not None and edited.reply_markup is None  # no markup → removed
    again = await tg_bot.edit_message_reply_markup(alice.id, msg.message_id, reply_markup=kb("c"))
    assert sb.buttons((alice.id, again.message_id)) == [("c", "c")]
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await tg_bot.edit_message_text("x", alice.id, 999)
    photo = await tg_bot.send_photo(alice.id, jpeg(), caption="旧")
    assert (
        await tg_bot.edit_message_caption(alice.id, photo.message_id, caption="新")
    ).caption == "新"
    query_id = await sb.tap(alice, (alice.id, msg.message_id), "c")
    assert await tg_bot.answer_callback_query(query_id, text="好的", show_alert=True)
    assert sb.answer_of(query_id)["text"] == "好的" and sb.answer_of(query_id)["show_alert"]
    with pytest.raises(BadRequest, match="Query is too old"):
        await tg_bot.answer_callback_query(query_id)
    with pytest.raises(ValueError, match="no button"):
        await sb.tap(alice, (alice.id, msg.message_id), "zzz")
    assert await tg_bot.delete_message(alice.id, msg.message_id) is True
    with pytest.raises(BadRequest, match="Message to delete not found"):
        await tg_bot.delete_message(alice.id, msg.message_id)
    assert [m["deleted"] for m in sb.messages(alice)] == [True, False]
    assert len(sb.bot_messages(alice)) == 1


async def test_photos_documents_files(sb: Sandbox, tg_bot: Bot) -> None:
    alice = sb.add_user("小明", started=True)
    data = jpeg(400, 300)
    photo = await tg_bot.send_photo(alice.id, data, caption="看")
    assert [p.width for p in photo.photo] == [90, 320, 400]
    again = await tg_bot.send_photo(alice.id, photo.photo[-1].file_id)
    assert again.photo[-1].file_unique_id == photo.photo[-1].file_unique_id
    assert again.photo[-1].file_id != photo.photo[-1].file_id
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await tg_bot.send_photo(alice.id, data, caption="x" * 1025)
    with pytest.raises(BadRequest, match="Image_process_failed"):
        await tg_bot.send_photo(alice.id, b"not an image")
    album = await tg_bot.send_media_group(
        alice.id, [InputMediaPhoto(jpeg(color="red"), caption="1"), InputMediaPhoto(data)]
    )
    assert len(album) == 2 and album[0].media_group_id == album[1].media_group_id is not None
    assert album[0].caption == "1" and album[1].caption is None
    doc = await tg_bot.send_document(alice.id, b"hello", filename="a.txt")
    file = await tg_bot.get_file(doc.document.file_id)
    assert isinstance(file, File) and bytes(await file.download_as_bytearray()) == b"hello"
    big = await sb.send_document(alice, alice, b"\0" * (20 * 1024 * 1024 + 1), "big.jpg")
    assert big["document"]["file_size"] == 20 * 1024 * 1024 + 1  # known before any download
    with pytest.raises(BadRequest, match="File is too big"):
        await tg_bot.get_file(big["document"]["file_id"])
    with pytest.raises(BadRequest, match="Wrong file identifier"):
        await tg_bot.get_file("AgACnonsense")


async def test_chats_members_commands(sb: Sandbox, tg_bot: Bot) -> None:
    alice, bob = sb.add_user("小明", started=True), sb.add_user("Bob")
    group = sb.add_group("芒果团", members=[alice, bob], admins=[alice])
    await sb.add_bot_to_group(group, by=alice, as_admin=True)
    chat = await tg_bot.get_chat(group.id)
    assert isinstance(chat, ChatFullInfo) and chat.title == "芒果团" and chat.type == "supergroup"
    assert (await tg_bot.get_chat(alice.id)).first_name == "小明"
    assert isinstance(await tg_bot.get_chat_member(group.id, alice.id), ChatMemberOwner)
    assert isinstance(await tg_bot.get_chat_member(group.id, bob.id), ChatMemberMember)
    me = await tg_bot.get_chat_member(group.id, sb.bot.id)
    assert isinstance(me, ChatMemberAdministrator) and me.can_delete_messages
    await sb.leave_group(group, bob)
    assert isinstance(await tg_bot.get_chat_member(group.id, bob.id), ChatMemberLeft)
    admins = await tg_bot.get_chat_administrators(group.id)
    assert {a.user.id for a in admins} == {alice.id, sb.bot.id}
    assert await tg_bot.get_chat_member_count(group.id) == 2
    commands = [BotCommand("start", "开始"), BotCommand("refund", "申请退款")]
    assert await tg_bot.set_my_commands(commands)
    assert await tg_bot.get_my_commands() == tuple(commands)
    assert await tg_bot.get_my_commands(language_code="en") == ()
    assert await tg_bot.delete_my_commands() and await tg_bot.get_my_commands() == ()


async def test_forbidden_and_migration(sb: Sandbox, tg_bot: Bot) -> None:
    alice, stranger = sb.add_user("小明", started=True), sb.add_user("路人")
    with pytest.raises(Forbidden, match="Forbidden: bot can't initiate conversation with a user"):
        await tg_bot.send_message(stranger.id, "hi")
    sb.block_bot(alice)
    with pytest.raises(Forbidden, match="Forbidden: bot was blocked by the user"):
        await tg_bot.send_message(alice.id, "hi")
    group = sb.add_group("g", members=[alice], admins=[alice], chat_type="group")
    with pytest.raises(Forbidden, match="Forbidden: bot is not a member of the group chat"):
        await tg_bot.send_message(group.id, "hi")
    await sb.add_bot_to_group(group, by=alice)
    await tg_bot.send_message(group.id, "hi")
    supergroup = sb.migrate_group(group)
    with pytest.raises(ChatMigrated) as migrated:
        await tg_bot.send_message(group.id, "hi")
    assert migrated.value.new_chat_id == supergroup.id and str(supergroup.id).startswith("-100")
    assert (await tg_bot.send_message(supergroup.id, "hi")).chat.type == "supergroup"
    sb.kick_bot(supergroup)
    with pytest.raises(Forbidden, match="Forbidden: bot was kicked from the supergroup chat"):
        await tg_bot.send_message(supergroup.id, "hi")


async def test_faults_and_conflict(sb: Sandbox, tg_bot: Bot) -> None:
    alice = sb.add_user("小明", started=True)
    sb.fail_next("sendMessage", status=429, retry_after=3)
    with pytest.raises(RetryAfter) as flood:
        await tg_bot.send_message(alice.id, "hi")
    assert flood.value._retry_after == dtm.timedelta(seconds=3)
    assert (await tg_bot.send_message(alice.id, "hi")).text == "hi"  # only once
    sb.fail_next("sendmessage", chat_id=alice.id, status=400, description="Bad Request: boom")
    with pytest.raises(BadRequest, match="Boom"):
        await tg_bot.send_message(alice.id, "hi")
    assert sb.stats["rejected_429"] == 1 and sb.stats["methods"]["sendMessage"] == 3
    assert await tg_bot.set_webhook("http://127.0.0.1:9/hook", secret_token="s3cret")
    with pytest.raises(Conflict, match="webhook is active"):
        await tg_bot.get_updates()
    info = await tg_bot.get_webhook_info()
    assert info.url == "http://127.0.0.1:9/hook" and leftovers(info) == []
    assert await tg_bot.delete_webhook()
    assert await tg_bot.get_updates() == ()
