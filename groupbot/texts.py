"""What to say, as a catalog key and its parameters, rendered only at the edge.

Services and outbox rows hold a :class:`Text` (never rendered text), so a message queued now is
drawn later in the language of whoever receives it. A parameter may itself be a ``Text`` (a
status name, a reason, a list of lines), drawn in that same language, or a :class:`Safe`
fragment (a mention link) that is valid HTML in every language.

JSON form (the outbox's ``message`` column): ``{"k": key, "p": {...}}``; lines are
``{"lines": [...], "sep": "\\n"}``; a safe fragment is ``{"html": "..."}``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import messages


@dataclass(frozen=True)
class Text:
    key: str
    params: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class Lines:
    """Several texts shown one per line (or joined by ``sep``)."""

    parts: Sequence[Any]
    sep: str = "\n"
    sep_key: str | None = None  # a separator that differs by language ("、" / ", ")


@dataclass(frozen=True)
class Safe:
    """HTML that is the same in every language (a mention, an organizer's own formatting)."""

    html: str


def text(key: str, /, **params: Any) -> Text:
    return Text(key, MappingProxyType(dict(params)))


def render(locale: str, value: Any) -> messages.Html:
    """Draw ``value`` (a Text, Lines, Safe or plain value) in ``locale``."""
    if isinstance(value, Text):
        return messages.t(locale, value.key, **{k: _param(locale, v)
                                                for k, v in value.params.items()})
    if isinstance(value, Lines):
        sep = messages.t(locale, value.sep_key) if value.sep_key else value.sep
        return messages.Html(sep.join(render(locale, p) for p in value.parts))
    if isinstance(value, Safe):
        return messages.Html(value.html)
    return messages.escape(value)


def _param(locale: str, value: Any) -> Any:
    if isinstance(value, Text | Lines | Safe):
        return render(locale, value)
    return value


def to_json(value: Any) -> Any:
    if isinstance(value, Text):
        return {"k": value.key, "p": {k: to_json(v) for k, v in value.params.items()}}
    if isinstance(value, Lines):
        return {"lines": [to_json(p) for p in value.parts], "sep": value.sep,
                "sep_key": value.sep_key}
    if isinstance(value, Safe):
        return {"html": value.html}
    return value


def from_json(value: Any) -> Any:
    if isinstance(value, dict):
        if "k" in value:
            return Text(value["k"], MappingProxyType(
                {k: from_json(v) for k, v in (value.get("p") or {}).items()}))
        if "lines" in value:
            return Lines([from_json(p) for p in value["lines"]], value.get("sep", "\n"),
                         value.get("sep_key"))
        if "html" in value:
            return Safe(value["html"])
    return value


# Buttons of a queued message: rows of (label, callback data or URL); a label is a Text.
ButtonSpec = Sequence[Sequence[tuple[Any, str]]]


def buttons_to_json(rows: ButtonSpec | None) -> list[list[list[Any]]] | None:
    if not rows:
        return None
    return [[[to_json(label), data] for label, data in row] for row in rows]


def render_buttons(locale: str, rows: list[Any] | None) -> list[list[tuple[str, str]]] | None:
    """Stored buttons drawn in ``locale`` (labels of old rows are already text)."""
    if not rows:
        return None
    return [[(str(render(locale, from_json(label))) if not isinstance(label, str) else label,
              data) for label, data in row] for row in rows]
