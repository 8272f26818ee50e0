"""HTTP control API: act as people and read what the bot did, for ``groupbot sandbox``.

All bodies and answers are JSON: ``{"ok": true, "result": ...}`` or ``{"ok": false,
"error": "..."}`` (HTTP 400). People and chats are referred to by id. Routes:

    GET  /control/state                          bot, users, chats, webhook, pending updates
    POST /control/users                          {first_name, username?, language_code?,
                                                  last_name?, user_id?, started?} → user
    POST /control/users/{user_id}/block          the user blocks the bot
    POST /control/users/{user_id}/unblock
    POST /control/groups                         {title, members?: [id], admins?: [id],
                                                  chat_type?, chat_id?, username?} → chat
    POST /control/groups/{chat_id}/bot           {by, as_admin?}   add the bot
    POST /control/groups/{chat_id}/join          {user_id}
    POST /control/groups/{chat_id}/leave         {user_id}
    POST /control/groups/{chat_id}/kick_bot      {by?}
    POST /control/groups/{chat_id}/promote_bot   {by?}
    POST /control/groups/{chat_id}/migrate       {by?} → the new supergroup
    POST /control/send_text                      {user_id, chat_id, text, reply_to?, html?}
    POST /control/send_photo                     {user_id, chat_id, data_base64 | path,
                                                  caption?}   (or multipart with a "file" part)
    POST /control/send_document                  {user_id, chat_id, data_base64 | path,
                                                  file_name?, mime_type?, caption?}
    POST /control/tap                            {user_id, chat_id, message_id, callback_data}
                                                  → {callback_query_id}
    GET  /control/answers/{callback_query_id}    the bot's answerCallbackQuery or null
    GET  /control/chats/{chat_id}/messages       ?bot_only=1   message snapshots
    GET  /control/calls                          ?since=N   bot API calls from index N
    GET  /control/stats
    GET  /control/webhook_deliveries
    GET  /control/files/{file_id}                the file's bytes
    POST /control/fail_next                      {method, chat_id?, status?, retry_after?,
                                                  description?, times?, delay?}
    POST /control/limits                         {enforce: bool}
    POST /control/settle                         {quiet?, timeout?}
    POST /control/wait_for_bot_messages          {chat_id, count, timeout?}
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .errors import ApiError
from .models import private_chat_json
from .routes import SANDBOX_KEY, json_response

if TYPE_CHECKING:
    from .server import Sandbox

Route = Callable[["Sandbox", web.Request, dict[str, Any]], Awaitable[Any]]
ROUTES: list[tuple[str, str, Route]] = []


def route(method: str, path: str) -> Callable[[Route], Route]:
    def register(fn: Route) -> Route:
        ROUTES.append((method, "/control" + path, fn))
        return fn

    return register


def _wrap(fn: Route) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handler(request: web.Request) -> web.StreamResponse:
        sb = request.app[SANDBOX_KEY]
        try:
            body = await _body(request)
            result = await fn(sb, request, body)
        except (ValueError, KeyError, TypeError, ApiError, TimeoutError) as exc:
            text = exc.description if isinstance(exc, ApiError) else f"{exc}"
            return json_response({"ok": False, "error": text or repr(exc)}, status=400)
        if isinstance(result, web.StreamResponse):
            return result
        return json_response({"ok": True, "result": result})

    return handler


async def _body(request: web.Request) -> dict[str, Any]:
    if request.method != "POST" or not request.can_read_body:
        return dict(request.query)
    if request.content_type.startswith("multipart/"):
        form = await request.post()
        out: dict[str, Any] = {}
        for key, value in form.items():
            out[key] = value.file.read() if isinstance(value, web.FileField) else value
        return out
    body = json.loads(await request.text() or "{}")
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    return body


def add_control_routes(app: web.Application) -> None:
    for method, path, fn in ROUTES:
        app.router.add_route(method, path, _wrap(fn))


def _user(sb: Sandbox, value: Any) -> Any:
    return sb.state.users[int(value)]


def _group(sb: Sandbox, request: web.Request) -> Any:
    return sb.state.group(int(request.match_info["chat_id"]))


async def _data(body: dict[str, Any]) -> bytes:
    if isinstance(body.get("file"), bytes):
        return body["file"]
    if body.get("data_base64"):
        return base64.b64decode(body["data_base64"])
    if body.get("path"):
        return await asyncio.to_thread(Path(body["path"]).read_bytes)
    raise ValueError("give data_base64, path, or a multipart 'file'")


def _reply_ref(body: dict[str, Any]) -> tuple[int, int] | None:
    return (int(body["chat_id"]), int(body["reply_to"])) if body.get("reply_to") else None


@route("GET", "/state")
async def state(sb: Sandbox, request: web.Request, body: dict[str, Any]) -> Any:
    st = sb.state
    return {
        "bot": st.bot.to_json(),
        "users": [
            {**u.to_json(), "started": u.started, "blocked_bot": u.blocked_bot}
            for u in st.users.values()
            if not u.is_bot
        ],
        "private_chats": [private_chat_json(u) for u in st.users.values() if u.started],
        "chats": [
            {
                **c.to_json(),
                "members": c.members,
                "bot_status": c.bot_status,
                "migrated_to": c.migrated_to,
            }
            for c in st.chats.values()
        ],
        "webhook": {"url": st.webhook.url, "last_error": st.webhook.last_error_message},
        "pending_updates": len(st.updates),
    }


@route("POST", "/users")
async def add_user(sb: Sandbox, request: web.Request, body: dict[str, Any]) -> Any:
    user = sb.add_user(
        body["first_name"],
        body.get("username"),
        body.get("language_code", "zh-hans"),
        body.get("last_name"),
        body.get("user_id"),
        started=bool(body.get("started")),
    )
    return user.to_json()


@route("POST", "/users/{user_id}/block")
async def block(sb: Sandbox, request: web.Request, body: dict[str, Any]) -> Any:
    sb.block_bot(_user(sb, request.match_info["user_id"]))
    return True


@route("POST", "/users/{user_id}/unblock")
async def unblock(sb: Sandbox, request: web.Request, body: dict[str, Any]) -> Any:
    sb.unblock_bot(_user(sb, request.match_info["user_id"]))
    return True


@route("POST", "/groups")
async def add_group(sb: Sandbox, request: web.Request, body: dict[str, Any]) -> Any:
    group = sb.add_group(
        body["title"],
        [_user(sb, u) for u in body.get("members", [])],
        [_user(sb, u) for u in body.get("admins", [])],
        body.get("chat_type", "supergroup"),
        body.get("chat_id"),
        username=body.get("username"),
    )
    return group.to_json()


@route("POST", "/groups/{chat_id}/bot")
async def add_bot(sb: Sandbox, request: web.Request, body: dict[str, Any]) -> Any:
    group = _group(sb, request)
    by = _user(sb, body["by"])
    return await sb.add_bot_to_group(group, by, as_admin=bool(body.get("as_admin")))


@route("POST", "/groups/{chat_id}/join")
async def join(sb: Sandbox, request: web.Request, body: dict[str, Any]) -> Any:
    return await sb.join_group(_group(sb, request), _user(sb, body["user_id"]))


@route("POST", "/groups/{chat_id}/leave")
async def leave(sb: Sandbox, request: web.Request, body: dict[str, Any]) -> Any:
    return await sb.leave_group(_group(sb, request), _user(sb, body["user_id"]))


@route("POST", "/groups/{chat_id}/kick_bot")
async def kick_bot(sb: Sandbox, request: web.Request, body: dict[str, Any]) -> Any:
    sb.kick_bot(_group(sb, request), _user(sb, body["by"]) if body.get("by") else None)
    return True


@route("POST", "/groups/{chat_id}/promote_bot")
async def promote_bot(sb: Sandbox, request: web.Request, body: dict[str, Any]) -> Any:
    sb.promote_bot(_group(sb, request), _user(sb, body["by"]) if body.get("by") else None)
    return True


@route("POST", "/groups/{chat_id}/migrate")
async def migrate(sb: Sandbox, request: web.Request, body: dict[str, Any]) -> Any:
    by = _user(sb, body["by"]) if body.get("by") else None
    return sb.migrate_group(_group(sb, request), by).to_json()


@route("POST", "/send_text")
async def send_text(sb: Sandbox, request: web.Request, body: dict[str, Any]) -> Any:
    return await sb.send_text(
        _user(sb, body["user_id"]),
        int(body["chat_id"]),
        body["text"],
        reply_to=_reply_ref(body),
        html=bool(body.get("html")),
    )


@route("POST", "/send_photo")
async def send_photo(sb: Sandbox, request: web.Request, body: dict[str, Any]) -> Any:
    return await sb.send_photo(
        _user(sb, body["user_id"]),
        int(body["chat_id"]),
        await _data(body),
        body.get("caption"),
        reply_to=_reply_ref(body),
    )


@route("POST", "/send_document")
async def send_document(sb: Sandbox, request: web.Request, body: dict[str, Any]) -> Any:
    name = body.get("file_name") or (Path(body["path"]).name if body.get("path") else "file.bin")
    return await sb.send_document(
        _user(sb, body["user_id"]),
        int(body["chat_id"]),
        await _data(body),
        name,
        body.get("mime_type", "application/octet-stream"),
        caption=body.get("caption"),
    )


@route("POST", "/tap")
async def tap(sb: Sandbox, request: web.Request, body: dict[str, Any]) -> Any:
    ref = (int(body["chat_id"]), int(body["message_id"]))
    query_id = await sb.tap(_user(sb, body["user_id"]), ref, body["callback_data"])
    return {"callback_query_id": query_id}


@route("GET", "/answers/{query_id}")
async def answer(sb: Sandbox, request: web.Request, body: dict[str, Any]) -> Any:
    return sb.answer_of(request.match_info["query_id"])


@route("GET", "/chats/{chat_id}/messages")
async def messages(sb: Sandbox, request: web.Request, body: dict[str, Any]) -> Any:
    chat_id = int(request.match_info["chat_id"])
    bot_only = body.get("bot_only") in ("1", "true")
    return sb.bot_messages(chat_id) if bot_only else sb.messages(chat_id)


@route("GET", "/calls")
async def calls(sb: Sandbox, request: web.Request, body: dict[str, Any]) -> Any:
    since = int(body.get("since", 0))
    return [
        {"index": i, "method": m, "params": p, "time": t}
        for i, (m, p, t) in enumerate(sb.calls[since:], start=since)
    ]


@route("GET", "/stats")
async def stats(sb: Sandbox, request: web.Request, body: dict[str, Any]) -> Any:
    return sb.stats


@route("GET", "/webhook_deliveries")
async def deliveries(sb: Sandbox, request: web.Request, body: dict[str, Any]) -> Any:
    return sb.webhook_deliveries


@route("GET", "/files/{file_id}")
async def file_bytes(sb: Sandbox, request: web.Request, body: dict[str, Any]) -> Any:
    return web.Response(body=sb.file_bytes(request.match_info["file_id"]))


@route("POST", "/fail_next")
async def fail_next(sb: Sandbox, request: web.Request, body: dict[str, Any]) -> Any:
    sb.fail_next(
        body["method"],
        chat_id=body.get("chat_id"),
        status=body.get("status", 429),
        retry_after=int(body.get("retry_after", 1)),
        description=body.get("description"),
        times=int(body.get("times", 1)),
        delay=float(body.get("delay", 0)),
    )
    return True


@route("POST", "/limits")
async def limits(sb: Sandbox, request: web.Request, body: dict[str, Any]) -> Any:
    sb.enforce_limits = bool(body.get("enforce", True))
    return {"enforce": sb.enforce_limits}


@route("POST", "/settle")
async def settle(sb: Sandbox, request: web.Request, body: dict[str, Any]) -> Any:
    await sb.settle(float(body.get("quiet", 0.15)), float(body.get("timeout", 10.0)))
    return True


@route("POST", "/wait_for_bot_messages")
async def wait_for(sb: Sandbox, request: web.Request, body: dict[str, Any]) -> Any:
    return await sb.wait_for_bot_messages(
        int(body["chat_id"]), int(body["count"]), float(body.get("timeout", 5.0))
    )
