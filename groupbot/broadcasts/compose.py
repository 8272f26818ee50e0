"""What a broadcast says: the organizer's own message (HTML kept from its entities), or a
ready-made notice from the catalog with its blanks filled, within Telegram's length limits."""

from __future__ import annotations

import html
from html.parser import HTMLParser

import messages
from groupbot.refusal import Refused

MAX_TEXT = 4096  # Telegram: a message's text, after the entities are parsed out
MAX_CAPTION = 1024  # Telegram: a photo's caption

# The ready-made notices and the blanks the organizer is asked for, in this order. Each has
# broadcasts.notice.<name>.title / .text / .ask_<blank> in every catalog.
NOTICES: dict[str, tuple[str, ...]] = {
    "pickup": ("product", "place", "time"),
    "new_deal": ("product", "price", "closes"),
    "delay": ("product", "reason", "eta"),
    "holiday": ("dates", "reopen"),
}
MAX_BLANK = MAX_TEXT  # one answer; the whole notice is checked against the limit too


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(fragment: str) -> str:
    """What a reader sees of Telegram HTML: tags dropped, entities decoded."""
    parser = _Text()
    parser.feed(fragment)
    parser.close()
    return "".join(parser.parts)


def length(fragment: str | None) -> int:
    """Telegram counts characters in UTF-16 code units (an emoji is two)."""
    return len(plain_text(fragment or "").strip().encode("utf-16-le")) // 2


def check(text_html: str | None, photo: str | None) -> int:
    """The message's length if Telegram will take it; else Refused saying the limit."""
    size = length(text_html)
    if photo is None and size == 0:
        raise Refused("empty")
    if photo is not None and size > MAX_CAPTION:
        raise Refused("too_long_caption", limit=MAX_CAPTION, length=size)
    if size > MAX_TEXT:
        raise Refused("too_long_text", limit=MAX_TEXT, length=size)
    return size


def next_blank(name: str, values: dict[str, str]) -> str | None:
    return next((b for b in NOTICES[name] if b not in values), None)


def fill_blank(name: str, values: dict[str, str], answer: str) -> dict[str, str]:
    """Record the answer to the next blank (plain text: the catalog escapes it)."""
    answer = answer.strip()
    blank = next_blank(name, values)
    if blank is None:
        raise Refused("stale")
    if not answer:
        raise Refused("blank_empty")
    if len(answer) > MAX_BLANK:
        raise Refused("blank_too_long", limit=MAX_BLANK, length=len(answer))
    return {**values, blank: answer}


def notice_html(locale: str, name: str, values: dict[str, str]) -> str:
    return str(messages.t(locale, f"broadcasts.notice.{name}.text", **values))


def snippet(text_html: str | None, limit: int = 40) -> str:
    """The start of the message as plain text, for lists."""
    text = " ".join(plain_text(text_html or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def escape(text: str) -> str:
    return html.escape(text, quote=False)
