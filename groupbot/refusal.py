"""The one way a service says "no": a code and its parameters, never text.

Handlers render a refusal at the edge from the message catalogs (``messages/``), in the
recipient's language; services, policy checks and permission checks all return this type.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True)
class Refusal:
    """Why something was refused: ``code`` is a catalog key suffix, ``params`` fill it in."""

    code: str
    params: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    ok = False  # so callers can treat a Refusal and a successful result alike: ``if not r.ok``
    conditions: tuple[str, ...] = ()  # only an Allowed carries conditions

    @classmethod
    def of(cls, code: str, **params: Any) -> Refusal:
        return cls(code, MappingProxyType(dict(params)))

    def __bool__(self) -> bool:
        return False


@dataclass(frozen=True)
class Allowed:
    """A check or an action that went through: ``params`` say what came of it (for the reply),
    ``conditions`` what still applies (e.g. return shipping at the buyer's cost)."""

    params: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    conditions: tuple[str, ...] = ()

    ok = True
    code = "ok"

    @classmethod
    def of(cls, conditions: Iterable[str] = (), **params: Any) -> Allowed:
        return cls(MappingProxyType(dict(params)), tuple(conditions))

    def __bool__(self) -> bool:
        return True


# What a check or an action answers: it went through, or why not.
Result = Allowed | Refusal


class Refused(Exception):  # noqa: N818 — it reads as what happened: ``raise Refused("deal_closed")``
    """A service that cannot go on part-way raises its Refusal; the unit of work rolls back.

    The one exception for "no" (orders, deals, shipping, broadcast composing): the handler that
    catches it chooses the catalog section the code is rendered from.
    """

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.refusal = Refusal.of(code, **params)

    @property
    def code(self) -> str:
        return self.refusal.code

    @property
    def params(self) -> Mapping[str, Any]:
        return self.refusal.params
