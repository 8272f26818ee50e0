"""Reading Bot API parameters the way Telegram does.

PTB (through httpx) sends every call as ``application/x-www-form-urlencoded`` or, when a file
is uploaded, ``multipart/form-data``. Scalars arrive as strings (``"123"``, ``"true"``) and
nested values (reply_markup, entities, media, allowed_updates, ...) as JSON-encoded strings;
uploads are multipart parts named after the parameter or after an ``attach://name`` reference.
Other clients may send ``application/json`` bodies or a query string, so all are accepted.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .errors import bad_request


@dataclass(frozen=True)
class Upload:
    """One uploaded multipart file."""

    data: bytes
    filename: str | None
    content_type: str | None


async def read_params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)
    if request.method != "POST" or not request.can_read_body:
        return params
    ctype = request.content_type
    if ctype == "application/json":
        try:
            body = await request.json()
        except ValueError as exc:
            raise bad_request("can't parse JSON request body") from exc
        if isinstance(body, dict):
            params.update(body)
        return params
    form = await request.post()
    for key, value in form.items():
        if isinstance(value, web.FileField):
            params[key] = Upload(value.file.read(), value.filename, value.content_type)
        else:
            params[key] = value
    return params


class Params:
    """Typed access to the raw parameters of one call, with Telegram's error texts."""

    __slots__ = ("alive", "raw")

    def __init__(self, raw: dict[str, Any], alive: Callable[[], bool] = lambda: True) -> None:
        self.raw = raw
        self.alive = alive  # False once the client hung up (a cancelled long poll)

    def has(self, name: str) -> bool:
        return self.raw.get(name) not in (None, "")

    def text(self, name: str, default: str | None = None) -> str | None:
        value = self.raw.get(name)
        if value is None or isinstance(value, Upload):
            return default
        return value if isinstance(value, str) else str(value)

    def integer(self, name: str, default: int | None = None) -> int | None:
        value = self.raw.get(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except (TypeError, ValueError) as exc:
            raise bad_request(f"invalid {name} specified") from exc

    def number(self, name: str, default: float | None = None) -> float | None:
        value = self.raw.get(name)
        if value is None or value == "":
            return default
        try:
            return float(value)
        except (TypeError, ValueError) as exc:
            raise bad_request(f"invalid {name} specified") from exc

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.raw.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        return str(value).lower() in ("true", "1")

    def json(self, name: str) -> Any:
        """A nested value: JSON text from a form, or already decoded from a JSON body."""
        value = self.raw.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError as exc:
                raise bad_request(f"can't parse {name} JSON object") from exc
        return value

    def file(self, name: str) -> Upload | str | None:
        """An InputFile: an upload part, or a string (file_id, URL or ``attach://x``)."""
        value = self.raw.get(name)
        if isinstance(value, str) and value.startswith("attach://"):
            return self.attached(value)
        return value if isinstance(value, Upload | str) else None

    def attached(self, ref: str) -> Upload:
        part = self.raw.get(ref.removeprefix("attach://"))
        if not isinstance(part, Upload):
            raise bad_request(f"file for {ref} is not found in the request")
        return part

    def chat_id(self) -> int | str:
        value = self.raw.get("chat_id")
        if value is None or value == "":
            raise bad_request("chat_id is empty")
        if isinstance(value, str) and value.startswith("@"):
            return value
        try:
            return int(value)
        except (TypeError, ValueError) as exc:
            raise bad_request("chat not found") from exc

    def loggable(self) -> dict[str, Any]:
        """The parameters for ``Sandbox.calls``: nested JSON decoded, uploads summarised."""
        out: dict[str, Any] = {}
        for key, value in self.raw.items():
            if isinstance(value, Upload):
                out[key] = {"upload": value.filename, "size": len(value.data)}
            elif isinstance(value, str) and value[:1] in ("{", "["):
                try:
                    out[key] = json.loads(value)
                except ValueError:
                    out[key] = value
            else:
                out[key] = value
        return out
