"""Prints what happened in the sandbox's chats as a readable dialogue."""

from __future__ import annotations

import re
from typing import Any

_TAG = re.compile(r"<[^>]+>")


class Transcript:
    def __init__(self, sandbox: Any, labels: dict[str, str], out=print) -> None:
        self.sb = sandbox
        self.labels = labels  # "bot", "private", "group", "buttons", "edited", "photo"
        self.out = out
        self._seen: dict[int, int] = {}
        self._versions: dict[tuple[int, int], Any] = {}
        self.chats: list[tuple[Any, str]] = []

    def watch(self, chat: Any, title: str) -> None:
        self.chats.append((chat, title))
        self._seen.setdefault(chat.id, 0)

    def step(self, caption: str) -> None:
        self.out(f"\n── {caption} " + "─" * max(4, 60 - len(caption)))

    def flush(self) -> None:
        """Print every message (and edit of a bot message) not printed yet, chat by chat."""
        for chat, title in self.chats:
            messages = self.sb.messages(chat)
            start = self._seen.get(chat.id, 0)
            for message in messages[:start]:
                self._maybe_edit(chat, title, message)
            for message in messages[start:]:
                self._print(title, message)
                self._versions[(chat.id, message["message_id"])] = _version(message)
            self._seen[chat.id] = len(messages)

    def _maybe_edit(self, chat: Any, title: str, message: dict) -> None:
        key = (chat.id, message["message_id"])
        version = _version(message)
        if self._versions.get(key) != version and not message.get("deleted"):
            self._versions[key] = version
            self._print(title, message, edited=True)

    def _print(self, title: str, message: dict, edited: bool = False) -> None:
        sender = message.get("from") or {}
        who = self.labels["bot"] if sender.get("is_bot") else sender.get("first_name", "?")
        text = message.get("text") or message.get("caption") or ""
        if message.get("new_chat_members"):
            names = ", ".join(m.get("first_name", "") for m in message["new_chat_members"])
            text = f"[{self.labels['joined']}: {names}]"
        if message.get("photo"):
            text = f"[{self.labels['photo']}] {text}".strip()
        mark = f" ({self.labels['edited']})" if edited else ""
        lines = text.splitlines() or [""]
        self.out(f"[{title}] {who}{mark}: {lines[0]}")
        for line in lines[1:]:
            self.out(" " * (len(title) + 4) + line)
        buttons = self.sb.buttons(message)
        if buttons:
            shown = " | ".join(label for label, _ in buttons)
            self.out(" " * (len(title) + 4) + f"{self.labels['buttons']}: [ {shown} ]")


def _version(message: dict) -> tuple:
    return (message.get("text") or message.get("caption"), str(message.get("reply_markup")))


def plain(html: str) -> str:
    return _TAG.sub("", html)
