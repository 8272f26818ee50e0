"""Acting as people in forums and with voice notes and stickers; reading topics and pins."""

from __future__ import annotations

from .errors import ApiError
from .forum import sticker_json, voice_json
from .groups import ChatRef, MessageRef
from .models import JSON, SandboxChat, SandboxUser
from .state import snapshot
from .topics import Topic, place_in_topic
from .views import ViewsMixin


class ForumMixin(ViewsMixin):
    def add_forum(
        self,
        title: str,
        members: list[SandboxUser] | tuple[SandboxUser, ...] = (),
        admins: list[SandboxUser] | tuple[SandboxUser, ...] = (),
        *,
        topics: bool = True,
    ) -> SandboxChat:
        """A supergroup with topics on (``topics=False``: a supergroup that has them off)."""
        group = self.add_group(title, members, admins, "supergroup")
        group.is_forum = topics
        return group

    def set_topics(self, group: SandboxChat, enabled: bool) -> None:
        """An admin turns topics on or off in the group's settings."""
        if group.type != "supergroup":
            raise ValueError("only supergroups have topics")
        group.is_forum = enabled

    def topics(self, chat: ChatRef) -> list[Topic]:
        return list(self.state.forum.topics.get(self._chat_id(chat), {}).values())

    def topic_messages(self, chat: ChatRef, thread_id: int) -> list[JSON]:
        """The topic's messages in order, its opening service message first."""
        return [
            m for m in self.messages(chat)
            if m.get("message_thread_id") == thread_id and m.get("is_topic_message")
        ]

    def pinned(self, chat: ChatRef) -> list[int]:
        """Pinned message ids of the chat, oldest first."""
        return list(self.state.forum.pinned.get(self._chat_id(chat), []))

    # ---- writing ---------------------------------------------------------------------------
    async def send_text_in_topic(
        self,
        user: SandboxUser,
        chat: SandboxChat,
        thread_id: int,
        text: str,
        *,
        reply_to: MessageRef | None = None,
    ) -> JSON:
        plain, entities = self._compose(text)
        content: JSON = {"text": plain}
        if entities:
            content["entities"] = entities
        self._in_topic(user, chat, thread_id, content)
        return self._user_post(user, chat, content, text, reply_to)

    async def send_photo_in_topic(
        self,
        user: SandboxUser,
        chat: SandboxChat,
        thread_id: int,
        data: bytes,
        caption: str | None = None,
    ) -> JSON:
        content: JSON = {"photo": self.state.files.photo_json(
            await self.state.files.add_photo_off_loop(data))}
        self._caption(content, caption)
        self._in_topic(user, chat, thread_id, content)
        return self._user_post(user, chat, content, caption, None)

    async def send_voice(
        self, user: SandboxUser, chat: ChatRef, data: bytes, duration: int = 3,
        *, thread_id: int | None = None,
    ) -> JSON:
        """A voice note (OGG/Opus bytes as a client records them)."""
        stored = self.state.files.store("voice", data, "ogg")
        content: JSON = {"voice": voice_json(self.state, stored, duration)}
        return self._user_post(user, chat, self._maybe_topic(user, chat, thread_id, content),
                               None, None)

    async def send_sticker(
        self, user: SandboxUser, chat: ChatRef, data: bytes, emoji: str = "👍",
        *, thread_id: int | None = None,
    ) -> JSON:
        stored = self.state.files.store("sticker", data, "webp")
        content: JSON = {"sticker": sticker_json(self.state, stored, emoji)}
        return self._user_post(user, chat, self._maybe_topic(user, chat, thread_id, content),
                               None, None)

    def _maybe_topic(
        self, user: SandboxUser, chat: ChatRef, thread_id: int | None, content: JSON
    ) -> JSON:
        if thread_id:
            group = self.state.chats[self._chat_id(chat)]
            self._in_topic(user, group, thread_id, content)
        return content

    def _in_topic(self, user: SandboxUser, chat: SandboxChat, thread_id: int, content: JSON) -> None:
        admin = chat.members.get(user.id) in ("creator", "administrator")
        try:
            place_in_topic(self.state, chat.id, thread_id, content, may_post_closed=admin)
        except ApiError as err:  # a client would not let the user post there
            raise ValueError(err.description) from err

    def message_snapshot(self, message: MessageRef) -> JSON:
        return snapshot(self._record(message))
