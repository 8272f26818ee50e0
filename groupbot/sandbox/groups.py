"""Acting on groups and on the relationship with the bot: create groups, add/kick/promote the
bot, members join and leave, users block the bot, a group migrates to a supergroup.

Each change emits the updates Telegram sends: ``my_chat_member`` for the bot's own status,
``chat_member`` (to administrator bots only) and service messages such as new_chat_members.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from .models import JSON, SandboxChat, SandboxUser, member_json
from .state import State, snapshot

ChatRef = SandboxChat | SandboxUser | int
MessageRef = dict[str, Any] | tuple[int, int]
PRESENT = ("creator", "administrator", "member", "restricted")


class GroupsMixin:
    state: State

    def add_group(
        self,
        title: str,
        members: Sequence[SandboxUser] = (),
        admins: Sequence[SandboxUser] = (),
        chat_type: str = "supergroup",
        chat_id: int | None = None,
        *,
        username: str | None = None,
    ) -> SandboxChat:
        """A group without the bot; the first admin is its creator."""
        if chat_type not in ("group", "supergroup"):
            raise ValueError("chat_type must be 'group' or 'supergroup'")
        st = self.state
        cid = chat_id if chat_id is not None else st.new_chat_id(chat_type)
        if cid >= 0 or cid in st.chats:
            raise ValueError(f"bad or duplicate group id {cid}")
        group = SandboxChat(cid, title, chat_type, username=username)
        for user in members:
            group.members[user.id] = "member"
        for i, user in enumerate(admins):
            group.members[user.id] = "creator" if i == 0 else "administrator"
        st.chats[cid] = group
        return group

    async def add_bot_to_group(
        self, group: SandboxChat, by: SandboxUser, *, as_admin: bool = False
    ) -> JSON:
        """``by`` adds the bot: my_chat_member (left→member/administrator) + new_chat_members."""
        self._require_member(group, by)
        old = group.bot_status
        group.bot_status = "administrator" if as_admin else "member"
        self._my_chat_member(group.id, by, old, group.bot_status)
        return self._service(group, by, {"new_chat_members": [self.state.bot.to_json()]})

    async def join_group(self, group: SandboxChat, user: SandboxUser) -> JSON:
        group.members[user.id] = "member"
        self._chat_member(group, user, "left", "member")
        return self._service(group, user, {"new_chat_members": [user.to_json()]})

    async def leave_group(self, group: SandboxChat, user: SandboxUser) -> JSON:
        old = group.members.get(user.id, "left")
        group.members[user.id] = "left"
        self._chat_member(group, user, old, "left")
        return self._service(group, user, {"left_chat_member": user.to_json()})

    def block_bot(self, user: SandboxUser) -> None:
        """The user blocks the bot: sends into their chat get 403, the bot gets my_chat_member."""
        if not user.blocked_bot:
            user.blocked_bot = True
            if user.started:
                self._my_chat_member(user.id, user, "member", "kicked")

    def unblock_bot(self, user: SandboxUser) -> None:
        if user.blocked_bot:
            user.blocked_bot = False
            self._my_chat_member(user.id, user, "kicked", "member")

    def kick_bot(self, group: SandboxChat, by: SandboxUser | None = None) -> None:
        """Remove the bot from the group: 403 "bot was kicked from the group chat" afterwards."""
        old = group.bot_status
        group.bot_status = "kicked"
        actor = by or self._group_owner(group)
        if old in ("member", "administrator") and actor is not None:
            self._my_chat_member(group.id, actor, old, "kicked")

    def promote_bot(self, group: SandboxChat, by: SandboxUser | None = None) -> None:
        old = group.bot_status
        group.bot_status = "administrator"
        actor = by or self._group_owner(group)
        if actor is not None:
            self._my_chat_member(group.id, actor, old, "administrator")

    def migrate_group(self, group: SandboxChat, by: SandboxUser | None = None) -> SandboxChat:
        """Upgrade a basic group to a supergroup with a new id (returned). The old id then
        answers 400 with parameters.migrate_to_chat_id, as PTB's ChatMigrated expects."""
        if group.type != "group" or group.migrated_to is not None:
            raise ValueError("only a basic group that was not migrated can be migrated")
        st = self.state
        actor = by or self._group_owner(group) or st.bot
        new = SandboxChat(
            st.new_chat_id("supergroup"),
            group.title,
            "supergroup",
            dict(group.members),
            group.bot_status,
        )
        st.chats[new.id] = new
        self._service(group, actor, {"migrate_to_chat_id": new.id})
        group.migrated_to = new.id
        self._service(new, actor, {"migrate_from_chat_id": group.id})
        return new

    def _group_owner(self, group: SandboxChat) -> SandboxUser | None:
        for uid, status in group.members.items():
            if status in ("creator", "administrator"):
                return self.state.users[uid]
        return None

    # ---- helpers ---------------------------------------------------------------------------
    def _chat_id(self, chat: ChatRef) -> int:
        if isinstance(chat, SandboxUser | SandboxChat):
            return chat.id
        return int(chat)

    def _require_member(self, group: SandboxChat, user: SandboxUser) -> None:
        if group.members.get(user.id) not in PRESENT:
            raise ValueError(f"{user.full_name} is not a member of {group.title!r}")

    def _service(self, group: SandboxChat, by: SandboxUser, content: JSON) -> JSON:
        rec = self.state.add_message(group.id, by, content, None)
        if group.bot_status in ("member", "administrator"):
            self.state.push_update("message", rec.data)
        return snapshot(rec)

    def _my_chat_member(self, chat_id: int, by: SandboxUser, old: str, new: str) -> None:
        st = self.state
        st.push_update(
            "my_chat_member",
            {
                "chat": st.chat_json(chat_id),
                "from": by.to_json(),
                "date": int(time.time()),
                "old_chat_member": member_json(st.bot, old),
                "new_chat_member": member_json(st.bot, new),
            },
        )

    def _chat_member(self, group: SandboxChat, user: SandboxUser, old: str, new: str) -> None:
        if group.bot_status != "administrator":
            return  # only administrators get chat_member updates
        self.state.push_update(
            "chat_member",
            {
                "chat": group.to_json(),
                "from": user.to_json(),
                "date": int(time.time()),
                "old_chat_member": member_json(user, old),
                "new_chat_member": member_json(user, new),
            },
        )
