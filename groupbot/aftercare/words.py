"""Complaint words in free text (投诉, 差评, 12315, 曝光, …): a list per locale in the catalog
(``aftercare.words``, separated by "|"). Every locale's list is checked: a member whose
Telegram is in English may still write 投诉."""

from __future__ import annotations

from functools import cache

import messages


@cache
def _words() -> tuple[str, ...]:
    found: list[str] = []
    for locale in messages.LOCALES:
        for word in messages.catalog(locale)["aftercare.words"].split("|"):
            if (w := word.strip().lower()) and w not in found:
                found.append(w)
    return tuple(found)


def complaint_word(text: str) -> str | None:
    """The first complaint word the text contains, if any."""
    lowered = text.lower()
    return next((w for w in _words() if w in lowered), None)
