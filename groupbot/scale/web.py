"""The one web server of a process: the Telegram webhook and the storefront intake are routes
of a single aiohttp application, so a replica is one process listening on one port."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from aiohttp import web

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # Telegram's updates and the storefront's orders are far smaller
WEB_KEY = "groupbot.web"  # where the Application keeps the shared server (bot_data)


def webhook_path(url: str, explicit: str | None = None) -> str:
    """The path the webhook listens on: ``explicit`` if given (a proxy may rewrite the public
    path), else the URL's whole path; a URL without a path listens on ``/``."""
    path = explicit if explicit is not None else urlsplit(url).path
    path = "/" + path.strip("/")
    return path


class WebServer:
    """An aiohttp application whose routes are added by the parts of the bot before it
    starts, and the site it listens on once started."""

    def __init__(self) -> None:
        self.app = web.Application(client_max_size=MAX_BODY)
        self._runner: web.AppRunner | None = None

    @property
    def running(self) -> bool:
        return self._runner is not None

    async def start(self, host: str, port: int) -> None:
        runner = web.AppRunner(self.app, access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        log.info("listening on http://%s:%s", host, self.port)

    @property
    def port(self) -> int:
        assert self._runner is not None, "the web server is not running"
        return int(self._runner.addresses[0][1])

    @property
    def url(self) -> str:
        assert self._runner is not None, "the web server is not running"
        host = self._runner.addresses[0][0]
        return f"http://{host}:{self.port}"

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
