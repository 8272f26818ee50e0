"""What a visitor does on the page: write, send a photo or a file, tap, follow a deep link,
add a person, join a group, move the clock.

Each answer is ``{"ok": true, ...}`` or, for input the sandbox refuses, HTTP 400 with
``{"ok": false, "error": code, "params": {...}}``; the page words the code in the visitor's
language (messages/<locale>/playground.toml), and keeps what they typed.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from aiohttp import web

from groupbot.sandbox.groups import PRESENT
from groupbot.sandbox.models import SandboxUser
from groupbot.sandbox.text import MAX_CAPTION, MAX_TEXT, utf16_len

from .server import PLAYGROUND_KEY, Playground

JSON = dict[str, Any]
Action = Callable[[Playground, JSON], Awaitable[JSON]]
STEPS = {"hour": timedelta(hours=1), "day": timedelta(days=1)}
MAX_UPLOAD = 20 * 1024 * 1024
MAX_NAME = 64
LANGUAGES = {"zh-hans", "en"}
PAYLOAD = re.compile(r"[A-Za-z0-9_-]{0,64}$")  # what Telegram allows after ?start=


class Refused(Exception):
    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def add_routes(app: web.Application) -> None:
    for path, action in (("send", send), ("tap", tap), ("start", start), ("people", person),
                         ("join", join), ("clock", move_clock)):
        app.router.add_post(f"/playground/api/{path}", _wrap(action))
    app.router.add_post("/playground/api/upload", upload)


def _refused(code: str, params: dict[str, Any] | None = None) -> web.Response:
    return web.json_response({"ok": False, "error": code, "params": params or {}}, status=400)


def _wrap(action: Action) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handler(request: web.Request) -> web.Response:
        try:
            body = await request.json()
            if not isinstance(body, dict):
                raise Refused("bad_request")
            return web.json_response({"ok": True, **await action(request.app[PLAYGROUND_KEY],
                                                                 body)})
        except Refused as no:
            return _refused(no.code, no.params)
        except (ValueError, TypeError, KeyError):
            return _refused("bad_request")

    return handler


def _person(pg: Playground, value: Any) -> SandboxUser:
    user = pg.sb.state.users.get(int(value))
    if user is None or user.is_bot:
        raise Refused("unknown_person")
    return user


def _chat_for(pg: Playground, user: SandboxUser, value: Any) -> int:
    """The chat, if this person may write there: their own private chat or a group they are in."""
    chat_id = int(value)
    st = pg.sb.state
    if chat_id > 0:
        if chat_id != user.id:
            raise Refused("not_your_chat", name=st.users[chat_id].full_name
                          if chat_id in st.users else "")
        return chat_id
    group = st.chats.get(chat_id)
    if group is None or group.migrated_to is not None:
        raise Refused("unknown_chat")
    if group.members.get(user.id) not in PRESENT:
        raise Refused("not_member", name=user.full_name, title=group.title)
    return chat_id


def _reply_ref(body: JSON, chat_id: int) -> tuple[int, int] | None:
    reply_to = body.get("reply_to")
    return (chat_id, int(reply_to)) if reply_to else None


async def send(pg: Playground, body: JSON) -> JSON:
    user = _person(pg, body.get("as"))
    chat_id = _chat_for(pg, user, body.get("chat"))
    text = str(body.get("text") or "")
    if not text.strip():
        raise Refused("empty_text")
    if utf16_len(text) > MAX_TEXT:
        raise Refused("too_long", limit=MAX_TEXT)
    try:
        sent = await pg.sb.send_text(user, chat_id, text, reply_to=_reply_ref(body, chat_id))
    except ValueError as exc:
        raise Refused("refused", detail=str(exc)) from exc
    return {"message": sent["message_id"]}


async def upload(request: web.Request) -> web.Response:
    """multipart: as, chat, caption?, mode (photo | file), reply_to?, file."""
    pg = request.app[PLAYGROUND_KEY]
    try:
        form = await request.post()
        upload = form.get("file")
        if not isinstance(upload, web.FileField):
            raise Refused("no_file")
        data = upload.file.read(MAX_UPLOAD + 1)
        if len(data) > MAX_UPLOAD:
            raise Refused("file_too_big", megabytes=MAX_UPLOAD // (1024 * 1024))
        user = _person(pg, form.get("as"))
        chat_id = _chat_for(pg, user, form.get("chat"))
        caption = str(form.get("caption") or "") or None
        if caption and utf16_len(caption) > MAX_CAPTION:
            raise Refused("too_long", limit=MAX_CAPTION)
        reply = _reply_ref(dict(form), chat_id)
        if form.get("mode") == "file":
            sent = await pg.sb.send_document(
                user, chat_id, data, upload.filename or "file",
                upload.content_type or "application/octet-stream", caption=caption)
        else:
            try:
                sent = await pg.sb.send_photo(user, chat_id, data, caption, reply_to=reply)
            except ValueError as exc:
                raise Refused("bad_photo", name=upload.filename or "") from exc
    except Refused as no:
        return _refused(no.code, no.params)
    except (ValueError, TypeError):
        return _refused("bad_request")
    return web.json_response({"ok": True, "message": sent["message_id"]})


async def tap(pg: Playground, body: JSON) -> JSON:
    """Press an inline button; waits briefly for the bot's answer to show it as a toast."""
    user = _person(pg, body.get("as"))
    chat_id = _chat_for(pg, user, body.get("chat"))
    try:
        query_id = await pg.sb.tap(user, (chat_id, int(body["message"])), str(body["data"]))
    except ValueError as exc:
        raise Refused("button_gone") from exc
    st = pg.sb.state
    await st.changed.wait_for(lambda: pg.sb.answer_of(query_id) is not None, 3.0)
    answer = pg.sb.answer_of(query_id)
    return {"answer": {"text": answer.get("text"), "alert": answer.get("show_alert")}
            if answer else None}


