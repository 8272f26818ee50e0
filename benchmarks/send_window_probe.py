"""``groupbot run`` with a stopwatch on every send that must happen once (benchmarks/crash.py
``--windows``).

A SIGKILL from the moment a send's request starts to the moment its journal line is written
sends that message again after the restart (the Bot API has no idempotent send). This wrapper
writes, for each such send, when its HTTP request started, when PTB's request returned and
when its journal line was first written (``time.time()``: by the transport as it read the
answer, or by the record after PTB; its "not again" mark when that came first: a notice's,
and a post's better lost than doubled), one line per send to the file
``GROUPBOT_WINDOW_LOG`` names, and the moment the Application said it started. crash.py adds
its kill times and reads from it what share of the bot's life a kill would have cut a send.
Nothing here changes what the bot does.
"""

from __future__ import annotations

import contextvars
import logging
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

_started: contextvars.ContextVar[tuple[float, float, str] | None] = contextvars.ContextVar(
    "request_times", default=None)
# httpcore's trace events of the request last made in this task (name → time.time()).
_in_request: contextvars.ContextVar[bool] = contextvars.ContextVar("in_request", default=False)
_marked: contextvars.ContextVar[float | None] = contextvars.ContextVar("marked", default=None)
_wire: contextvars.ContextVar[dict[str, float] | None] = contextvars.ContextVar(
    "wire_times", default=None)


def _install(path: str) -> None:
    import httpx
    from telegram.request import HTTPXRequest

    from groupbot import sent_journal, sent_records

    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def line(*fields: object) -> None:
        os.write(fd, (" ".join(str(f) for f in fields) + "\n").encode())

    do_request = HTTPXRequest.do_request

    async def timed_request(self, url, method, *args, **kwargs):  # type: ignore[no-untyped-def]
        t0 = time.time()
        inside = _in_request.set(True)
        try:
            return await do_request(self, url, method, *args, **kwargs)
        finally:
            _in_request.reset(inside)
            if not url.endswith("/getUpdates"):
                _started.set((t0, time.time(), url.rsplit("/", 1)[-1]))

    transport_send = httpx.AsyncHTTPTransport.handle_async_request

    async def traced(self, request):  # type: ignore[no-untyped-def]
        times: dict[str, float] = {}
        theirs = request.extensions.get("trace")  # handlers/wire.py's, when a send asked

        async def trace(event: str, info: object) -> None:
            times[event] = time.time()
            if theirs is not None:
                await theirs(event, info)

        request.extensions = {**request.extensions, "trace": trace}
        _wire.set(times)
        return await transport_send(self, request)

    write = sent_journal.SentJournal.write
    early: dict[tuple[str, int], float] = {}

    def timed_write(self, recorder, row_id, message_id, at):  # type: ignore[no-untyped-def]
        write(self, recorder, row_id, message_id, at)
        # "Not again" (a sheet's mark, groupbot.posts; a notice's "left" line, groupbot.
        # outbox_dispatch): the window closes here.
        if recorder == "posts_written" or (
                message_id == sent_records.UNANSWERED and _in_request.get()):
            _marked.set(time.time())
            return
        if _in_request.get():  # the transport's line as it read the answer (handlers/wire.py)
            early[(recorder, row_id)] = time.time()
            return
        times, wire = _started.get(), _wire.get() or {}
        if times is not None:
            sent = wire.get("http11.send_request_body.complete", times[0])
            back = wire.get("http11.receive_response_headers.complete", times[1])
            marked, end = _marked.get(), early.pop((recorder, row_id), time.time())
            if marked is not None:
                _marked.set(None)
                end = min(end, marked)
            line("send", f"{recorder}:{times[2]}", f"{times[0]:.6f}", f"{times[1]:.6f}",
                 f"{end:.6f}", f"{sent:.6f}", f"{back:.6f}")
        else:
            line("send?", recorder, f"{time.time():.6f}")

    HTTPXRequest.do_request = timed_request  # type: ignore[method-assign]
    httpx.AsyncHTTPTransport.handle_async_request = traced  # type: ignore[method-assign]
    sent_journal.SentJournal.write = timed_write  # type: ignore[method-assign]

    class Ready(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "Application started" in record.getMessage():
                line("ready", f"{time.time():.6f}")

    logging.getLogger("telegram.ext").addHandler(Ready())


if __name__ == "__main__":
    _install(os.environ["GROUPBOT_WINDOW_LOG"])
    from groupbot.cli import main

    sys.exit(main(sys.argv[1:]))
