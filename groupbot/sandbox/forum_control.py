"""Control routes for forums (see control.py for the conventions):

    POST /control/forums                         {title, members?: [id], admins?: [id],
                                                  topics?: bool} → chat
    POST /control/forums/{chat_id}/topics_enabled {enabled}
    GET  /control/forums/{chat_id}/topics        [{thread_id, name, icon_color, closed}]
    POST /control/send_text_in_topic             {user_id, chat_id, thread_id, text}
    POST /control/send_voice                     {user_id, chat_id, data_base64, duration?}
"""

from __future__ import annotations

import base64
import dataclasses
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .control import route

if TYPE_CHECKING:
    from .server import Sandbox


def _user(sb: Sandbox, value: Any) -> Any:
    return sb.state.users[int(value)]


@route("POST", "/forums")
async def add_forum(sb: Sandbox, request: web.Request, body: dict[str, Any]) -> Any:
    chat = sb.add_forum(body["title"], [_user(sb, u) for u in body.get("members", [])],
                        [_user(sb, u) for u in body.get("admins", [])],
                        topics=bool(body.get("topics", True)))
    return chat.to_json()


@route("POST", "/forums/{chat_id}/topics_enabled")
async def topics_enabled(sb: Sandbox, request: web.Request, body: dict[str, Any]) -> Any:
    sb.set_topics(sb.state.group(int(request.match_info["chat_id"])), bool(body["enabled"]))
    return True


@route("GET", "/forums/{chat_id}/topics")
async def topics(sb: Sandbox, request: web.Request, body: dict[str, Any]) -> Any:
    return [dataclasses.asdict(t) for t in sb.topics(int(request.match_info["chat_id"]))]


@route("POST", "/send_text_in_topic")
async def send_text_in_topic(sb: Sandbox, request: web.Request, body: dict[str, Any]) -> Any:
    chat = sb.state.group(int(body["chat_id"]))
    return await sb.send_text_in_topic(_user(sb, body["user_id"]), chat, int(body["thread_id"]),
                                       body["text"])


@route("POST", "/send_voice")
async def send_voice(sb: Sandbox, request: web.Request, body: dict[str, Any]) -> Any:
    return await sb.send_voice(_user(sb, body["user_id"]), int(body["chat_id"]),
                               base64.b64decode(body["data_base64"]),
                               int(body.get("duration", 3)))
