"""Bot API methods for a service desk: forum topics, copy/forward, voice and stickers, pins.

createForumTopic / editForumTopic / closeForumTopic / reopenForumTopic post the service
messages Telegram posts; copyMessage answers a MessageId and gives the copy fresh file_ids;
forwardMessage adds ``forward_origin``. Pinning needs an administrator in groups and posts a
``pinned_message`` service message. Flood limits count a forum as one chat (limits.py keys
by chat id), whatever the topic.
"""

from __future__ import annotations

import copy
from typing import Any

from .botapi import api
from .errors import bad_request
from .media import StoredFile
from .models import JSON
from .params import Params, Upload
from .sending import _caption, _post
from .state import State
from .topics import ICON_COLORS, Topic, topic_of

_COPYABLE = ("text", "photo", "document", "voice", "sticker")
_FILE_KINDS = ("document", "voice", "sticker")


def _manager(st: State, p: Params) -> int:
    """A forum chat where the bot may manage topics (an administrator), else Telegram's 400."""
    chat_id = st.writable_chat(p.chat_id())
    group = st.chats.get(chat_id)
    if group is None or group.type != "supergroup":
        raise bad_request("method is available for supergroup and channel chats only")
    if not group.is_forum:
        raise bad_request("the chat is not a forum")
    if group.bot_status != "administrator":
        raise bad_request("not enough rights to manage topics")
    return chat_id


def _topic_name(p: Params) -> str:
    name = (p.text("name") or "").strip()
    if not name:
        raise bad_request("TOPIC_TITLE_EMPTY")
    if len(name) > 128:
        raise bad_request("TOPIC_TITLE_TOO_LONG")  # Telegram: 1-128 characters
    return name


def _topic_service(st: State, chat_id: int, topic: Topic, content: JSON) -> None:
    content.update(message_thread_id=topic.thread_id, is_topic_message=True)
    st.add_message(chat_id, st.bot, content, None)


@api("createForumTopic")
async def create_forum_topic(st: State, p: Params) -> Any:
    chat_id = _manager(st, p)
    name = _topic_name(p)
    color = p.integer("icon_color", ICON_COLORS[0]) or ICON_COLORS[0]
    if color not in ICON_COLORS:
        raise bad_request("TOPIC_ICON_COLOR_INVALID")  # hypothetical text: only these six exist
    created = {"forum_topic_created": {"name": name, "icon_color": color}}
    rec = st.add_message(chat_id, st.bot, created, None)
    thread_id = rec.data["message_id"]  # a topic's id is its opening message's id
    rec.data.update(message_thread_id=thread_id, is_topic_message=True)
    st.forum.topics.setdefault(chat_id, {})[thread_id] = Topic(thread_id, name, color)
    return {"message_thread_id": thread_id, "name": name, "icon_color": color}


@api("editForumTopic")
async def edit_forum_topic(st: State, p: Params) -> Any:
    chat_id = _manager(st, p)
    topic = topic_of(st, chat_id, p.integer("message_thread_id") or 0)
    name = _topic_name(p) if p.has("name") else topic.name
    if name == topic.name and not p.has("icon_custom_emoji_id"):
        raise bad_request("TOPIC_NOT_MODIFIED")
    topic.name = name
    _topic_service(st, chat_id, topic, {"forum_topic_edited": {"name": name}})
    return True


async def _set_closed(st: State, p: Params, closed: bool) -> Any:
    chat_id = _manager(st, p)
    topic = topic_of(st, chat_id, p.integer("message_thread_id") or 0)
    if topic.closed == closed:
        raise bad_request("TOPIC_NOT_MODIFIED")
    topic.closed = closed
    key = "forum_topic_closed" if closed else "forum_topic_reopened"
    _topic_service(st, chat_id, topic, {key: {}})
    return True


@api("closeForumTopic")
async def close_forum_topic(st: State, p: Params) -> Any:
    return await _set_closed(st, p, True)


@api("reopenForumTopic")
async def reopen_forum_topic(st: State, p: Params) -> Any:
    return await _set_closed(st, p, False)


# ---- copy & forward -------------------------------------------------------------------------
def _source(st: State, p: Params, verb: str) -> JSON:
    from_chat = p.raw.get("from_chat_id")
    if from_chat in (None, ""):
        raise bad_request("from_chat_id is empty")
    chat_id = st.find_chat_id(int(from_chat) if str(from_chat).lstrip("-").isdigit() else from_chat)
    rec = st.record(chat_id, p.integer("message_id"))
    if rec is None:
        raise bad_request(f"message to {verb} not found")
    if not any(key in rec.data for key in _COPYABLE) or rec.data.get("has_protected_content"):
        raise bad_request(f"message can't be {'copied' if verb == 'copy' else 'forwarded'}")
    return rec.data


def _fresh(st: State, value: Any) -> Any:
    """A file's JSON with new file_ids (Telegram issues one per send), the rest unchanged."""
    if isinstance(value, list):
        return [_fresh(st, v) for v in value]
    stored = st.files.files[value["file_unique_id"]]
    out = dict(value)
    out["file_id"] = st.files.new_file_id(stored)
    if "thumbnail" in out:
        out["thumbnail"] = _fresh(st, out["thumbnail"])
    return out


