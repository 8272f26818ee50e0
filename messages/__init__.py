"""Message catalogs: every user-facing text, one folder of TOML files per locale.

Each feature keeps its texts in its own file (``messages/<locale>/<feature>.toml``) under its
own top-level table, so the keys read ``claims.summary`` and two features never collide.

``t(locale, key, **values)`` renders a template with ``str.format`` after HTML-escaping every
value, so a member called ``<b>Bob</b>`` shows up literally. A value that is already safe HTML
(a mention link built by :func:`mention`, a fragment rendered from the catalog itself) is
wrapped in :class:`Html` and passed through unchanged.
"""

from __future__ import annotations

import html
import string
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

DEFAULT_LOCALE = "zh-Hans"
LOCALES = ("zh-Hans", "en")
_DIR = Path(__file__).resolve().parent


class Html(str):
    """A string that is already valid, escaped Telegram HTML."""


class MissingMessage(KeyError):
    pass


def _flatten(prefix: str, table: dict[str, Any], out: dict[str, str]) -> None:
    for key, value in table.items():
        name = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            _flatten(name, value, out)
        else:
            out[name] = str(value)


@cache
def catalog(locale: str) -> dict[str, str]:
    """All templates of one locale, keyed by dotted name (``start.member``)."""
    out: dict[str, str] = {}
    for path in sorted((_DIR / locale).glob("*.toml")):
        with path.open("rb") as fh:
            part: dict[str, str] = {}
            _flatten("", tomllib.load(fh), part)
        clash = sorted(set(part) & set(out))
        if clash:
            raise ValueError(f"{path}: key {clash[0]!r} is already defined in another file")
        out.update(part)
    return out


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _escape(value: Any) -> str:
    if isinstance(value, Html):
        return str(value)
    return html.escape(str(value), quote=False)


def t(locale: str, key: str, /, **values: Any) -> Html:
    """Render ``key`` in ``locale`` (falling back to the default locale) with escaped values."""
    templates = catalog(locale if locale in LOCALES else DEFAULT_LOCALE)
    template = templates.get(key)
    if template is None:
        template = catalog(DEFAULT_LOCALE).get(key)
    if template is None:
        raise MissingMessage(key)
    return Html(template.format(**{k: _escape(v) for k, v in values.items()}))


def has(locale: str, key: str) -> bool:
    return key in catalog(locale if locale in LOCALES else DEFAULT_LOCALE)


def mention(user_id: int, name: str) -> Html:
    """A text mention: works for members without a @username."""
    return Html(f'<a href="tg://user?id={int(user_id)}">{html.escape(name, quote=False)}</a>')


def pick_locale(
    language_code: str | None, group_locale: str | None = None, default: str = DEFAULT_LOCALE
) -> str:
    """The group's setting wins; then the member's Telegram language; then the default."""
    if group_locale in LOCALES:
        return group_locale  # type: ignore[return-value]
    code = (language_code or "").lower()
    if code.startswith("zh"):
        return "zh-Hans"
    if code.startswith("en"):
        return "en"
    return default


def escape(value: Any) -> Html:
    return Html(_escape(value))
