"""The bot joining and leaving groups; group admins become the community's organizers.

The bot normally learns of a group from its own ``my_chat_member`` update. If that was missed
(the bot was added while it was down for long, or the database was reset), the group is
registered on the first command an admin sends there: the admin status is checked with
getChatMember, outside any transaction, and then one short transaction records the group."""

from __future__ import annotations

from telegram import ChatMember, ChatMemberUpdated, Update
from telegram.ext import Application, ChatMemberHandler, ContextTypes, MessageHandler, filters

import messages
from groupbot.people import (
    deactivate_group,
    ensure_community,
    group_by_chat_id,
    migrate_group,
    register_group,
)
from handlers.common import locale_of, person, runtime

_IN = {ChatMember.MEMBER, ChatMember.ADMINISTRATOR}


def _joined(change: ChatMemberUpdated) -> bool | None:
    was = change.old_chat_member.status in _IN
    now = change.new_chat_member.status in _IN
    return None if was == now else now


async def bot_membership(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    change = update.my_chat_member
    chat = change.chat
    if chat.type == chat.PRIVATE:
        return
    joined = _joined(change)
    if joined is None:
        return
    rt = runtime(context)
    if not joined:
        async with rt.tx() as session:
            await deactivate_group(session, chat.id)
        return
    if chat.id in (rt.settings.reviewers_chat_id, rt.settings.admin_chat_id,
                   *rt.settings.desk_chat_ids):
        # A staff chat is not a community group: no broadcasts or deals go there, and its
        # admins don't become organizers.
        staff = "desk.agent.connected" if chat.id in rt.settings.desk_chat_ids else "group.staff"
        await context.bot.send_message(chat.id, messages.t(locale_of(update, rt), staff))
        return
    admins = [person(a.user) for a in await chat.get_administrators() if not a.user.is_bot]
    async with rt.tx() as session:
        community = await ensure_community(session, rt.settings)
        _group, created = await register_group(
            session,
            community,
            chat_id=chat.id,
            title=chat.title or str(chat.id),
            chat_type=chat.type,
            admins=admins,
        )
    if created:
        locale = locale_of(update, rt)
        await context.bot.send_message(
            chat.id, messages.t(locale, "group.registered", title=chat.title or "")
        )


KNOWN_KEY = "groupbot.known_groups"
_ADMIN = {ChatMember.ADMINISTRATOR, ChatMember.OWNER}


async def register_on_first_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Runs before every other handler (its own handler group) for commands in groups; staff
    chats (the reviewers', the admin's, the service desk's) are never community groups."""
    chat, user = update.effective_chat, update.effective_user
    rt = runtime(context)
    known: set[int] = context.bot_data.setdefault(KNOWN_KEY, set())
    if chat is None or user is None or chat.id in known or chat.id in (
            rt.settings.reviewers_chat_id, rt.settings.admin_chat_id, *rt.settings.desk_chat_ids):
        return
    async with rt.tx() as session:
        group = await group_by_chat_id(session, chat.id)
    if group is not None:
        known.add(chat.id)
        return
    status = (await context.bot.get_chat_member(chat.id, user.id)).status
    if status not in _ADMIN:
        return  # a member's command in an unknown group: nothing to learn from it
    async with rt.tx() as session:
        community = await ensure_community(session, rt.settings)
        _group, created = await register_group(
            session, community, chat_id=chat.id, title=chat.title or str(chat.id),
            chat_type=chat.type, admins=[person(user)])
    known.add(chat.id)
    if created:
        await context.bot.send_message(
            chat.id, messages.t(locale_of(update, rt), "group.registered", title=chat.title or ""))


async def group_migrated(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    rt = runtime(context)
    async with rt.tx() as session:
        await migrate_group(session, message.chat_id, message.migrate_to_chat_id)


FIRST_GROUP = -3  # before the analytics answers (-2) and the service desk (-1)


def register(app: Application) -> None:
    app.add_handler(ChatMemberHandler(bot_membership, ChatMemberHandler.MY_CHAT_MEMBER))
    # A group of its own, so the command's real handler (any group) still runs after it.
    app.add_handler(MessageHandler(filters.ChatType.GROUPS & filters.COMMAND,
                                   register_on_first_command), group=FIRST_GROUP)
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, group_migrated))
