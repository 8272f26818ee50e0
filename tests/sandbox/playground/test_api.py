"""The page's API and live stream over plain HTTP (no bot, no browser): refusals are codes
the page words in the visitor's language; every stored message reaches the stream."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest

import messages
from groupbot.sandbox import Sandbox
from groupbot.sandbox.playground import Playground

from ..conftest import jpeg


@pytest.fixture
async def pg() -> AsyncIterator[Playground]:
    sandbox = Sandbox()
    playground = Playground(sandbox, locale="en")
    async with sandbox:
        yield playground
        assert sandbox.internal_errors == []


async def post(pg: Playground, path: str, **body) -> tuple[int, dict]:
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{pg.sb.url}/playground/api/{path}", json=body)
    return response.status_code, response.json()


def refusal(code: str, **params) -> tuple[int, dict]:
    assert messages.has("en", f"playground.error.{code}")  # the page can word it
    return 400, {"ok": False, "error": code, "params": params}


async def test_writing_where_one_may_not_is_refused_with_a_code(pg):
    ming = pg.sb.add_user("Ming")
    hong = pg.sb.add_user("Hong")
    group = pg.sb.add_group("Mango", members=[hong])
    assert await post(pg, "send", **{"as": ming.id, "chat": group.id, "text": "hi"}) == refusal(
        "not_member", name="Ming", title="Mango")
    assert await post(pg, "send", **{"as": ming.id, "chat": hong.id, "text": "hi"}) == refusal(
        "not_your_chat", name="Hong")
    assert await post(pg, "send", **{"as": ming.id, "chat": ming.id, "text": "  "}) == refusal(
        "empty_text")
    assert await post(pg, "send", **{"as": 42, "chat": ming.id, "text": "x"}) == refusal(
        "unknown_person")
    assert await post(pg, "tap", **{"as": ming.id, "chat": ming.id, "message": 9,
                                    "data": "x"}) == refusal("button_gone")
    assert await post(pg, "start", **{"as": ming.id, "payload": "a b"}) == refusal("bad_link")
    assert await post(pg, "clock", step="hour") == refusal("no_clock")
    assert pg.sb.messages(ming) == []


async def test_a_deep_link_sends_start_with_its_payload_in_the_private_chat(pg):
    ming = pg.sb.add_user("Ming")
    assert await post(pg, "start", **{"as": ming.id, "payload": "o12"}) == (
        200, {"ok": True, "chat": ming.id})
    [sent] = pg.sb.messages(ming)
    assert sent["text"] == "/start o12" and ming.started


async def test_a_new_person_joins_the_chosen_groups(pg):
    group = pg.sb.add_group("Mango", members=[pg.sb.add_user("Wang")])
    assert await post(pg, "people", name=" ", language="en") == refusal("name_missing")
    assert await post(pg, "people", name="Zoe", language="fr") == refusal("bad_language")
    status, body = await post(pg, "people", name="  Zoe  Li ", language="en", groups=[group.id])
    assert status == 200
    zoe = pg.sb.state.users[body["person"]]
    assert (zoe.first_name, zoe.language_code, group.members[zoe.id]) == ("Zoe Li", "en", "member")


async def test_uploads_photos_and_files_and_serves_them_safely(pg):
    ming = pg.sb.add_user("Ming")
    url = f"{pg.sb.url}/playground"
    async with httpx.AsyncClient() as client:
        bad = await client.post(f"{url}/api/upload", data={"as": ming.id, "chat": ming.id},
                                files={"file": ("page.html", b"<script>x</script>", "text/html")})
        assert (bad.status_code, bad.json()) == refusal("bad_photo", name="page.html")
        sent = await client.post(f"{url}/api/upload", data={
            "as": ming.id, "chat": ming.id, "mode": "file"},
            files={"file": ("page.html", b"<script>x</script>", "text/html")})
        photo = await client.post(f"{url}/api/upload", data={
            "as": ming.id, "chat": ming.id, "caption": "bad ones"},
            files={"file": ("a.jpg", jpeg(), "image/jpeg")})
        assert sent.json()["ok"] and photo.json()["ok"]
        document, picture = (await client.get(f"{url}/api/chats/{ming.id}/messages")).json()
        assert document["document"]["name"] == "page.html" and not document["document"]["image"]
        assert picture["html"] == "bad ones" and picture["photo"]["width"] == 640
        served = await client.get(f"{url}/files/{document['document']['file']}")
        assert served.headers["content-type"] == "application/octet-stream"
        assert served.headers["content-disposition"] == 'attachment; filename="page.html"'
        assert served.headers["x-content-type-options"] == "nosniff"
        image = await client.get(f"{url}/files/{picture['photo']['full']}")
        assert image.headers["content-type"] == "image/jpeg"
        page = await client.get(f"{pg.sb.url}/")
        assert "script-src 'self'" in page.headers["content-security-policy"]


async def test_the_stream_carries_the_world_then_every_message_as_it_is_stored(pg):
    ming = pg.sb.add_user("Ming")
    async with httpx.AsyncClient(timeout=10) as client, client.stream(
        "GET", f"{pg.sb.url}/playground/api/events"
    ) as stream:
        events = stream.aiter_lines()
        kind, data = await next_event(events)
        assert kind == "world" and [c["title"] for c in data["chats"]] == ["Ming"]
        assert data["strings"]["en"]["send"] == messages.t("en", "playground.send")
        await pg.sb.send_text(ming, ming, "<b>hi</b> /start", html=True)
        kind, data = await next_event(events)
        assert kind == "message"
        assert data["html"] == '<b>hi</b> <a class="command">/start</a>'
        assert (data["from"]["name"], data["chat"], data["edited"]) == ("Ming", ming.id, False)


async def next_event(lines) -> tuple[str, dict]:
    kind = None
    async for line in lines:
        if line.startswith("event: "):
            kind = line.removeprefix("event: ")
        elif line.startswith("data: ") and kind:
            return kind, json.loads(line.removeprefix("data: "))
    raise AssertionError("the stream ended")


async def test_a_reply_quotes_the_message_it_answers(pg):
    ming = pg.sb.add_user("Ming")
    first = await pg.sb.send_text(ming, ming, "first")
    status, body = await post(pg, "send", **{"as": ming.id, "chat": ming.id, "text": "second",
                                             "reply_to": first["message_id"]})
    assert status == 200
    async with httpx.AsyncClient() as client:
        shown = (await client.get(f"{pg.sb.url}/playground/api/chats/{ming.id}/messages")).json()
    assert shown[1]["reply_to"] == {"id": first["message_id"], "name": "Ming",
                                    "preview": {"text": "first", "kind": None}}
