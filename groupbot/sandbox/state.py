"""The sandbox's world: people, chats, messages, files and the update queue, all in memory.

Everything runs on one event loop, so plain dicts suffice; ``Notifier`` wakes long-polls,
the webhook sender and test waiters whenever something changes.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .errors import ApiError, bad_request, chat_not_found, forbidden
from .media import FileStore
from .models import JSON, SandboxChat, SandboxUser, private_chat_json
from .topics import ForumState

# Telegram's default when allowed_updates was never given (or given as []).
DEFAULT_EXCLUDED = {"chat_member", "message_reaction", "message_reaction_count"}


class Notifier:
    """A broadcast 'something changed' signal: waiters re-check their condition."""

    def __init__(self) -> None:
        self._event: asyncio.Event | None = None

    def notify(self) -> None:
        if self._event is not None:
            self._event.set()
            self._event = None

    async def wait(self, seconds: float) -> None:
        if self._event is None:
            self._event = asyncio.Event()
        try:
            async with asyncio.timeout(max(seconds, 0)):
                await self._event.wait()
        except TimeoutError:
            pass

    async def wait_for(self, predicate: Callable[[], bool], seconds: float) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            await self.wait(remaining)
        return True


@dataclass
class MessageRecord:
    data: JSON  # the Message as the Bot API shows it now (edited in place)
    html: str | None  # text/caption exactly as sent (raw HTML for the bot's messages)
    from_bot: bool
    deleted: bool = False
    keyboard: JSON | None = None  # reply keyboards, which Message JSON never shows


_SNAPSHOT_DEFAULTS: dict[str, Any] = {
    "text": None,
    "entities": [],
    "caption": None,
    "caption_entities": [],
    "photo": None,
    "document": None,
    "reply_markup": None,
    "edit_date": None,
}


def snapshot(rec: MessageRecord) -> JSON:
    """A message for tests: Telegram's JSON (deep copy) + ``html``, ``deleted``, ``keyboard``;
    the usual keys are always there (None / [] when absent) so lookups don't need .get()."""
    data = copy.deepcopy(rec.data)
    for key, default in _SNAPSHOT_DEFAULTS.items():
        data.setdefault(key, copy.copy(default))
    data.update(html=rec.html, deleted=rec.deleted, keyboard=copy.deepcopy(rec.keyboard))
    return data


@dataclass
class CallbackRecord:
    query: JSON
    created: float
    answer: JSON | None = None


@dataclass
class Webhook:
    url: str = ""
    secret_token: str | None = None
    max_connections: int = 40
    ip_address: str | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass
class State:
    bot: SandboxUser
    privacy_mode: bool = True
    users: dict[int, SandboxUser] = field(default_factory=dict)
    chats: dict[int, SandboxChat] = field(default_factory=dict)
    messages: dict[int, dict[int, MessageRecord]] = field(default_factory=dict)
    last_message_id: dict[int, int] = field(default_factory=dict)
    bot_sent: dict[int, int] = field(default_factory=dict)  # chat id → messages the bot sent
    updates: deque[JSON] = field(default_factory=deque)
    fetched_upto: int = 0  # highest update_id handed to the bot (getUpdates or webhook)
    allowed_updates: list[str] | None = None
    webhook: Webhook = field(default_factory=Webhook)
    callbacks: dict[str, CallbackRecord] = field(default_factory=dict)
    commands: dict[str, list[JSON]] = field(default_factory=dict)
    files: FileStore = field(default_factory=FileStore)
    changed: Notifier = field(default_factory=Notifier)
    callback_ttl: float = 15.0  # Telegram expires unanswered callback queries after ~15 s
    poll_generation: int = 0  # a newer getUpdates terminates an older one (409)
    closing: bool = False
    last_activity: float = 0.0  # time.monotonic() of the last bot API call or delivery
    forum: ForumState = field(default_factory=ForumState)  # topics and pins (topics.py)
    clock: Callable[[], float] = time.time  # message dates; `groupbot sandbox` shares the bot's
    # Called with (chat_id, message_id) whenever a message is stored, edited or deleted (the
    # playground's live view listens here).
    observers: list[Callable[[int, int], None]] = field(default_factory=list)
    # (event, update_id): "queued" when an update is made, "handed" when the bot gets it
    # (getUpdates or webhook); benchmarks time where an answer's latency went.
    update_observers: list[Callable[[str, int], None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.users[self.bot.id] = self.bot
        self._update_ids = itertools.count(700_000_001)
        self._user_ids = itertools.count(5_000_000_001)
        self._group_ids = itertools.count(4_000_000_001)
        self._super_ids = itertools.count(1_000_000_000_001)

    # ---- ids -----------------------------------------------------------------------------
    def new_user_id(self) -> int:
        return next(self._user_ids)

    def new_chat_id(self, chat_type: str) -> int:
        if chat_type == "supergroup":
            return -next(self._super_ids)
        return -next(self._group_ids)

    # ---- lookup ----------------------------------------------------------------------------
    def chat_json(self, chat_id: int) -> JSON:
        if chat_id > 0:
            return private_chat_json(self.users[chat_id])
        return self.chats[chat_id].to_json()

    def find_chat_id(self, chat: int | str) -> int:
        """chat_id parameter → a known chat id (private chats are users), else 400."""
        if isinstance(chat, str):
            for group in self.chats.values():
                if group.username and f"@{group.username}".lower() == chat.lower():
                    return group.id
            raise chat_not_found()
        if chat > 0 and chat in self.users:
            return chat
        if chat < 0 and chat in self.chats:
            group = self.chats[chat]
            if group.migrated_to is not None:
                raise ApiError(
                    400,
                    "Bad Request: group chat was upgraded to a supergroup chat",
                    {"migrate_to_chat_id": group.migrated_to},
                )
            return chat
        raise chat_not_found()

    def writable_chat(self, chat: int | str) -> int:
        """A chat the bot may post into now; otherwise Telegram's 400/403."""
        chat_id = self.find_chat_id(chat)
        if chat_id > 0:
            user = self.users[chat_id]
            if user.is_bot:
                raise forbidden("bot can't send messages to bots")
            if user.blocked_bot:
                raise forbidden("bot was blocked by the user")
            if not user.started:
                raise forbidden("bot can't initiate conversation with a user")
            return chat_id
        group = self.chats[chat_id]
        kind = "supergroup chat" if group.type == "supergroup" else "group chat"
        if group.bot_status == "kicked":
            raise forbidden(f"bot was kicked from the {kind}")
        if group.bot_status == "left":
            raise forbidden(f"bot is not a member of the {kind}")
        return chat_id

    def record(self, chat_id: int, message_id: int | None) -> MessageRecord | None:
        rec = self.messages.get(chat_id, {}).get(message_id or 0)
        return None if rec is None or rec.deleted else rec

    def resolve_user(self, user_id: int) -> JSON | None:
        user = self.users.get(user_id)
        return user.to_json() if user else None

    # ---- messages ---------------------------------------------------------------------------
    def add_message(
        self, chat_id: int, sender: SandboxUser, content: JSON, html: str | None
    ) -> MessageRecord:
        message_id = self.last_message_id.get(chat_id, 0) + 1
        self.last_message_id[chat_id] = message_id
        data: JSON = {
            "message_id": message_id,
            "from": sender.to_json(),
            "chat": self.chat_json(chat_id),
            "date": int(self.clock()),
        }
        data.update(content)
        rec = MessageRecord(data, html, from_bot=sender is self.bot)
        self.messages.setdefault(chat_id, {})[message_id] = rec
        if rec.from_bot:
            self.bot_sent[chat_id] = self.bot_sent.get(chat_id, 0) + 1
            self.changed.notify()
        self.touched(chat_id, message_id)
        return rec

    def touched(self, chat_id: int, message_id: int) -> None:
        """A message was stored, edited or deleted."""
        for observer in self.observers:
            observer(chat_id, message_id)

    # ---- updates ----------------------------------------------------------------------------
    def wants(self, kind: str) -> bool:
        allowed = self.allowed_updates
        if not allowed:
            return kind not in DEFAULT_EXCLUDED
        return kind in allowed

    def push_update(self, kind: str, payload: JSON) -> int | None:
        """Queue an update (a snapshot: later edits don't change it). None if filtered out."""
        if not self.wants(kind):
            return None
        update_id = next(self._update_ids)
        self.updates.append({"update_id": update_id, kind: copy.deepcopy(payload)})
        self.changed.notify()
        self.update_event("queued", update_id)
        return update_id

    def update_event(self, event: str, update_id: int) -> None:
        for observer in self.update_observers:
            observer(event, update_id)

    def confirm(self, offset: int) -> None:
        """getUpdates offset: updates below it are confirmed and forgotten."""
        while self.updates and self.updates[0]["update_id"] < offset:
            self.updates.popleft()

    def drop_pending(self) -> None:
        if self.updates:
            self.fetched_upto = max(self.fetched_upto, self.updates[-1]["update_id"])
        self.updates.clear()

    def undelivered(self) -> int:
        return sum(1 for u in self.updates if u["update_id"] > self.fetched_upto)

    # ---- groups -----------------------------------------------------------------------------
    def group(self, chat: int) -> SandboxChat:
        group = self.chats.get(chat)
        if group is None:
            raise chat_not_found()
        return group

    def member_status(self, chat_id: int, user_id: int) -> str:
        if chat_id > 0:
            if user_id not in self.users:
                raise bad_request("user not found")
            return "member" if user_id in (chat_id, self.bot.id) else "left"
        group = self.group(chat_id)
        if user_id == self.bot.id:
            return group.bot_status
        if user_id not in self.users:
            raise bad_request("user not found")
        return group.members.get(user_id, "left")