def _content_of(st: State, source: JSON, *, with_caption: bool) -> JSON:
    content: JSON = {}
    for key in ("text", "entities"):
        if key in source:
            content[key] = copy.deepcopy(source[key])
    for key in ("photo", *_FILE_KINDS):
        if key in source:
            content[key] = _fresh(st, source[key])
    if with_caption:
        for key in ("caption", "caption_entities"):
            if key in source:
                content[key] = copy.deepcopy(source[key])
    return content


@api("copyMessage")
async def copy_message(st: State, p: Params) -> Any:
    chat_id = st.writable_chat(p.chat_id())
    source = _source(st, p, "copy")
    override = p.has("caption") and "text" not in source and "sticker" not in source
    content = _content_of(st, source, with_caption=not override)
    raw = _caption(st, p, content) if override else None
    data = _post(st, chat_id, p, content, raw if override else source.get("text"))
    return {"message_id": data["message_id"]}


@api("forwardMessage")
async def forward_message(st: State, p: Params) -> Any:
    chat_id = st.writable_chat(p.chat_id())
    source = _source(st, p, "forward")
    content = _content_of(st, source, with_caption=True)
    content["forward_origin"] = {
        "type": "user",
        "sender_user": copy.deepcopy(source["from"]),
        "date": source["date"],
    }
    return _post(st, chat_id, p, content, source.get("text") or source.get("caption"))


# ---- voice & stickers -----------------------------------------------------------------------
def voice_json(st: State, stored: StoredFile, duration: int) -> JSON:
    return {
        "file_id": st.files.new_file_id(stored),
        "file_unique_id": stored.unique_id,
        "duration": duration,
        "mime_type": "audio/ogg",
        "file_size": stored.size,
    }


def sticker_json(st: State, stored: StoredFile, emoji: str | None) -> JSON:
    data: JSON = {
        "file_id": st.files.new_file_id(stored),
        "file_unique_id": stored.unique_id,
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "file_size": stored.size,
    }
    if emoji:
        data["emoji"] = emoji
    return data


def _stored(st: State, source: Upload | str | None, kind: str, ext: str) -> StoredFile:
    if isinstance(source, Upload):
        return st.files.store(kind, source.data, ext)
    if isinstance(source, str) and source:
        stored = st.files.resolve(source)
        if stored.kind != kind:
            raise bad_request(f"can't use file of type {stored.kind.title()} as {kind.title()}")
        return stored
    raise bad_request(f"there is no {kind} in the request")


@api("sendVoice")
async def send_voice(st: State, p: Params) -> Any:
    chat_id = st.writable_chat(p.chat_id())
    content: JSON = {}
    raw = _caption(st, p, content)
    stored = _stored(st, p.file("voice"), "voice", "ogg")
    content["voice"] = voice_json(st, stored, p.integer("duration", 1) or 1)
    return _post(st, chat_id, p, content, raw)


@api("sendSticker")
async def send_sticker(st: State, p: Params) -> Any:
    chat_id = st.writable_chat(p.chat_id())
    stored = _stored(st, p.file("sticker"), "sticker", "webp")
    content: JSON = {"sticker": sticker_json(st, stored, p.text("emoji"))}
    return _post(st, chat_id, p, content, None)


# ---- pins -----------------------------------------------------------------------------------
def _pin_rights(st: State, chat_id: int) -> None:
    if chat_id < 0 and st.chats[chat_id].bot_status != "administrator":
        raise bad_request("not enough rights to manage pinned messages in the chat")


@api("pinChatMessage")
async def pin_chat_message(st: State, p: Params) -> Any:
    chat_id = st.writable_chat(p.chat_id())
    _pin_rights(st, chat_id)
    rec = st.record(chat_id, p.integer("message_id"))
    if rec is None:
        raise bad_request("message to pin not found")
    pins = st.forum.pinned.setdefault(chat_id, [])
    message_id = rec.data["message_id"]
    if message_id in pins:
        pins.remove(message_id)
    pins.append(message_id)
    quoted = copy.deepcopy(rec.data)
    quoted.pop("reply_to_message", None)
    service: JSON = {"pinned_message": quoted}
    if rec.data.get("is_topic_message"):
        service.update(message_thread_id=rec.data["message_thread_id"], is_topic_message=True)
    st.add_message(chat_id, st.bot, service, None)
    return True


@api("unpinChatMessage")
async def unpin_chat_message(st: State, p: Params) -> Any:
    chat_id = st.writable_chat(p.chat_id())
    _pin_rights(st, chat_id)
    pins = st.forum.pinned.get(chat_id, [])
    message_id = p.integer("message_id") or (pins[-1] if pins else None)
    if message_id is None or message_id not in pins:
        raise bad_request("message to unpin not found")
    pins.remove(message_id)
    return True
