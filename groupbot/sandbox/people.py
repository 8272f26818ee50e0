"""Acting as people: write, send photos, albums and files, edit, tap buttons.

Every action is stored like Telegram stores it and, when the bot would see it, queued as an
update. Privacy mode (on by default, as for a new BotFather bot): in groups where the bot is
not an administrator it only gets commands meant for it, replies to its own messages and
service messages; everything is still in ``messages(chat)``.
"""

from __future__ import annotations

import copy
import random
import time
from collections.abc import Sequence

from .errors import ApiError
from .groups import ChatRef, GroupsMixin, MessageRef
from .models import JSON, SandboxUser, chat_instance
from .state import CallbackRecord, MessageRecord, snapshot
from .text import MAX_CAPTION, MAX_TEXT, Entity, finish, parse_html


class PeopleMixin(GroupsMixin):
    def add_user(
        self,
        first_name: str,
        username: str | None = None,
        language_code: str | None = "zh-hans",
        last_name: str | None = None,
        user_id: int | None = None,
        *,
        started: bool = False,
    ) -> SandboxUser:
        """A person. ``started=True``: as if they had already opened the bot in private."""
        st = self.state
        uid = user_id if user_id is not None else st.new_user_id()
        if uid in st.users:
            raise ValueError(f"user id {uid} exists")
        user = SandboxUser(uid, first_name, username, language_code, last_name, started=started)
        st.users[uid] = user
        return user

    # ---- writing ---------------------------------------------------------------------------
    async def send_text(
        self,
        user: SandboxUser,
        chat: ChatRef,
        text: str,
        *,
        reply_to: MessageRef | None = None,
        html: bool = False,
    ) -> JSON:
        """Write as ``user``. Entities are built like Telegram does (commands, @mentions,
        hashtags, URLs); ``html=True`` lets the text carry <b>, <a href="tg://user?id=N">…"""
        plain, entities = self._compose(text, html=html)
        content: JSON = {"text": plain}
        if entities:
            content["entities"] = entities
        return self._user_post(user, chat, content, text, reply_to)

    async def send_photo(
        self,
        user: SandboxUser,
        chat: ChatRef,
        data: bytes,
        caption: str | None = None,
        media_group_id: str | None = None,
        *,
        reply_to: MessageRef | None = None,
        html: bool = False,
    ) -> JSON:
        """``html=True`` lets the caption carry <b>, <i>, <a href>… as a client's formatting."""
        try:
            ladder = await self.state.files.add_photo_off_loop(data)
        except ApiError as err:
            raise ValueError(f"not a usable photo: {err.description}") from err
        content: JSON = {"photo": self.state.files.photo_json(ladder)}
        self._caption(content, caption, html=html)
        if media_group_id:
            content["media_group_id"] = media_group_id
        return self._user_post(user, chat, content, caption, reply_to)

    async def send_album(
        self, user: SandboxUser, chat: ChatRef, photos: Sequence[bytes], caption: str | None = None
    ) -> list[JSON]:
        """2–10 photos sharing a media_group_id; the caption goes on the first, as in clients."""
        if not 2 <= len(photos) <= 10:
            raise ValueError("an album has 2-10 photos")
        group_id = str(random.randint(10**17, 10**18))
        return [
            await self.send_photo(user, chat, data, caption if i == 0 else None, group_id)
            for i, data in enumerate(photos)
        ]

    async def send_document(
        self,
        user: SandboxUser,
        chat: ChatRef,
        data: bytes,
        file_name: str = "file.bin",
        mime_type: str | None = "application/octet-stream",
        *,
        caption: str | None = None,
    ) -> JSON:
        stored = self.state.files.add_document(data, file_name, mime_type)
        content: JSON = {"document": self.state.files.document_json(stored, file_name)}
        self._caption(content, caption)
        return self._user_post(user, chat, content, caption, None)

    async def edit_text(self, user: SandboxUser, message: MessageRef, text: str) -> JSON:
        """The user edits their message: an edited_message update."""
        rec = self._record(message)
        if rec.data["from"]["id"] != user.id or "text" not in rec.data:
            raise ValueError("users can only edit their own text messages")
        plain, entities = self._compose(text)
        rec.data.update(text=plain, edit_date=int(self.state.clock()))
        rec.data.pop("entities", None)
        if entities:
            rec.data["entities"] = entities
        rec.html = text
        self.state.touched(rec.data["chat"]["id"], rec.data["message_id"])
        if self._bot_sees(rec.data["chat"]["id"], rec.data):
            self.state.push_update("edited_message", rec.data)
        return snapshot(rec)

    async def tap(self, user: SandboxUser, message: MessageRef, callback_data: str) -> str:
        """Press an inline button; returns the CallbackQuery id (see ``answer_of``)."""
        rec = self._record(message)
        chat_id = rec.data["chat"]["id"]
        rows = (rec.data.get("reply_markup") or {}).get("inline_keyboard", [])
        if not any(b.get("callback_data") == callback_data for row in rows for b in row):
            raise ValueError(f"no button with callback_data {callback_data!r} on that message")
        if chat_id > 0 and chat_id != user.id:
            raise ValueError("that message is in someone else's private chat")
        if chat_id < 0:
            self._require_member(self.state.chats[chat_id], user)
        query_id = str(random.getrandbits(62))
        query = {
            "id": query_id,
            "from": user.to_json(),
            "message": rec.data,
            "chat_instance": chat_instance(chat_id),
            "data": callback_data,
        }
        self.state.callbacks[query_id] = CallbackRecord(copy.deepcopy(query), time.monotonic())
        self.state.push_update("callback_query", query)
        return query_id

    def answer_of(self, query_id: str) -> JSON | None:
        """How the bot answered that tap: {text, show_alert, url, cache_time}, or None."""
        rec = self.state.callbacks.get(query_id)
        return dict(rec.answer) if rec and rec.answer else None

    # ---- helpers ---------------------------------------------------------------------------
    def _record(self, message: MessageRef) -> MessageRecord:
        if isinstance(message, dict):
            chat_id, message_id = message["chat"]["id"], message["message_id"]
        else:
            chat_id, message_id = message
        rec = self.state.record(chat_id, message_id)
        if rec is None:
            raise ValueError(f"message {message_id} in chat {chat_id} not found or deleted")
        return rec

    def _compose(
        self, text: str, *, html: bool = False, caption: bool = False
    ) -> tuple[str, list[Entity]]:
        """Text as a client would send it → (plain text, entities); ValueError if Telegram
        would refuse it (empty, too long, bad HTML)."""
        try:
            plain, entities = parse_html(text, self.state.resolve_user) if html else (text, [])
            if caption:
                return finish(
                    plain,
                    entities,
                    limit=MAX_CAPTION,
                    empty_error=None,
                    too_long="message caption is too long",
                )
            return finish(
                plain,
                entities,
                limit=MAX_TEXT,
                empty_error="message text is empty",
                too_long="message is too long",
            )
        except ApiError as err:
            raise ValueError(err.description) from err

    def _caption(self, content: JSON, caption: str | None, *, html: bool = False) -> None:
        text, entities = self._compose(caption or "", html=html, caption=True)
        if text:
            content["caption"] = text
        if entities:
            content["caption_entities"] = entities

    def _user_post(
        self,
        user: SandboxUser,
        chat: ChatRef,
        content: JSON,
        raw: str | None,
        reply_to: MessageRef | None,
    ) -> JSON:
        st = self.state
        chat_id = self._chat_id(chat)
        if chat_id > 0:
            if chat_id != user.id:
                raise ValueError("a user writes to the bot in their own private chat only")
            user.started = True
            if user.blocked_bot:  # writing to a blocked bot unblocks it, as /start does
                user.blocked_bot = False
                self._my_chat_member(chat_id, user, "kicked", "member")
        else:
            group = st.chats.get(chat_id)
            if group is None:
                raise ValueError(f"unknown group {chat_id}")
            if group.migrated_to is not None:
                raise ValueError(f"group {chat_id} was migrated to {group.migrated_to}")
            self._require_member(group, user)
        if reply_to is not None:
            replied = copy.deepcopy(self._record(reply_to).data)
            replied.pop("reply_to_message", None)
            content["reply_to_message"] = replied
        rec = st.add_message(chat_id, user, content, raw)
        if self._bot_sees(chat_id, rec.data):
            st.push_update("message", rec.data)
        return snapshot(rec)

    def _bot_sees(self, chat_id: int, data: JSON) -> bool:
        """Whether Telegram would deliver this message to the bot (privacy mode rules)."""
        st = self.state
        if chat_id > 0:
            return not st.users[chat_id].blocked_bot
        group = st.chats[chat_id]
        if group.bot_status not in ("member", "administrator"):
            return False
        if not st.privacy_mode or group.bot_status == "administrator":
            return True
        if (data.get("reply_to_message") or {}).get("from", {}).get("id") == st.bot.id:
            return True
        text = data.get("text") or data.get("caption") or ""
        entities: list[Entity] = data.get("entities") or data.get("caption_entities") or []
        me = f"@{st.bot.username}".lower()
        for e in entities:
            if e["type"] == "bot_command":
                command = text.encode("utf-16-le")[
                    e["offset"] * 2 : (e["offset"] + e["length"]) * 2
                ]
                target = command.decode("utf-16-le").partition("@")[2]
                if not target or f"@{target}".lower() == me:
                    return True
        return False
