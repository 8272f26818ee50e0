"""What the page reads: the world (people, chats), messages as the page draws them, files.

Message HTML comes only from ``safe_html.render``; names, titles and button labels are sent as
plain strings and the page inserts them as text, never as markup.
"""

from __future__ import annotations

import functools
import json
import re
from typing import TYPE_CHECKING, Any

from aiohttp import web

import messages
from groupbot.sandbox.botapi import commands_key
from groupbot.sandbox.errors import ApiError
from groupbot.sandbox.state import MessageRecord

from .safe_html import render, safe_url

if TYPE_CHECKING:
    from .server import Playground

JSON = dict[str, Any]
dumps = functools.partial(json.dumps, ensure_ascii=False)
# Images a browser shows without running anything (no SVG): everything else is a download.
INLINE_IMAGES = {"image/jpeg", "image/png", "image/gif", "image/webp"}
_PAYLOAD = r"([A-Za-z0-9_-]{1,64})"


def strings() -> dict[str, dict[str, str]]:
    """The page's own texts, per locale, from messages/<locale>/playground.toml."""
    out: dict[str, dict[str, str]] = {}
    for locale in messages.LOCALES:
        out[locale] = {
            key.removeprefix("playground."): text
            for key, text in messages.catalog(locale).items()
            if key.startswith("playground.")
        }
    return out


def world_json(pg: Playground) -> JSON:
    st = pg.sb.state
    people = [
        {
            "id": u.id,
            "name": u.full_name,
            "username": u.username,
            "language": u.language_code,
            "role": pg.roles(u.id),
            "started": u.started,
            "blocked": u.blocked_bot,
        }
        for u in st.users.values()
        if not u.is_bot
    ]
    chats = [_group_json(pg, g) for g in st.chats.values() if g.migrated_to is None]
    chats += [_private_json(pg, u) for u in st.users.values() if not u.is_bot]
    chats.sort(key=lambda c: -pg.activity.get(c["id"], 0))
    return {
        "bot": {"id": st.bot.id, "name": st.bot.first_name, "username": st.bot.username},
        "locale": pg.locale,
        "timezone": pg.timezone,
        "people": people,
        "chats": chats,
        "guide": pg.guide,
        "strings": strings(),
    }


def world_fingerprint(pg: Playground) -> str:
    """Changes whenever the chat list or the people change (not with every message)."""
    world = world_json(pg)
    for chat in world["chats"]:
        chat.pop("last", None)
    world.pop("strings")
    return dumps([world["people"], sorted(world["chats"], key=lambda c: c["id"])])


def _last(pg: Playground, chat_id: int) -> JSON | None:
    records = pg.sb.state.messages.get(chat_id, {})
    for rec in reversed(records.values()):
        if not rec.deleted:
            data = rec.data
            return {
                "date": data.get("date"),
                "from": (data.get("from") or {}).get("first_name"),
                "preview": _preview(data),
            }
    return None


def _group_json(pg: Playground, group: Any) -> JSON:
    data = group.to_json()
    return {
        "id": group.id,
        "type": group.type,
        "title": group.title,
        "forum": bool(data.get("is_forum")),
        "members": [uid for uid, status in group.members.items() if status not in
                    ("left", "kicked")],
        "bot_in": group.bot_status in ("member", "administrator"),
        "last": _last(pg, group.id),
    }


def _private_json(pg: Playground, user: Any) -> JSON:
    return {
        "id": user.id,
        "type": "private",
        "title": user.full_name,
        "owner": user.id,
        "members": [user.id],
        "bot_in": not user.blocked_bot,
        "last": _last(pg, user.id),
    }


def _preview(data: JSON) -> JSON:
    """A one-line summary for the chat list: the text, or what kind of message it is."""
    text = (data.get("text") or data.get("caption") or "").split("\n", 1)[0][:80]
    kind = "photo" if data.get("photo") else "document" if data.get("document") else None
    if _service(data):
        kind = "service"
    return {"text": text, "kind": kind}


def chat_messages_json(pg: Playground, chat_id: int) -> list[JSON]:
    records = pg.sb.state.messages.get(chat_id, {})
    return [message_json(pg, rec) for rec in records.values() if not rec.deleted]


def message_json(pg: Playground, rec: MessageRecord) -> JSON:
    data = rec.data
    sender = data.get("from") or {}
    out: JSON = {
        "id": data["message_id"],
        "chat": data["chat"]["id"],
        "from": {
            "id": sender.get("id"),
            "name": " ".join(filter(None, [sender.get("first_name"), sender.get("last_name")])),
            "bot": bool(sender.get("is_bot")),
        },
        "date": data.get("date"),
        "edited": data.get("edit_date") is not None,
        "deleted": rec.deleted,
        "html": render(data.get("text") or data.get("caption"), data.get("entities")
                       or data.get("caption_entities")),
        "buttons": _buttons(pg, data),
        "thread": data.get("message_thread_id") if data.get("is_topic_message") else None,
    }
    if data.get("photo"):
        sizes = data["photo"]
        shown = next((s for s in sizes if max(s["width"], s["height"]) >= 800), sizes[-1])
        out["photo"] = {"file": shown["file_id"], "full": sizes[-1]["file_id"],
                        "width": shown["width"], "height": shown["height"]}
    if data.get("document"):
        doc = data["document"]
        out["document"] = {"file": doc["file_id"], "name": doc.get("file_name") or "file",
                           "size": doc.get("file_size"),
                           "image": doc.get("mime_type") in INLINE_IMAGES}
    if service := _service(data):
        out["service"] = service
    if replied := data.get("reply_to_message"):
        who = replied.get("from") or {}
        out["reply_to"] = {"id": replied.get("message_id"), "name": who.get("first_name"),
                           "preview": _preview(replied)}
    return out


