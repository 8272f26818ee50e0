"""Bot API methods that post, change or delete messages, and answerCallbackQuery."""

from __future__ import annotations

import random
import time
from typing import Any

from .botapi import api
from .errors import bad_request
from .formatting import format_text, put_text, reply_markup, reply_to
from .media import StoredFile
from .models import JSON
from .params import Params, Upload
from .state import MessageRecord, State
from .topics import place_in_topic


def _post(st: State, chat_id: int, p: Params, content: JSON, html: str | None) -> JSON:
    """Validate the common options, then create the bot's message."""
    inline, keyboard = reply_markup(p)
    replied = reply_to(st, chat_id, p)
    if replied is not None:
        content["reply_to_message"] = replied
    if inline is not None:
        content["reply_markup"] = inline
    if p.flag("protect_content"):
        content["has_protected_content"] = True
    place_in_topic(st, chat_id, p.integer("message_thread_id"), content)
    rec = st.add_message(chat_id, st.bot, content, html)
    rec.keyboard = keyboard
    return rec.data


def _caption(st: State, p: Params, content: JSON) -> str | None:
    raw = p.text("caption")
    text, entities = format_text(
        st, raw, p.text("parse_mode"), p.json("caption_entities"), caption=True
    )
    put_text(content, "caption", text, entities)
    return raw


@api("sendMessage")
async def send_message(st: State, p: Params) -> Any:
    chat_id = st.writable_chat(p.chat_id())
    raw = p.text("text")
    text, entities = format_text(st, raw, p.text("parse_mode"), p.json("entities"), caption=False)
    content: JSON = {}
    put_text(content, "text", text, entities)
    return _post(st, chat_id, p, content, raw)


async def _ladder(st: State, source: Upload | str | None) -> list[StoredFile]:
    if isinstance(source, Upload):
        # Off the loop, as Telegram's servers do it: a bot's upload held every other answer
        # of the sandbox for its ~40-80 ms (benchmarks/crash.py --windows: a notice's answer
        # waited behind the evidence sheet's resizing).
        return await st.files.add_photo_off_loop(source.data)
    if isinstance(source, str) and source:
        stored = st.files.resolve(source)
        if stored.kind != "photo":
            raise bad_request("can't use file of type Document as Photo")
        return [st.files.files[u] for u in stored.sizes]
    raise bad_request("there is no photo in the request")


def _document(st: State, source: Upload | str | None) -> tuple[StoredFile, str | None]:
    if isinstance(source, Upload):
        return st.files.add_document(source.data, source.filename, source.content_type), None
    if isinstance(source, str) and source:
        stored = st.files.resolve(source)
        if stored.kind != "document":
            raise bad_request("can't use file of type Photo as Document")
        return stored, None
    raise bad_request("there is no document in the request")


@api("sendPhoto")
async def send_photo(st: State, p: Params) -> Any:
    chat_id = st.writable_chat(p.chat_id())
    content: JSON = {}
    raw = _caption(st, p, content)
    content["photo"] = st.files.photo_json(await _ladder(st, p.file("photo")))
    return _post(st, chat_id, p, content, raw)


@api("sendDocument")
async def send_document(st: State, p: Params) -> Any:
    chat_id = st.writable_chat(p.chat_id())
    content: JSON = {}
    raw = _caption(st, p, content)
    stored, name = _document(st, p.file("document"))
    content["document"] = st.files.document_json(stored, name)
    return _post(st, chat_id, p, content, raw)


@api("sendMediaGroup")
async def send_media_group(st: State, p: Params) -> Any:
    chat_id = st.writable_chat(p.chat_id())
    media = p.json("media")
    if not isinstance(media, list) or not 2 <= len(media) <= 10:
        raise bad_request("wrong number of media specified: must be 2-10")
    kinds = {item.get("type") for item in media if isinstance(item, dict)}
    if not kinds <= {"photo", "document"}:
        raise bad_request("the sandbox supports photo and document media only")
    if len(kinds) > 1:
        raise bad_request("document can't be mixed with other media types")
    prepared: list[tuple[JSON, str | None]] = []
    for item in media:  # validate everything before posting anything
        source = item.get("media")
        upload = p.attached(source) if str(source).startswith("attach://") else source
        content: JSON = {}
        raw = item.get("caption")
        text, entities = format_text(
            st, raw, item.get("parse_mode"), item.get("caption_entities"), caption=True
        )
        put_text(content, "caption", text, entities)
        if item["type"] == "photo":
            content["photo"] = st.files.photo_json(await _ladder(st, upload))
        else:
            stored, name = _document(st, upload)
            content["document"] = st.files.document_json(stored, name)
        prepared.append((content, raw))
    group_id = str(random.randint(10**17, 10**18))
    replied = reply_to(st, chat_id, p)
    out = []
    for content, raw in prepared:
        content["media_group_id"] = group_id
        if replied is not None:
            content["reply_to_message"] = replied
        place_in_topic(st, chat_id, p.integer("message_thread_id"), content)
        out.append(st.add_message(chat_id, st.bot, content, raw).data)
    return out


