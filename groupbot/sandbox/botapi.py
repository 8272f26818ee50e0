"""Bot API methods that don't post messages: identity, updates, webhook, chats, commands, files.

Handlers take ``(state, params)`` and return the ``result``; failures raise ``ApiError``.
``@api("name")`` registers a handler; names are matched case-insensitively like Telegram.
Methods that post or change messages live in ``sending.py`` and register the same way.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from .errors import ApiError, bad_request
from .models import full_info_json, member_json
from .params import Params
from .state import State

Handler = Callable[[State, Params], Awaitable[Any]]
METHODS: dict[str, tuple[str, Handler]] = {}

CHAT_ACTIONS = {
    "typing",
    "upload_photo",
    "record_video",
    "upload_video",
    "record_voice",
    "upload_voice",
    "upload_document",
    "choose_sticker",
    "find_location",
    "record_video_note",
    "upload_video_note",
}
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}$")
_COMMAND = re.compile(r"[a-z0-9_]{1,32}$")


def api(name: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        METHODS[name.lower()] = (name, handler)
        return handler

    return register


@api("getMe")
async def get_me(st: State, p: Params) -> Any:
    me = st.bot.to_json()
    me.update(
        can_join_groups=True,
        can_read_all_group_messages=not st.privacy_mode,
        supports_inline_queries=False,
        can_connect_to_business=False,
        has_main_web_app=False,
    )
    return me


@api("logOut")
async def log_out(st: State, p: Params) -> Any:
    return True


@api("close")
async def close(st: State, p: Params) -> Any:
    return True


# ---- updates & webhook ----------------------------------------------------------------------
@api("getUpdates")
async def get_updates(st: State, p: Params) -> Any:
    if st.webhook.url:
        raise ApiError(
            409,
            "Conflict: can't use getUpdates method while webhook is active; "
            "use deleteWebhook to delete the webhook first",
        )
    offset = p.integer("offset", 0) or 0
    limit = min(max(p.integer("limit", 100) or 100, 1), 100)
    timeout = max(p.number("timeout", 0) or 0, 0)
    allowed = p.json("allowed_updates")
    if allowed is not None:
        st.allowed_updates = list(allowed)
    if offset < 0 and st.updates:  # -N: only the last N updates, the rest is forgotten
        offset = st.updates[-1]["update_id"] + 1 + offset
    st.confirm(offset)
    st.poll_generation += 1
    generation = st.poll_generation
    st.changed.notify()  # an older poll still waiting must see it was superseded

    def ready() -> bool:
        return bool(st.updates) or st.closing or st.poll_generation != generation

    if timeout:
        await st.changed.wait_for(ready, timeout)
    if st.poll_generation != generation:
        raise ApiError(
            409,
            "Conflict: terminated by other getUpdates request; "
            "make sure that only one bot instance is running",
        )
    if st.webhook.url or not p.alive():
        return []  # nobody to hand updates to: they stay queued, not counted as fetched
    batch = list(itertools.islice(st.updates, limit))
    if batch:
        st.fetched_upto = max(st.fetched_upto, batch[-1]["update_id"])
        for update in batch:
            st.update_event("handed", update["update_id"])
    return batch


@api("setWebhook")
async def set_webhook(st: State, p: Params) -> Any:
    url = p.text("url", "") or ""
    if not url:
        return await delete_webhook(st, p)
    if not re.match(r"https?://", url):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = p.text("secret_token")
    if secret is not None and not _SECRET.match(secret):
        raise bad_request("secret token contains unallowed characters")
    if p.flag("drop_pending_updates"):
        st.drop_pending()
    allowed = p.json("allowed_updates")
    if allowed is not None:
        st.allowed_updates = list(allowed)
    hook = st.webhook
    if hook.url != url:
        hook.last_error_date = hook.last_error_message = None
    hook.url, hook.secret_token = url, secret
    hook.max_connections = p.integer("max_connections", 40) or 40
    hook.ip_address = p.text("ip_address")
    st.changed.notify()
    return True


@api("deleteWebhook")
async def delete_webhook(st: State, p: Params) -> Any:
    if p.flag("drop_pending_updates"):
        st.drop_pending()
    st.webhook.url, st.webhook.secret_token = "", None
    st.changed.notify()
    return True


@api("getWebhookInfo")
async def get_webhook_info(st: State, p: Params) -> Any:
    hook = st.webhook
    info: dict[str, Any] = {
        "url": hook.url,
        "has_custom_certificate": False,
        "pending_update_count": len(st.updates),
    }
    if hook.url:
        info["max_connections"] = hook.max_connections
        if hook.ip_address:
            info["ip_address"] = hook.ip_address
        if st.allowed_updates:
            info["allowed_updates"] = st.allowed_updates
    if hook.last_error_date:
        info["last_error_date"] = hook.last_error_date
        info["last_error_message"] = hook.last_error_message
    return info


# ---- chats ----------------------------------------------------------------------------------
@api("getChat")
async def get_chat(st: State, p: Params) -> Any:
    return full_info_json(st.chat_json(st.find_chat_id(p.chat_id())))


def _user_param(st: State, p: Params) -> int:
    user_id = p.integer("user_id")
    if user_id is None:
        raise bad_request("user_id is empty")  # PTB always sends it; other clients may not
    return user_id


@api("getChatMember")
async def get_chat_member(st: State, p: Params) -> Any:
    chat_id = st.find_chat_id(p.chat_id())
    user_id = _user_param(st, p)
    status = st.member_status(chat_id, user_id)
    return member_json(st.users[user_id], status)


@api("getChatAdministrators")
async def get_chat_administrators(st: State, p: Params) -> Any:
    chat_id = st.find_chat_id(p.chat_id())
    if chat_id > 0:
        raise bad_request("there are no administrators in the private chat")
    group = st.chats[chat_id]
    admins = [
        member_json(st.users[uid], status)
        for uid, status in group.members.items()
        if status in ("creator", "administrator")
    ]
    if group.bot_status == "administrator":
        admins.append(member_json(st.bot, "administrator"))
    return admins


@api("getChatMemberCount")
async def get_chat_member_count(st: State, p: Params) -> Any:
    chat_id = st.find_chat_id(p.chat_id())
    if chat_id > 0:
        return 2
    group = st.chats[chat_id]
    present = ("creator", "administrator", "member", "restricted")
    count = sum(1 for s in group.members.values() if s in present)
    return count + (group.bot_status in ("member", "administrator"))


@api("sendChatAction")
async def send_chat_action(st: State, p: Params) -> Any:
    st.writable_chat(p.chat_id())
    if p.text("action") not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    return True


# ---- commands & files -----------------------------------------------------------------------
def commands_key(scope: dict[str, Any], language_code: str) -> str:
    """Where setMyCommands keeps a scope's commands for one language ("" = any)."""
    return json.dumps(scope, sort_keys=True) + "|" + language_code


def _commands_key(p: Params) -> str:
    return commands_key(p.json("scope") or {"type": "default"}, p.text("language_code") or "")


@api("setMyCommands")
async def set_my_commands(st: State, p: Params) -> Any:
    commands = p.json("commands")
    if not isinstance(commands, list) or len(commands) > 100:
        raise bad_request("commands must be a list of at most 100 BotCommand")
    for c in commands:
        if not isinstance(c, dict) or not _COMMAND.match(str(c.get("command", ""))):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(str(c.get("description", ""))) <= 256:
            raise bad_request("command description must be non-empty")
    st.commands[_commands_key(p)] = [
        {"command": c["command"], "description": c["description"]} for c in commands
    ]
    return True


@api("getMyCommands")
async def get_my_commands(st: State, p: Params) -> Any:
    return st.commands.get(_commands_key(p), [])


@api("deleteMyCommands")
async def delete_my_commands(st: State, p: Params) -> Any:
    st.commands.pop(_commands_key(p), None)
    return True


@api("getFile")
async def get_file(st: State, p: Params) -> Any:
    file_id = p.text("file_id")
    if not file_id:
        raise bad_request("file_id is empty")
    return st.files.file_json(file_id)
