"""The Telegram webhook as a route of the process's one web server (PTB's custom-webhook
pattern: the Application has no Updater; each POSTed update goes through the update processor,
so per-chat order, dedupe and the concurrency limit apply as in polling).

The answer is given after the update was handled: a process killed mid-update answers nothing,
so Telegram delivers the update again (to any replica) and nothing is lost; the update ledger
(groupbot/scale/updates.py) makes the redelivery of a finished update a no-op.
"""

from __future__ import annotations

import hmac
import json
import logging

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from groupbot.scale.web import WEB_KEY, WebServer, webhook_path
from handlers.common import RUNTIME_KEY

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_APPLICATION = web.AppKey("application", Application)


async def _receive(request: web.Request) -> web.Response:
    application = request.app[_APPLICATION]
    secret = application.bot_data[RUNTIME_KEY].settings.webhook_secret or ""
    given = request.headers.get(SECRET_HEADER, "")
    if not hmac.compare_digest(secret.encode(), given.encode("utf-8", "replace")):
        return web.json_response({"error": "wrong secret token"}, status=403)
    try:
        data = json.loads(await request.read())
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            raise ValueError("not an update")
        update = Update.de_json(data, application.bot)
    except Exception as exc:  # noqa: BLE001 - any body PTB cannot read is the sender's error
        log.warning("webhook: malformed update refused: %s", exc)
        return web.json_response({"error": "malformed update"}, status=400)
    await application.update_processor.process_update(update, application.process_update(update))
    return web.Response(status=200)


def register(app: Application) -> None:
    """Serve the webhook on the shared web server, at the path of ``webhook_url`` (or
    ``webhook_path``)."""
    server: WebServer = app.bot_data[WEB_KEY]
    settings = app.bot_data[RUNTIME_KEY].settings
    server.app[_APPLICATION] = app
    server.app.router.add_post(webhook_path(settings.webhook_url, settings.webhook_path),
                               _receive)
