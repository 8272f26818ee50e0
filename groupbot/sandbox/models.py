"""People and chats of the sandbox, and their Bot API JSON shapes.

Only fields PTB 22 knows are emitted, so ``de_json`` leaves ``api_kwargs`` empty.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]

# Rights of an administrator: every boolean ChatMemberAdministrator requires in PTB 22.
ADMIN_RIGHTS = {
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": True,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
    "can_pin_messages": True,
    "can_manage_topics": False,
}


@dataclass(eq=False)
class SandboxUser:
    """A person (or the bot itself). The private chat with the bot has the same id."""

    id: int
    first_name: str
    username: str | None = None
    language_code: str | None = None
    last_name: str | None = None
    is_bot: bool = False
    started: bool = False  # has written to the bot in private: the bot may message them
    blocked_bot: bool = False

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name

    def to_json(self) -> JSON:
        data: JSON = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code and not self.is_bot:
            data["language_code"] = self.language_code
        return data

    def __getitem__(self, key: str) -> Any:  # dict-like, so sb.bot["username"] works
        return self.to_json()[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.to_json().get(key, default)


@dataclass(eq=False)
class SandboxChat:
    """A group or supergroup (private chats are implied by users)."""

    id: int
    title: str
    type: str  # "group" | "supergroup"
    members: dict[int, str] = field(default_factory=dict)  # user id → ChatMember status
    bot_status: str = "left"  # left | member | administrator | kicked
    username: str | None = None
    migrated_to: int | None = None
    is_forum: bool = False  # a supergroup with topics on (see forum.py)

    def to_json(self) -> JSON:
        data: JSON = {"id": self.id, "type": self.type, "title": self.title}
        if self.username:
            data["username"] = self.username
        if self.is_forum:
            data["is_forum"] = True
        return data


def chat_instance(chat_id: int) -> str:
    """CallbackQuery.chat_instance: opaque, stable per chat."""
    return str((chat_id * 0x9E3779B97F4A7C15) % (2**63) - 2**62)


def private_chat_json(user: SandboxUser) -> JSON:
    data: JSON = {"id": user.id, "type": "private", "first_name": user.first_name}
    if user.last_name:
        data["last_name"] = user.last_name
    if user.username:
        data["username"] = user.username
    return data


def full_info_json(chat: JSON) -> JSON:
    """ChatFullInfo for getChat: the Chat plus the fields PTB requires there."""
    info = dict(chat)
    info.update(
        accent_color_id=0,
        max_reaction_count=11,
        accepted_gift_types={
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        },
    )
    if chat["type"] != "private":
        info["permissions"] = {
            "can_send_messages": True,
            "can_send_audios": True,
            "can_send_documents": True,
            "can_send_photos": True,
            "can_send_videos": True,
            "can_send_video_notes": True,
            "can_send_voice_notes": True,
            "can_send_polls": True,
            "can_send_other_messages": True,
            "can_add_web_page_previews": True,
            "can_change_info": False,
            "can_invite_users": True,
            "can_pin_messages": False,
            "can_manage_topics": False,
        }
    return info


def member_json(user: SandboxUser, status: str) -> JSON:
    """A ChatMember of the given status with every field PTB requires for it."""
    data: JSON = {"user": user.to_json(), "status": status}
    if status == "creator":
        data["is_anonymous"] = False
    elif status == "administrator":
        data.update(ADMIN_RIGHTS)
    elif status == "kicked":
        data["until_date"] = 0
    return data
