"""A person at the playground page, in the tests' dialogue style: act as someone, open a
chat, write, tap, send a file, and expect the bot's exact words (from the catalog)."""

from __future__ import annotations

import html
import re
import string
from pathlib import Path
from typing import Any

from playwright.async_api import Page, expect

import messages
from groupbot.sandbox.playground import Playground

TIMEOUT = 20_000  # ms; the bot answers in well under a second, evidence checks take longer
_TAG = re.compile(r"<[^>]+>")


def catalog_text(key: str, locale: str = "en", **values: Any) -> str:
    """The message as a reader sees it (tags gone, entities decoded)."""
    return html.unescape(_TAG.sub("", messages.t(locale, key, **values)))


def catalog_pattern(key: str, locale: str = "en", **values: Any) -> re.Pattern[str]:
    """The whole message, exactly; placeholders not given (times, amounts) match anything."""
    parts = []
    for literal, field, _spec, _conv in string.Formatter().parse(messages.catalog(locale)[key]):
        parts.append(re.escape(html.unescape(_TAG.sub("", literal))))
        if field is not None:
            parts.append(re.escape(str(values[field])) if field in values else ".+?")
    return re.compile("^" + "".join(parts) + "$", re.S)


class Visitor:
    def __init__(self, page: Page, playground: Playground) -> None:
        self.page = page
        self.pg = playground

    def person(self, name: str) -> int:
        for user in self.pg.sb.state.users.values():
            if user.first_name == name and not user.is_bot:
                return user.id
        raise AssertionError(f"nobody called {name!r}")

    async def act_as(self, name: str) -> None:
        await self.page.select_option("#actor", value=str(self.person(name)))

    async def open(self, title: str) -> None:
        await self.page.locator(".chat-entry", has=self.page.locator(
            ".entry-title", has_text=re.compile("^" + re.escape(title) + "$"))).click()
        await expect(self.page.locator("#chat-title")).to_have_text(title)

    async def open_private(self, name: str) -> None:
        await self.open(catalog_text("playground.private_title", name=name))

    async def say(self, text: str) -> None:
        await self.page.fill("#text", text)
        await self.page.press("#text", "Enter")
        await expect(self.page.locator(".row.mine .text").last).to_have_text(text)

    async def tap(self, label: str) -> None:
        """Tap the newest button with exactly this label."""
        button = self.page.locator(".keys button", has_text=re.compile(
            "^" + re.escape(label) + "$")).last
        await button.click()

    async def send_file(self, path: Path, caption: str = "") -> None:
        await self.page.set_input_files("#file", str(path))
        await self.page.fill("#text", caption)
        await self.page.click("#send")
        await expect(self.page.locator(".row.mine img").last).to_be_visible()

    def bot_text(self, pattern: str | re.Pattern[str]) -> Any:
        """The bot's messages in the open chat whose whole text is ``pattern``."""
        if isinstance(pattern, str):
            pattern = re.compile("^" + re.escape(pattern) + "$", re.S)
        return self.page.locator(".row.bot .text").filter(has_text=pattern)

    async def sees(self, pattern: str | re.Pattern[str], count: int = 1) -> None:
        try:
            await expect(self.bot_text(pattern)).to_have_count(count, timeout=TIMEOUT)
        except AssertionError as failed:
            shown = await self.page.locator(".row.bot .text").all_text_contents()
            raise AssertionError(f"{failed}\nthe bot's messages on the page: {shown!r}") from None
