"""The permission table at the edge: every command and button is registered with its action.

``permitted(action, callback)`` is what each handler module's ``register()`` passes to PTB
instead of the bare callback. PTB's filters are synchronous and see only the update, while a
person's roles live in the database and, for a staff chat's members, behind getChatMember;
so the check runs as the first step of the callback, before the handler's own transaction:

1. roles from one short read (configured ids, ``roles`` rows) — nothing at all for actions
   open to every member;
2. when a staff role would allow the action and the person lacks it (or holds it by a cached
   membership due a re-check), the staff chat is asked: a tap or message inside the
   reviewers' chat proves membership by itself, else getChatMember, outside any transaction;
   the answer is cached as a ``roles`` row (groupbot.permissions);
3. allowed -> the handler runs; refused -> a clear reply in the person's language
   (``permissions.refused.<role>``), an alert for a button, or ``otherwise`` when given.

The services that decide claims or move money check the same table again (they take the
acting member), so a handler that forgot its wrapper still cannot move money.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable

from telegram import ChatMember, Update
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import (
    Application,
    ChatMemberHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

import messages
from groupbot import permissions
from groupbot.people import grant_role, group_by_chat_id, member_by_telegram_id, upsert_member
from groupbot.refusal import Refusal
from groupbot.runtime import Runtime
from handlers.common import locale_of, person, runtime

log = logging.getLogger(__name__)

Callback = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[object]]
_IN_CHAT = {ChatMember.OWNER, ChatMember.ADMINISTRATOR, ChatMember.MEMBER}


def refusal_text(locale: str, refusal: Refusal) -> str:
    """A permission refusal from the table (edge or service) in the person's language."""
    return messages.t(locale, f"permissions.refused.{refusal.params['role']}")


def permitted(action: str, callback: Callback, *, otherwise: Callback | None = None
              ) -> Callback:
    """``callback`` guarded by the table's ``action``; ``otherwise`` replaces the refusal."""
    if action not in permissions.TABLE:
        raise KeyError(f"unknown action {action!r}: declare it in groupbot/permissions.py")

    @functools.wraps(callback)
    async def guarded(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if permissions.open_to_everyone(action):
            await callback(update, context)
            return
        rt = runtime(context)
        refusal = await _refusal(update, context, rt, action)
        if refusal is None:
            await callback(update, context)
        elif otherwise is not None:
            await otherwise(update, context)
        else:
            await _refuse(update, rt, refusal)

    guarded.permits_action = action  # type: ignore[attr-defined]
    return guarded


async def _refusal(update: Update, context: ContextTypes.DEFAULT_TYPE, rt: Runtime,
                   action: str) -> Refusal | None:
    user = update.effective_user
    if user is None or user.is_bot:
        # Anonymous admins and channels write as shared bot accounts (GroupAnonymousBot is
        # the same user in every group): never a staff role, whatever chat it comes from.
        return permissions.check({permissions.ROLE_MEMBER}, action, rt.settings)
    async with rt.tx() as session:
        roles = await permissions.roles_of(session, rt.settings, rt.community_id, user.id,
                                           rt.clock.now())
    names = set(roles.names)
    for role in permissions.roles_to_confirm(action, rt.settings, roles):
        chat_id = permissions.ROLE_SOURCES[role].chat_id(rt.settings)
        assert chat_id is not None
        found = await _in_staff_chat(update, context, chat_id, user.id)
        if found is None:
            continue  # Telegram did not answer: keep what we knew
        async with rt.tx() as session:
            member = await upsert_member(session, person(user))
            await permissions.record_staff_chat_membership(
                session, rt.community_id, member, role, found, rt.clock.now())
        if found:
            names.add(role)
        else:
            names.discard(role)
    refusal = permissions.check(names, action, rt.settings)
    if refusal is not None and await _admin_here(update, context, rt, action):
        return None
    return refusal


async def _admin_here(update: Update, context: ContextTypes.DEFAULT_TYPE, rt: Runtime,
                      action: str) -> bool:
    """An admin of the community group this is sent in is an organizer, even if the bot
    missed the update that would have recorded it (promoted after the group was registered):
    the role is recorded now. For a group the bot does not know yet the handler registers it
    (and its admins) itself."""
    chat = update.effective_chat
    user = update.effective_user
    if (chat is None or user is None or chat.type not in (chat.GROUP, chat.SUPERGROUP)
            or permissions.ROLE_ORGANIZER not in permissions.allowed_roles(action, rt.settings)
            or chat.id in (rt.settings.reviewers_chat_id, rt.settings.admin_chat_id)):
        return False
    try:
        found = await context.bot.get_chat_member(chat.id, user.id)
    except TelegramError:
        return False
    if found.status not in (ChatMember.OWNER, ChatMember.ADMINISTRATOR):
        return False
    async with rt.tx() as session:
        group = await group_by_chat_id(session, chat.id)
        if group is not None and group.community_id == rt.community_id:
            member = await upsert_member(session, person(user))
            await grant_role(session, rt.community_id, member, permissions.ROLE_ORGANIZER,
                             source="group_admin")
    return True


async def _in_staff_chat(update: Update, context: ContextTypes.DEFAULT_TYPE, chat_id: int,
                         user_id: int) -> bool | None:
    """Is the user in the staff chat? None when Telegram could not say."""
    chat = update.effective_chat
    if chat is not None and chat.id == chat_id:
        return True  # they are acting inside it: only members can
    try:
        found = await context.bot.get_chat_member(chat_id, user_id)
    except (BadRequest, Forbidden):
        return False  # not in it (or the bot is not, so nobody is known to be)
    except TelegramError:
        log.warning("getChatMember(%s, %s) failed; membership left as it was", chat_id, user_id)
        return None
    return found.status in _IN_CHAT or bool(getattr(found, "is_member", False))


async def _refuse(update: Update, rt: Runtime, refusal: Refusal) -> None:
    text = refusal_text(locale_of(update, rt), refusal)
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(text)


async def staff_chat_left(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Someone left (or was removed from) a staff chat: their cached staff role goes."""
    rt = runtime(context)
    chat = update.effective_chat
    role = permissions.staff_role_of_chat(rt.settings, chat.id) if chat else None
    if role is None:
        return
    if update.chat_member is not None:
        change = update.chat_member
        if change.new_chat_member.status in _IN_CHAT or getattr(
                change.new_chat_member, "is_member", False):
            return
        user = change.new_chat_member.user
    elif update.effective_message and update.effective_message.left_chat_member:
        user = update.effective_message.left_chat_member
    else:
        return
    async with rt.tx() as session:
        member = await member_by_telegram_id(session, user.id)
        if member is not None:
            await permissions.record_staff_chat_membership(
                session, rt.community_id, member, role, False, rt.clock.now())


def register(app: Application) -> None:
    # Their own handler group: the leave notice also reaches other features' handlers.
    app.add_handler(ChatMemberHandler(staff_chat_left, ChatMemberHandler.CHAT_MEMBER), group=2)
    app.add_handler(MessageHandler(filters.StatusUpdate.LEFT_CHAT_MEMBER, staff_chat_left),
                    group=2)
