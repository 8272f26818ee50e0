"""The HTTP transport under the bot's Bot API requests.

It does one thing on top of httpx's own: a send that set :data:`groupbot.notify.request_written`
hears the moment its request has been written in full, before Telegram answers, and hears
again if the answer is a refusal. From then on
a SIGKILL no longer stops the message (Telegram stores it without the bot reading the answer),
so a post that may be lost rather than doubled (the evidence sheet, groupbot.posts) marks
itself "not again" there instead of after the answer. For an upload that is most of the
round trip: Telegram (and the sandbox) resizes the photo before it answers.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import httpx

from groupbot import notify

log = logging.getLogger(__name__)

WRITTEN = "send_request_body.complete"  # httpcore's trace event, "http11." / "http2." before


class WireTransport(httpx.AsyncHTTPTransport):
    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        hook = notify.request_written.get()
        if hook is None:
            return await super().handle_async_request(request)

        async def trace(event: str, info: object) -> None:
            if event.endswith(WRITTEN):
                await _tell(hook, True)

        request.extensions = {**request.extensions, "trace": trace}
        response = await super().handle_async_request(request)
        if response.status_code != 200:  # refused: Telegram stored nothing
            await _tell(hook, False)
        return response


async def _tell(hook: Callable[[bool], Awaitable[None]], written: bool) -> None:
    try:
        await hook(written)
    except Exception:  # noqa: BLE001 - the send goes on; at worst it comes once more
        log.warning("request written (%s): its mark failed", written, exc_info=True)


def transport(connections: int) -> WireTransport:
    """PTB's own settings for the transport it would have built (HTTP/1.1, a pool of
    ``connections``): a transport given to httpx replaces those, it does not take them."""
    return WireTransport(limits=httpx.Limits(max_connections=connections))