async def start(pg: Playground, body: JSON) -> JSON:
    """A t.me/<bot>?start=… link: open the person's private chat and send /start <payload>."""
    user = _person(pg, body.get("as"))
    payload = str(body.get("payload") or "").strip()
    if not PAYLOAD.match(payload):
        raise Refused("bad_link")
    text = f"/start {payload}" if payload else "/start"
    await pg.sb.send_text(user, user, text)
    return {"chat": user.id}


async def person(pg: Playground, body: JSON) -> JSON:
    """A new person with a name and a language, who joins the chosen groups."""
    name = " ".join(str(body.get("name") or "").split())
    if not name:
        raise Refused("name_missing")
    if len(name) > MAX_NAME:
        raise Refused("name_too_long", limit=MAX_NAME)
    language = str(body.get("language") or "zh-hans").lower()
    if language not in LANGUAGES:
        raise Refused("bad_language")
    groups = [pg.sb.state.chats.get(int(g)) for g in body.get("groups") or []]
    if any(g is None for g in groups):
        raise Refused("unknown_chat")
    user = pg.sb.add_user(name, language_code=language)
    for group in groups:
        assert group is not None
        await pg.sb.join_group(group, user)
    return {"person": user.id}


async def join(pg: Playground, body: JSON) -> JSON:
    user = _person(pg, body.get("as"))
    group = pg.sb.state.chats.get(int(body.get("chat") or 0))
    if group is None or group.migrated_to is not None:
        raise Refused("unknown_chat")
    if group.members.get(user.id) not in PRESENT:
        await pg.sb.join_group(group, user)
    return {"chat": group.id}


async def move_clock(pg: Playground, body: JSON) -> JSON:
    """+1 h, +1 day, or to just past the next scheduled thing; then the bot's tick runs."""
    if pg.clock is None:
        raise Refused("no_clock")
    step = body.get("step")
    if step == "next":
        due = await pg.clock.next_due()
        if due is None:
            raise Refused("nothing_due")
        delta = max(due[0] - pg.clock.now(), timedelta(0)) + timedelta(seconds=1)
    elif step in STEPS:
        delta = STEPS[step]
    else:
        raise Refused("bad_request")
    await pg.clock.advance(delta)
    pg.wake()
    return {"clock": await pg.clock_json()}
