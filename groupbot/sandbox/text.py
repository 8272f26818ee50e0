"""Message text as Telegram stores it: plain text + entities, offsets in UTF-16 code units.

``parse_html`` follows tdlib's parser (the one behind the Bot API) closely enough to fail where
Telegram fails: unknown tags, unclosed or mismatched tags and stray ``<`` are errors with byte
offsets; only ``&lt; &gt; &amp; &quot;`` and numeric character references are decoded, any other
``&`` stays literal. ``auto_entities`` adds what Telegram detects by itself in every message,
including the bot's own: mentions, bot commands, hashtags and URLs. ``finish`` trims the ends
and enforces the length limits.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .errors import bad_request

Entity = dict[str, Any]

MAX_TEXT = 4096
MAX_CAPTION = 1024

_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}
_SUPPORTED = set(_SIMPLE_TAGS) | {"a", "span", "tg-emoji"}
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_CHAR_REF = re.compile(r"&(?:(lt|gt|amp|quot)|#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6}));")
_TAG_NAME = re.compile(r"[A-Za-z0-9-]*")
_ATTR = re.compile(r"\s*([A-Za-z0-9_-]*)")
_TG_USER = re.compile(r"tg://user\?id=(\d+)$")

_AUTO = re.compile(
    r"(?P<bot_command>(?<![\w/])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/@]))"
    r"|(?P<mention>(?<![A-Za-z0-9_@])@[A-Za-z0-9_]{3,32}(?![A-Za-z0-9_@]))"
    r"|(?P<hashtag>(?<![\w#])#\w*[^\W\d]\w*)"
    r"|(?P<url>\bhttps?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+)"
)
# auto-detection does not happen inside these (tdlib skips "pre-like" and link entities)
_OPAQUE = {"code", "pre", "text_link", "text_mention", "url", "email", "mention"}


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class Utf16Index:
    """Maps Python character indexes to UTF-16 offsets (astral chars like emoji count 2)."""

    def __init__(self, text: str) -> None:
        self._astral = [i for i, ch in enumerate(text) if ord(ch) > 0xFFFF]

    def __call__(self, index: int) -> int:
        if not self._astral:
            return index
        return index + sum(1 for pos in self._astral if pos < index)


class _Html:
    def __init__(self, source: str, resolve_user: Callable[[int], dict[str, Any] | None]) -> None:
        self.src = source
        self.resolve_user = resolve_user
        self.out: list[str] = []
        self.pos16 = 0  # UTF-16 length of the output so far
        self.stack: list[tuple[str, Entity | None, dict[str, str]]] = []
        self.entities: list[Entity] = []

    def fail(self, message: str) -> Exception:
        return bad_request(f"can't parse entities: {message}")

    def byte_offset(self, index: int) -> int:
        return len(self.src[:index].encode("utf-8"))

    def emit(self, text: str) -> None:
        self.out.append(text)
        self.pos16 += utf16_len(text)

    def run(self) -> tuple[str, list[Entity]]:
        src, i, n = self.src, 0, len(self.src)
        while i < n:
            ch = src[i]
            if ch == "&":
                m = _CHAR_REF.match(src, i)
                if m:
                    self.emit(_decode_ref(m))
                    i = m.end()
                    continue
            if ch != "<":
                j = i + 1
                while j < n and src[j] not in "<&":
                    j += 1
                self.emit(src[i:j])
                i = j
                continue
            i = self.end_tag(i) if src.startswith("</", i) else self.start_tag(i)
        if self.stack:
            raise self.fail(f'Can\'t find end tag corresponding to start tag "{self.stack[-1][0]}"')
        return "".join(self.out), self.entities

    def start_tag(self, begin: int) -> int:
        src = self.src
        name_match = _TAG_NAME.match(src, begin + 1)
        assert name_match is not None
        name = name_match.group().lower()
        if name not in _SUPPORTED:
            raise self.fail(
                f'Unsupported start tag "{name}" at byte offset {self.byte_offset(begin)}'
            )
        i, attrs = name_match.end(), {}
        while True:
            attr = _ATTR.match(src, i)
            assert attr is not None
            i = attr.end()
            if i >= len(src):
                raise self.fail(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
            key = attr.group(1).lower()
            if not key and src[i] != ">":
                raise self.fail(
                    f'Empty attribute name in the tag "{name}" at byte offset '
                    f"{self.byte_offset(begin)}"
                )
            if src[i] != "=":
                if key:
                    attrs[key] = ""  # a bare attribute such as <blockquote expandable>
                if src[i] == ">":
                    break
                continue
            i += 1
            if i < len(src) and src[i] in "\"'":
                end = src.find(src[i], i + 1)
                if end < 0:
                    raise self.fail(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
                value, i = src[i + 1 : end], end + 1
            else:
                m = re.compile(r"[^\s>]*").match(src, i)
                assert m is not None
                value, i = m.group(), m.end()
            attrs[key] = _CHAR_REF.sub(lambda m: _decode_ref(m), value)
        self.stack.append((name, self.open_entity(name, attrs), attrs))
        return i + 1

    def open_entity(self, name: str, attrs: dict[str, str]) -> Entity | None:
        entity: Entity = {"offset": self.pos16}
        if name == "a":
            href = attrs.get("href", "")
            user = _TG_USER.match(href)
            if user:
                resolved = self.resolve_user(int(user.group(1)))
                if resolved is None:
                    return None
                entity.update(type="text_mention", user=resolved)
            elif re.match(r"(https?|tg|ftp|mailto)://|mailto:", href):
                entity.update(type="text_link", url=href)
            else:
                return None  # Telegram silently drops links it can't use
        elif name == "span":
            if attrs.get("class") != "tg-spoiler":
                raise self.fail('Tag "span" must have class "tg-spoiler"')
            entity["type"] = "spoiler"
        elif name == "tg-emoji":
            if not attrs.get("emoji-id", "").isdigit():
                raise self.fail('Tag "tg-emoji" must have attribute "emoji-id"')
            entity.update(type="custom_emoji", custom_emoji_id=attrs["emoji-id"])
        elif name == "blockquote" and "expandable" in attrs:
            entity["type"] = "expandable_blockquote"
        else:
            entity["type"] = _SIMPLE_TAGS[name]
        return entity

    def end_tag(self, begin: int) -> int:
        src = self.src
        end = src.find(">", begin)
        if end < 0:
            raise self.fail(f"Unclosed end tag at byte offset {self.byte_offset(begin)}")
        name = src[begin + 2 : end].strip().lower()
        if not self.stack:
            raise self.fail(f"Unexpected end tag at byte offset {self.byte_offset(begin)}")
        open_name, entity, attrs = self.stack.pop()
        if name != open_name:
            raise self.fail(
                f"Unmatched end tag at byte offset {self.byte_offset(begin)}, expected "
                f'"</{open_name}>", found "</{name}>"'
            )
        if entity is not None:
            entity["length"] = self.pos16 - entity["offset"]
            if entity["length"] > 0:
                self.add(entity, attrs)
        return end + 1

    def add(self, entity: Entity, attrs: dict[str, str]) -> None:
        # <pre><code class="language-x">…</code></pre> is one pre entity with a language
        if entity["type"] == "code" and self.stack and self.stack[-1][0] == "pre":
            language = attrs.get("class", "")
            pre = self.stack[-1][1]
            if language.startswith("language-") and pre is not None:
                pre["language"] = language.removeprefix("language-")
                return
        self.entities.append(entity)


def _decode_ref(m: re.Match[str]) -> str:
    if m.group(1):
        return _NAMED[m.group(1)]
    code = int(m.group(2)) if m.group(2) else int(m.group(3), 16)
    return chr(code) if 0 < code < 0x110000 else "\ufffd"


def parse_html(
    source: str, resolve_user: Callable[[int], dict[str, Any] | None]
) -> tuple[str, list[Entity]]:
    """HTML → (plain text, entities) or ApiError "can't parse entities: …"."""
    return _Html(source, resolve_user).run()


def auto_entities(text: str, explicit: list[Entity]) -> list[Entity]:
    """Entities Telegram detects by itself, skipping areas covered by code/links."""
    index = Utf16Index(text)
    blocked = [(e["offset"], e["offset"] + e["length"]) for e in explicit if e["type"] in _OPAQUE]
    found: list[Entity] = []
    for m in _AUTO.finditer(text):
        kind = m.lastgroup
        assert kind is not None
        start, end = m.span()
        if kind == "url":
            end = start + len(m.group().rstrip(".,;:!?'\")]"))
        offset, stop = index(start), index(end)
        if any(a < stop and offset < b for a, b in blocked):
            continue
        found.append({"type": kind, "offset": offset, "length": stop - offset})
    return found


def finish(
    text: str, entities: list[Entity], *, limit: int, empty_error: str | None, too_long: str
) -> tuple[str, list[Entity]]:
    """Trim the ends like Telegram, add auto-detected entities, check the length."""
    stripped = text.strip(" \t\r\n")
    if not stripped:
        if empty_error:
            raise bad_request(empty_error)
        return "", []
    if stripped != text:
        cut = utf16_len(text[: len(text) - len(text.lstrip(" \t\r\n"))])
        size = utf16_len(stripped)
        trimmed = []
        for e in entities:
            start = max(e["offset"] - cut, 0)
            end = min(e["offset"] + e["length"] - cut, size)
            if end > start:
                trimmed.append({**e, "offset": start, "length": end - start})
        text, entities = stripped, trimmed
    if utf16_len(text) > limit:
        raise bad_request(too_long)
    entities = entities + auto_entities(text, entities)
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return text, entities


def check_entities(raw: Any, text: str) -> list[Entity]:
    """Validate an explicit ``entities`` / ``caption_entities`` parameter."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise bad_request("can't parse entities JSON object")
    size = utf16_len(text)
    out = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("type"), str):
            raise bad_request('can\'t parse MessageEntity: field "type" must be of type String')
        offset, length = item.get("offset"), item.get("length")
        if not isinstance(offset, int) or not isinstance(length, int):
            raise bad_request("can't parse MessageEntity: offset and length must be Integer")
        if length > 0 and 0 <= offset < size:
            out.append({**item, "length": min(length, size - offset)})
    return out
