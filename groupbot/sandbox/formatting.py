"""Parameters that shape a message: formatted text/captions, keyboards and replies."""

from __future__ import annotations

import copy
import re
from typing import Any

from .errors import bad_request
from .models import JSON
from .params import Params
from .state import State
from .text import MAX_CAPTION, MAX_TEXT, Entity, check_entities, finish, parse_html

_BUTTON_ACTIONS = (
    "callback_data",
    "url",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "callback_game",
    "pay",
    "web_app",
    "copy_text",
)
_BUTTON_URL = re.compile(r"(https?|tg)://\S+$")


def format_text(
    st: State, raw: str | None, parse_mode: str | None, entities: Any, *, caption: bool
) -> tuple[str, list[Entity]]:
    """(raw text, parse_mode, explicit entities) → (plain text, entities) as Telegram stores them."""
    raw = raw or ""
    mode = (parse_mode or "").lower()
    if mode == "html":
        text, found = parse_html(raw, st.resolve_user)
    elif mode in ("markdown", "markdownv2"):
        raise bad_request("the sandbox implements parse_mode HTML only")
    elif mode:
        raise bad_request("unsupported parse_mode")
    else:
        text, found = raw, check_entities(entities, raw)
    if caption:
        return finish(
            text, found, limit=MAX_CAPTION, empty_error=None, too_long="message caption is too long"
        )
    return finish(
        text,
        found,
        limit=MAX_TEXT,
        empty_error="message text is empty",
        too_long="message is too long",
    )


def put_text(data: JSON, key: str, text: str, entities: list[Entity]) -> None:
    """Set text/caption and their entities on a Message, dropping empty fields."""
    ent_key = "entities" if key == "text" else "caption_entities"
    if text:
        data[key] = text
    else:
        data.pop(key, None)
    if entities:
        data[ent_key] = entities
    else:
        data.pop(ent_key, None)


def reply_markup(p: Params) -> tuple[JSON | None, JSON | None]:
    """→ (inline keyboard for Message.reply_markup, any other keyboard for the record)."""
    raw = p.json("reply_markup")
    if raw is None:
        return None, None
    if not isinstance(raw, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in raw:
        return None, raw  # reply keyboard / remove / force_reply: Message JSON never shows them
    rows = raw["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
        raise bad_request("can't parse inline keyboard button: InlineKeyboardMarkup expected")
    for row in rows:
        for button in row:
            check_button(button)
    return ({"inline_keyboard": copy.deepcopy(rows)} if any(rows) else None), None


def check_button(button: Any) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise bad_request("can't parse inline keyboard button: Text must be a String")
    if not any(k in button for k in _BUTTON_ACTIONS):
        raise bad_request("text buttons are unallowed in the inline keyboard")
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button and not _BUTTON_URL.match(str(button["url"])):
        raise bad_request("BUTTON_URL_INVALID")


def reply_to(st: State, chat_id: int, p: Params) -> JSON | None:
    """The replied-to message (one level deep, as Telegram nests it) or None."""
    params = p.json("reply_parameters") or {}
    message_id = params.get("message_id", p.integer("reply_to_message_id"))
    if not message_id:
        return None
    target_chat = params.get("chat_id", chat_id)
    if target_chat != chat_id:
        raise bad_request("the sandbox supports replies within the same chat only")
    rec = st.record(chat_id, int(message_id))
    if rec is None:
        allow = params.get("allow_sending_without_reply", p.flag("allow_sending_without_reply"))
        if allow:
            return None
        raise bad_request("message to be replied not found")
    quoted = copy.deepcopy(rec.data)
    quoted.pop("reply_to_message", None)
    return quoted
