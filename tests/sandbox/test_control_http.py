"""The HTTP control API (for `groupbot sandbox`): people act, the bot's output is read back."""

from __future__ import annotations

import base64

import httpx
from telegram import Bot

from groupbot.sandbox import Sandbox

from .conftest import jpeg


async def test_control_routes_round_trip(sb: Sandbox, tg_bot: Bot) -> None:
    async with httpx.AsyncClient(base_url=f"{sb.url}/control") as http:

        async def call(verb: str, path: str, **body: object) -> object:
            resp = await http.request(
                verb,
                path,
                json=body if verb == "POST" else None,
                params=None if verb == "POST" else body,
            )
            payload = resp.json()
            assert payload["ok"], payload
            return payload["result"]

        alice = await call("POST", "/users", first_name="小明", username="xiaoming")
        group = await call(
            "POST", "/groups", title="芒果团", members=[alice["id"]], admins=[alice["id"]]
        )
        await call("POST", f"/groups/{group['id']}/bot", by=alice["id"])
        sent = await call(
            "POST", "/send_text", user_id=alice["id"], chat_id=alice["id"], text="/start"
        )
        assert sent["entities"][0]["type"] == "bot_command"
        photo = await call(
            "POST",
            "/send_photo",
            user_id=alice["id"],
            chat_id=alice["id"],
            data_base64=base64.b64encode(jpeg()).decode(),
        )
        file_id = photo["photo"][-1]["file_id"]
        assert (await http.get(f"/files/{file_id}")).content == jpeg()

        bot_msg = await tg_bot.send_message(
            alice["id"],
            "选择",
            reply_markup={"inline_keyboard": [[{"text": "是", "callback_data": "y"}]]},
        )
        tapped = await call(
            "POST",
            "/tap",
            user_id=alice["id"],
            chat_id=alice["id"],
            message_id=bot_msg.message_id,
            callback_data="y",
        )
        await tg_bot.answer_callback_query(tapped["callback_query_id"], text="好")
        answer = await call("GET", f"/answers/{tapped['callback_query_id']}")
        assert answer["text"] == "好"

        msgs = await call("GET", f"/chats/{alice['id']}/messages", bot_only="1")
        assert [m["text"] for m in msgs] == ["选择"]
        state = await call("GET", "/state")
        assert state["pending_updates"] == 5 and state["chats"][0]["bot_status"] == "member"
        await call("POST", "/fail_next", method="getMe", status=500)
        calls = await call("GET", "/calls")
        assert [c["method"] for c in calls] == ["getMe", "sendMessage", "answerCallbackQuery"]
        assert (await call("GET", "/stats"))["sent"] == 1
        bad = await http.post("/send_text", json={"user_id": 1, "chat_id": 1, "text": "x"})
        assert bad.status_code == 400 and bad.json()["ok"] is False