# ---- edits ----------------------------------------------------------------------------------
def _editable(st: State, p: Params) -> MessageRecord:
    if p.has("inline_message_id"):
        raise bad_request("the sandbox has no inline messages")
    chat_id = st.find_chat_id(p.chat_id())
    message_id = p.integer("message_id")
    if message_id is None:
        raise bad_request("message identifier is not specified")
    rec = st.record(chat_id, message_id)
    if rec is None:
        raise bad_request("message to edit not found")
    if not rec.from_bot:
        raise bad_request("message can't be edited")
    return rec


def _apply_edit(st: State, rec: MessageRecord, new: JSON) -> JSON:
    """Replace fields; Telegram refuses an edit that changes nothing."""
    data = rec.data
    keys = set(new) | {"reply_markup"}
    if all(data.get(k) == new.get(k) for k in keys):
        raise bad_request(
            "message is not modified: specified new message content and reply markup are "
            "exactly the same as a current content and reply markup of the message"
        )
    for key in keys:
        if new.get(key) is None:
            data.pop(key, None)
        else:
            data[key] = new[key]
    data["edit_date"] = int(st.clock())
    st.touched(data["chat"]["id"], data["message_id"])
    return data


@api("editMessageText")
async def edit_message_text(st: State, p: Params) -> Any:
    rec = _editable(st, p)
    if "text" not in rec.data:
        raise bad_request("there is no text in the message to edit")
    raw = p.text("text")
    text, entities = format_text(st, raw, p.text("parse_mode"), p.json("entities"), caption=False)
    new: JSON = {"text": text, "entities": entities or None, "reply_markup": reply_markup(p)[0]}
    data = _apply_edit(st, rec, new)
    rec.html = raw
    return data


@api("editMessageCaption")
async def edit_message_caption(st: State, p: Params) -> Any:
    rec = _editable(st, p)
    if not ({"photo", "document"} & set(rec.data)):
        raise bad_request("there is no caption in the message to edit")
    raw = p.text("caption")
    text, entities = format_text(
        st, raw, p.text("parse_mode"), p.json("caption_entities"), caption=True
    )
    new: JSON = {
        "caption": text or None,
        "caption_entities": entities or None,
        "reply_markup": reply_markup(p)[0],
    }
    data = _apply_edit(st, rec, new)
    rec.html = raw
    return data


@api("editMessageReplyMarkup")
async def edit_message_reply_markup(st: State, p: Params) -> Any:
    rec = _editable(st, p)
    return _apply_edit(st, rec, {"reply_markup": reply_markup(p)[0]})


@api("deleteMessage")
async def delete_message(st: State, p: Params) -> Any:
    chat_id = st.find_chat_id(p.chat_id())
    rec = st.record(chat_id, p.integer("message_id"))
    if rec is None:
        raise bad_request("message to delete not found")
    if not rec.from_bot and chat_id < 0 and st.chats[chat_id].bot_status != "administrator":
        raise bad_request("message can't be deleted")
    rec.deleted = True
    st.changed.notify()
    st.touched(chat_id, rec.data["message_id"])
    return True


@api("answerCallbackQuery")
async def answer_callback_query(st: State, p: Params) -> Any:
    rec = st.callbacks.get(p.text("callback_query_id") or "")
    if rec is None or rec.answer is not None or time.monotonic() - rec.created > st.callback_ttl:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    text = p.text("text")
    if text is not None and len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    rec.answer = {
        "text": text,
        "show_alert": p.flag("show_alert"),
        "url": p.text("url"),
        "cache_time": p.integer("cache_time", 0),
    }
    st.changed.notify()
    return True
