"""HTTP plumbing of the Bot API: ``/bot<token>/<method>`` and ``/file/bot<token>/<path>``.

Per call: token check (401), method lookup (404, case-insensitive), parameter parsing,
bookkeeping for ``Sandbox.calls``/``stats``/``settle``, armed faults, flood limits, then the
handler. Every failure is Telegram's JSON ``{"ok": false, "error_code", "description",
"parameters"?}`` with the matching HTTP status, which is all PTB looks at.
"""

from __future__ import annotations

import asyncio
import json
import logging
import mimetypes
import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .botapi import METHODS
from .errors import NOT_FOUND, UNAUTHORIZED, ApiError, too_many_requests
from .limits import SEND_METHODS
from .params import Params, read_params

if TYPE_CHECKING:
    from .server import Sandbox

log = logging.getLogger(__name__)
SANDBOX_KEY: web.AppKey[Sandbox] = web.AppKey("sandbox")


def json_response(payload: Any, status: int = 200) -> web.Response:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return web.Response(body=body, status=status, content_type="application/json")


def error_response(err: ApiError) -> web.Response:
    return json_response(err.body(), status=err.status)


async def bot_call(request: web.Request) -> web.Response:
    sb = request.app[SANDBOX_KEY]
    if request.match_info["token"] != sb.token:
        return error_response(UNAUTHORIZED)
    entry = METHODS.get(request.match_info["method"].lower())
    if entry is None:
        return error_response(NOT_FOUND)
    name, handler = entry
    try:
        params = Params(await read_params(request), lambda: _connected(request))
    except ApiError as err:
        return error_response(err)
    sb.calls.append((name, params.loggable(), time.time()))
    methods = sb.counters["methods"]
    methods[name] = methods.get(name, 0) + 1
    polling = name == "getUpdates"
    st = sb.state
    if not polling:
        sb.inflight += 1
        st.last_activity = time.monotonic()
    try:
        result = await _run(sb, name.lower(), handler, params)
    except ApiError as err:
        if err.status == 429:
            sb.counters["rejected_429"] += 1
        return error_response(err)
    except Exception as exc:  # a sandbox bug: make it loud, and visible to tests
        log.exception("sandbox: %s failed", name)
        sb.internal_errors.append(f"{name}: {exc!r}")
        return error_response(ApiError(500, f"Internal Server Error: sandbox bug in {name}"))
    finally:
        if not polling:
            sb.inflight -= 1
            st.last_activity = time.monotonic()
    if polling and result:
        st.last_activity = time.monotonic()
    return json_response({"ok": True, "result": result})


def _connected(request: web.Request) -> bool:
    transport = request.transport
    return transport is not None and not transport.is_closing()


async def _run(sb: Sandbox, method: str, handler: Any, params: Params) -> Any:
    if sb.faults.pending:
        chat = params.raw.get("chat_id")
        try:
            chat = int(chat) if chat is not None else None
        except (TypeError, ValueError):
            pass
        fault = sb.faults.take(method, chat)
        if fault is not None:
            if fault.delay:
                await asyncio.sleep(fault.delay)
            err = fault.error()
            if err is not None:
                raise err
    if sb.enforce_limits and method in SEND_METHODS:
        chat_id = sb.state.find_chat_id(params.chat_id())
        counted = SEND_METHODS[method]
        count = len(params.json(counted) or []) if counted else 1
        retry_after = sb.limiter.check(chat_id, max(count, 1))
        if retry_after is not None:
            raise too_many_requests(retry_after)
    return await handler(sb.state, params)


async def file_download(request: web.Request) -> web.StreamResponse:
    sb = request.app[SANDBOX_KEY]
    if request.match_info["token"] != sb.token:
        return error_response(UNAUTHORIZED)
    stored = sb.state.files.by_path.get(request.match_info["path"])
    if stored is None:
        return error_response(NOT_FOUND)
    ctype = stored.mime_type or mimetypes.guess_type(stored.path)[0] or "application/octet-stream"
    return web.Response(body=stored.data, content_type=ctype)


def add_routes(app: web.Application) -> None:
    app.router.add_route("*", "/bot{token}/{method}", bot_call)
    app.router.add_get("/file/bot{token}/{path:.+}", file_download)
