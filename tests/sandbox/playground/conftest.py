"""The playground as `groupbot sandbox` serves it, and a real Chromium to look at it.

Browser tests drive Debian's Chromium through Playwright (``executable_path``: browser
downloads are not available). Without Chromium they skip with one notice, except in CI
(``CI=true``), where they must run.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
from collections.abc import AsyncIterator

import pytest

from groupbot.demo.manual import serve
from groupbot.sandbox.playground import Playground
from groupbot.settings import Settings

CHROMIUM = os.environ.get("GROUPBOT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
NOTICE = "browser tests skipped: no Chromium (bash scripts/setup.sh --test installs it as root)"


def chromium() -> str:
    """Chromium's path; else skip the calling test module with one notice (fail in CI)."""
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing = "the playwright package"
    else:
        if os.access(CHROMIUM, os.X_OK):
            return CHROMIUM
        missing = f"Chromium at {CHROMIUM}"
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true: the browser tests must run, but {missing} is missing")
    pytest.skip(NOTICE, allow_module_level=True)


@pytest.fixture
async def playground() -> AsyncIterator[Playground]:
    """`groupbot sandbox` itself (the demo's cast, the bot, the clock), on a free port."""
    ready: asyncio.Future[Playground] = asyncio.get_running_loop().create_future()
    server = asyncio.create_task(serve(Settings(), port=0, locale="en", ready=ready))
    done, _ = await asyncio.wait([ready, server], timeout=60,
                                 return_when=asyncio.FIRST_COMPLETED)
    if server in done:
        server.result()  # raises what went wrong at start
    pg = ready.result()
    try:
        yield pg
        assert pg.sb.internal_errors == []
    finally:
        server.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await server


@pytest.fixture
async def browser():
    path = chromium()
    from playwright.async_api import async_playwright, expect

    expect.set_options(timeout=15_000)  # a shared CI machine can be slow; the bot is not

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=path)
        try:
            yield browser
        finally:
            await browser.close()


@pytest.fixture
async def page(browser, playground):
    """A desktop-sized page on the playground; page errors fail the test."""
    context = await browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-GB")
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda dialog: errors.append(f"dialog: {dialog.message}"))
    await page.goto(f"{playground.sb.url}/")
    await page.wait_for_selector(".chat-entry")
    yield page
    await context.close()
    assert errors == []
