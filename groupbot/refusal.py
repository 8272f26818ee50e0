"""The one way a service says "no": a code and its parameters, never text.

Handlers render a refusal at the edge from the message catalogs (``messages/``), in the
recipient's language; services, policy checks and permission checks all return this type.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True)
class Refusal:
    """Why something was refused: ``code`` is a catalog key suffix, ``params`` fill it in."""

    code: str
    params: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    ok = False  # so callers can treat a Refusal and a successful result alike: ``if not r.ok``

    @classmethod
    def of(cls, code: str, **params: Any) -> Refusal:
        return cls(code, MappingProxyType(dict(params)))
