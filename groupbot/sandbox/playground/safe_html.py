"""A message as the page shows it: Telegram's text + entities → HTML that is safe to insert.

This is the playground's only HTML sanitizer. It never passes markup through: every character
of the text is escaped, and the only tags it writes are Telegram's own (b, i, u, s, code, pre,
a, tg-spoiler, blockquote), each from an entity. The only attributes are ``href`` (checked:
http, https, tg and mailto URLs only, so no ``javascript:`` or ``data:``), ``class`` from a
fixed list, and a ``pre`` language that must be a plain word. Entities come from the bot's
``parse_mode=HTML`` (parsed by the sandbox like Telegram does) or from an explicit
``entities`` parameter, which a bot can fill with anything, hence the checks here.
"""

from __future__ import annotations

import html
import re
from typing import Any

Entity = dict[str, Any]

_TAGS = {
    "bold": "b",
    "italic": "i",
    "underline": "u",
    "strikethrough": "s",
    "code": "code",
    "pre": "pre",
    "spoiler": "tg-spoiler",
    "blockquote": "blockquote",
    "expandable_blockquote": "blockquote",
    "text_link": "a",
    "url": "a",
    "email": "a",
    "text_mention": "a",
    "mention": "a",
    "bot_command": "a",
}
_SAFE_URL = re.compile(r"(?:https?://|tg://|mailto:)[^\s\"'<>`\\\x00-\x1f\x7f]+$", re.IGNORECASE)
_LANGUAGE = re.compile(r"[A-Za-z0-9_+#.-]{1,32}$")
_USERNAME = re.compile(r"@?([A-Za-z0-9_]{3,32})$")


def safe_url(url: Any) -> str | None:
    """The URL if a click on it cannot run code (http, https, tg, mailto), else None."""
    if not isinstance(url, str) or not _SAFE_URL.match(url.strip()):
        return None
    return url.strip()


def _attr(value: str) -> str:
    return html.escape(value, quote=True)


def _open_tag(entity: Entity, covered: str) -> str | None:
    """The start tag for an entity, or None when it has nothing safe to show."""
    kind = entity.get("type")
    tag = _TAGS.get(kind or "")
    if tag is None:
        return None
    if kind == "pre":
        language = entity.get("language")
        if isinstance(language, str) and _LANGUAGE.match(language):
            return f'<pre data-language="{_attr(language)}">'
        return "<pre>"
    if kind == "expandable_blockquote":
        return '<blockquote class="expandable">'
    if kind in ("text_link", "url", "email"):
        if kind == "text_link":
            target = entity.get("url")
        elif kind == "url":
            target = covered if "://" in covered else f"http://{covered}"
        else:
            target = f"mailto:{covered}"
        url = safe_url(target)
        return f'<a href="{_attr(url)}">' if url else None
    if kind == "text_mention":
        user = entity.get("user") or {}
        user_id = user.get("id") if isinstance(user, dict) else None
        if not isinstance(user_id, int):
            return None
        return f'<a class="mention" href="tg://user?id={user_id}">'
    if kind == "mention":
        name = _USERNAME.match(covered)
        if not name:
            return None
        return f'<a class="mention" href="tg://resolve?domain={name.group(1)}">'
    if kind == "bot_command":
        return '<a class="command">'
    return f"<{tag}>"


def render(text: str | None, entities: list[Entity] | None) -> str:
    """Plain text + entities (offsets in UTF-16 code units) → safe HTML.

    Overlapping entities that don't nest are closed and reopened around each other, so the
    output is always well-formed."""
    text = text or ""
    units = _utf16_starts(text)
    spans: list[tuple[int, int, int, Entity]] = []  # (start, end, order, entity) in str indexes
    for order, entity in enumerate(entities or []):
        try:
            start16, length16 = int(entity["offset"]), int(entity["length"])
        except (KeyError, TypeError, ValueError):
            continue
        start, end = units.get(start16), units.get(start16 + length16)
        if start is None or end is None or end <= start:
            continue
        tag = _open_tag(entity, text[start:end])
        if tag is not None:
            spans.append((start, end, order, {**entity, "_open": tag}))
    cuts = sorted({0, len(text), *(s for s, _, _, _ in spans), *(e for _, e, _, _ in spans)})
    out: list[str] = []
    stack: list[tuple[int, int, int, Entity]] = []
    for here, following in zip(cuts, [*cuts[1:], None], strict=True):
        _close_ending(stack, here, out)
        starting = sorted((s for s in spans if s[0] == here), key=lambda s: (-s[1], s[2]))
        for span in starting:
            stack.append(span)
            out.append(span[3]["_open"])
        if following is not None:
            out.append(html.escape(text[here:following], quote=False))
    _close_ending(stack, len(text) + 1, out)
    return "".join(out)


def _close_ending(stack: list[tuple[int, int, int, Entity]], here: int, out: list[str]) -> None:
    """Close every open span that ends at ``here`` (or before), reopening inner spans that go on."""
    while any(span[1] <= here for span in stack):
        reopen: list[tuple[int, int, int, Entity]] = []
        while stack:
            span = stack.pop()
            out.append(_close_tag(span[3]))
            if span[1] <= here:
                break
            reopen.append(span)
        for span in reversed(reopen):
            stack.append(span)
            out.append(span[3]["_open"])


def _close_tag(entity: Entity) -> str:
    return f"</{_TAGS[entity['type']]}>"


def _utf16_starts(text: str) -> dict[int, int]:
    """UTF-16 offset → index into the str, for every character boundary."""
    out: dict[int, int] = {}
    pos = 0
    for index, ch in enumerate(text):
        out[pos] = index
        pos += 2 if ord(ch) > 0xFFFF else 1
    out[pos] = len(text)
    return out