def _service(data: JSON) -> JSON | None:
    if data.get("new_chat_members"):
        return {"code": "joined", "names": [u.get("first_name") for u in data["new_chat_members"]]}
    if data.get("left_chat_member"):
        return {"code": "left", "names": [data["left_chat_member"].get("first_name")]}
    if data.get("migrate_to_chat_id") or data.get("migrate_from_chat_id"):
        return {"code": "migrated", "names": []}
    if data.get("pinned_message"):
        return {"code": "pinned", "names": [], "preview": _preview(data["pinned_message"])}
    for key in ("forum_topic_created", "forum_topic_edited"):
        if data.get(key):
            return {"code": "topic", "names": [data[key].get("name") or ""]}
    if not any(data.get(k) for k in ("text", "caption", "photo", "document")):
        return {"code": "other", "names": []}
    return None


def _buttons(pg: Playground, data: JSON) -> list[list[JSON]]:
    rows = (data.get("reply_markup") or {}).get("inline_keyboard", [])
    deep_link = re.compile(
        rf"(?:https?://)?(?:t\.me|telegram\.me)/{re.escape(pg.sb.bot.username or '')}"
        rf"\?start={_PAYLOAD}$|tg://resolve\?domain={re.escape(pg.sb.bot.username or '')}"
        rf"&start={_PAYLOAD}$",
        re.IGNORECASE,
    )
    out = []
    for row in rows:
        shown = []
        for button in row:
            item: JSON = {"text": button.get("text", "")}
            if "callback_data" in button:
                item.update(kind="callback", data=button["callback_data"])
            elif "url" in button and (m := deep_link.match(button["url"])):
                item.update(kind="start", payload=m.group(1) or m.group(2))
            elif "url" in button and (url := safe_url(button["url"])):
                item.update(kind="url", url=url)
            elif "copy_text" in button:
                item.update(kind="copy", copy=(button["copy_text"] or {}).get("text", ""))
            else:
                item.update(kind="other")
            shown.append(item)
        out.append(shown)
    return out


def commands_json(pg: Playground, chat_id: int, user_id: int) -> list[JSON]:
    """The bot's command menu as Telegram would show it to this person in this chat: the
    narrowest scope the bot set commands for wins, in the person's language if set for it."""
    st = pg.sb.state
    user = st.users.get(user_id)
    language = ((user.language_code if user else None) or "").split("-")[0].lower()
    if chat_id > 0:
        scopes: list[JSON] = [{"type": "chat", "chat_id": chat_id},
                              {"type": "all_private_chats"}]
    else:
        group = st.chats.get(chat_id)
        admin = group is not None and group.members.get(user_id) in ("creator", "administrator")
        scopes = [{"type": "chat_member", "chat_id": chat_id, "user_id": user_id}]
        scopes += [{"type": "chat_administrators", "chat_id": chat_id}] if admin else []
        scopes += [{"type": "chat", "chat_id": chat_id}]
        scopes += [{"type": "all_chat_administrators"}] if admin else []
        scopes += [{"type": "all_group_chats"}]
    for scope in [*scopes, {"type": "default"}]:
        for lang in dict.fromkeys([language, ""]):
            found = st.commands.get(commands_key(scope, lang))
            if found:
                return found
    return []


async def cjk_font(request: web.Request) -> web.StreamResponse:
    """Noto Sans SC from an installed package (the evidence sheet's font), for pages on
    machines without a Chinese font; the browser only fetches it when it needs it."""
    try:
        from pylopdf_fonts_zh_cn import sans_path
    except ImportError:
        raise web.HTTPNotFound() from None
    return web.FileResponse(sans_path(), headers={"Cache-Control": "max-age=86400"})


async def file_download(request: web.Request) -> web.StreamResponse:
    """A file by file_id. Only plain images are shown inline; anything else downloads, so an
    uploaded HTML or SVG file can never run on the page's origin."""
    from .server import PLAYGROUND_KEY

    pg = request.app[PLAYGROUND_KEY]
    try:
        stored = pg.sb.state.files.resolve(request.match_info["file_id"])
    except ApiError:
        raise web.HTTPNotFound() from None
    mime = "image/jpeg" if stored.kind == "photo" else (stored.mime_type or "")
    headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=3600"}
    if mime not in INLINE_IMAGES:
        mime = "application/octet-stream"
        name = re.sub(r"[^A-Za-z0-9._-]", "_", stored.file_name or "file")
        headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return web.Response(body=stored.data, content_type=mime, headers=headers)
