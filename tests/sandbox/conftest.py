"""Fixtures for the sandbox tests: a started Sandbox, a PTB Bot on it, JPEG bytes, api_kwargs."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from PIL import Image
from telegram import Bot, TelegramObject

from groupbot.sandbox import Sandbox


@pytest.fixture
async def sb() -> AsyncIterator[Sandbox]:
    async with Sandbox() as sandbox:
        yield sandbox
        assert sandbox.internal_errors == []


@pytest.fixture
async def tg_bot(sb: Sandbox) -> AsyncIterator[Bot]:
    async with Bot(sb.token, base_url=sb.base_url, base_file_url=sb.base_file_url) as tg_bot:
        yield tg_bot


def jpeg(width: int = 640, height: int = 480, color: str = "orange") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buf, "JPEG", quality=90)
    return buf.getvalue()


def _walk(obj: Any, path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(obj, TelegramObject):
        if obj.api_kwargs:
            yield path, dict(obj.api_kwargs)
        for key, value in obj._get_attrs(recursive=False).items():
            yield from _walk(value, f"{path}.{key}")
    elif isinstance(obj, list | tuple):
        for i, item in enumerate(obj):
            yield from _walk(item, f"{path}[{i}]")


def leftovers(obj: Any) -> list[tuple[str, dict[str, Any]]]:
    """Every nested TelegramObject whose de_json found fields PTB doesn't know."""
    return list(_walk(obj, type(obj).__name__))


async def raw(sb: Sandbox, method: str, **params: Any) -> Any:
    """Call the sandbox like PTB does (form fields, nested values as JSON), return result.

    For checking the raw JSON the sandbox gives, before PTB turns it into objects."""
    fields = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    async with httpx.AsyncClient() as client:
        resp = await client.post(f"{sb.base_url}{sb.token}/{method}", data=fields)
    body = resp.json()
    assert body["ok"], body
    return body["result"]
