"""The HTTP transport under the bot's Bot API requests.

It does two things on top of httpx's own:

- A send that set :data:`groupbot.notify.request_written` hears the moment its request has
  been written in full, before Telegram answers, and again if the answer is a refusal. From
  that moment a SIGKILL no longer stops the message (Telegram stores it without the bot
  reading the answer), so an outbox notice (groupbot/outbox_dispatch.py) and a post better
  lost than doubled (the cards and the evidence sheet, groupbot.posts) mark themselves "not
  again" there. For an upload that is most of the round
  trip: Telegram (and the sandbox) resizes the photo before it answers.
- A send whose record starts with a line in the sent journal
  (:data:`groupbot.sent_journal.answer_read`, SQLite) has that line written the moment the
  answer's body has been read, before PTB parses it and hands it back.
"""

from __future__ import annotations

import json
import logging
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx

from groupbot import notify, sent_journal

log = logging.getLogger(__name__)

WRITTEN = "send_request_body.complete"  # httpcore's trace event, "http11." / "http2." before


class WireTransport(httpx.AsyncHTTPTransport):
    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        hook, read = notify.request_written.get(), sent_journal.answer_read.get()
        if hook is not None:
            async def trace(event: str, info: object) -> None:
                if event.endswith(WRITTEN):
                    await _tell(hook, True)

            request.extensions = {**request.extensions, "trace": trace}
        response = await super().handle_async_request(request)
        if response.status_code != 200:  # refused: Telegram stored nothing
            if hook is not None:
                await _tell(hook, False)
        elif read is not None:
            response.stream = _Heard(response, read)
        return response


class _Heard(httpx.AsyncByteStream):
    """The answer's body as httpx reads it; once it is whole, its message id goes to ``read``
    (the sent journal) before PTB sees the answer."""

    def __init__(self, response: httpx.Response, read: Callable[[int], None]) -> None:
        self.inner, self.read = response.stream, read
        self.encoding = response.headers.get("content-encoding", "").lower()
        self.body = bytearray()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        assert isinstance(self.inner, httpx.AsyncByteStream)
        async for chunk in self.inner:
            self.body += chunk
            yield chunk
        try:
            message_id = message_id_in(bytes(self.body), self.encoding)
            if message_id is not None:
                self.read(message_id)
        except Exception:  # noqa: BLE001 - the record after PTB's parsing writes it anyway
            log.warning("answer read: not written early", exc_info=True)

    async def aclose(self) -> None:
        assert isinstance(self.inner, httpx.AsyncByteStream)
        await self.inner.aclose()


def message_id_in(body: bytes, encoding: str = "") -> int | None:
    """The message id of a Bot API answer ``{"ok": true, "result": {"message_id": N, …}}``;
    None for any other answer, or an encoding this does not read (PTB then records it)."""
    if encoding in ("gzip", "deflate"):
        body = zlib.decompress(body, 16 + zlib.MAX_WBITS if encoding == "gzip" else zlib.MAX_WBITS)
    elif encoding not in ("", "identity"):
        return None
    answer = json.loads(body)
    result = answer.get("result") if isinstance(answer, dict) and answer.get("ok") else None
    message_id = result.get("message_id") if isinstance(result, dict) else None
    return message_id if isinstance(message_id, int) else None


async def _tell(hook: Callable[[bool], Awaitable[None]], written: bool) -> None:
    try:
        await hook(written)
    except Exception:  # noqa: BLE001 - the send goes on; at worst it comes once more
        log.warning("request written (%s): its mark failed", written, exc_info=True)


def transport(connections: int) -> WireTransport:
    """PTB's own settings for the transport it would have built (HTTP/1.1, a pool of
    ``connections``): a transport given to httpx replaces those, it does not take them."""
    return WireTransport(limits=httpx.Limits(max_connections=connections))
