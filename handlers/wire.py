"""The HTTP transport under the bot's Bot API requests.

It does one thing on top of httpx's own: a send that set :data:`groupbot.notify.request_written`
hears the moment its request has been written in full, before Telegram answers. From then on
a SIGKILL no longer stops the message (Telegram stores it without the bot reading the answer),
so a post that may be lost rather than doubled (the evidence sheet, groupbot.posts) marks
itself "not again" there instead of after the answer. For an upload that is most of the
round trip: Telegram (and the sandbox) resizes the photo before it answers.
"""

from __future__ import annotations

import logging

import httpx

from groupbot import notify

log = logging.getLogger(__name__)

WRITTEN = "send_request_body.complete"  # httpcore's trace event, "http11." / "http2." before


class WireTransport(httpx.AsyncHTTPTransport):
    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        hook = notify.request_written.get()
        if hook is not None:
            async def trace(event: str, info: object) -> None:
                if event.endswith(WRITTEN):
                    try:
                        await hook()
                    except Exception:  # noqa: BLE001 - the send goes on; it may come again
                        log.warning("request written: its mark failed", exc_info=True)

            request.extensions = {**request.extensions, "trace": trace}
        return await super().handle_async_request(request)


def transport(connections: int) -> WireTransport:
    """PTB's own settings for the transport it would have built (HTTP/1.1, a pool of
    ``connections``): a transport given to httpx replaces those, it does not take them."""
    return WireTransport(limits=httpx.Limits(max_connections=connections))
