"""Glue shared by every handler module: the runtime, the member, the locale, replies."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram import User as TgUser
from telegram.ext import ContextTypes

import messages
from groupbot import permissions
from groupbot.models import ROLE_MEMBER, ROLE_ORGANIZER, ROLE_REVIEWER, Member
from groupbot.people import Person, group_by_chat_id, roles_of, upsert_member
from groupbot.runtime import Runtime

RUNTIME_KEY = "groupbot.runtime"

# The private-chat commands of each action of the permission table, in the order /help lists
# them. Handler modules add theirs in register(), so /help never advertises something that
# isn't wired, and shows a person exactly what the table lets them do.
COMMANDS: dict[str, list[str]] = {}


def add_commands(action: str, *names: str) -> None:
    listed = COMMANDS.setdefault(action, [])
    listed.extend(n for n in names if n not in listed)


def commands_for(w: Who) -> list[str]:
    """The commands ``w`` may use: a member's first, then the staff roles'."""
    shown: list[str] = []
    for role in (ROLE_MEMBER, ROLE_REVIEWER, ROLE_ORGANIZER, permissions.ROLE_AGENT):
        for action, names in COMMANDS.items():
            if role in permissions.TABLE[action] and w.may(action):
                shown += [n for n in names if n not in shown]
    return shown


def runtime(context: ContextTypes.DEFAULT_TYPE) -> Runtime:
    return context.application.bot_data[RUNTIME_KEY]


def person(user: TgUser) -> Person:
    return Person(
        telegram_id=user.id,
        first_name=user.first_name,
        last_name=user.last_name,
        username=user.username,
        language_code=user.language_code,
    )


@dataclass
class Who:
    """The member behind an update, their roles and the locale to answer in."""

    member: Member
    roles: set[str]
    locale: str
    tz: ZoneInfo
    # What the permission table lets this person do (groupbot/permissions.py).
    permits: frozenset[str] = frozenset()

    def t(self, key: str, /, **values: object) -> messages.Html:
        return messages.t(self.locale, key, **values)

    @property
    def is_organizer(self) -> bool:
        return ROLE_ORGANIZER in self.roles

    @property
    def is_reviewer(self) -> bool:
        """May decide claims: reviewers only (finding 4: organizers are not reviewers unless
        GROUPBOT_ORGANIZERS_MAY_REVIEW says so)."""
        return self.may(permissions.DECIDE_CLAIM)

    def may(self, action: str) -> bool:
        return action in self.permits


async def who(session: AsyncSession, rt: Runtime, update: Update) -> Who:
    """Load (or create) the member who sent this update."""
    user = update.effective_user
    assert user is not None
    member = await upsert_member(session, person(user))
    roles = await roles_of(session, rt.settings, rt.community_id, member)
    group_locale = None
    chat = update.effective_chat
    if chat is not None and chat.type != chat.PRIVATE:
        group = await group_by_chat_id(session, chat.id)
        group_locale = group.locale if group else None
    locale = messages.pick_locale(member.language_code, group_locale, rt.settings.default_locale)
    permits = frozenset(a for a in permissions.ACTIONS if permissions.allows(roles, a, rt.settings))
    return Who(member=member, roles=roles, locale=locale, tz=rt.settings.tz, permits=permits)


def locale_of(update: Update, rt: Runtime) -> str:
    """Locale without a DB round trip (for errors and fallbacks)."""
    user = update.effective_user
    code = user.language_code if user else None
    return messages.pick_locale(code, None, rt.settings.default_locale)


def keyboard(rows: Sequence[Sequence[tuple[str, str]]]) -> InlineKeyboardMarkup:
    """Rows of (label, callback_data); a value starting with https:// becomes a URL button."""
    built = []
    for row in rows:
        buttons = []
        for label, value in row:
            if value.startswith(("https://", "http://", "tg://")):
                buttons.append(InlineKeyboardButton(label, url=value))
            else:
                assert len(value.encode()) <= 64, f"callback_data over 64 bytes: {value!r}"
                buttons.append(InlineKeyboardButton(label, callback_data=value))
        built.append(buttons)
    return InlineKeyboardMarkup(built)


async def set_bot_commands(bot: Bot) -> None:
    """The command menu in private chats, per language (zh-Hans default, en)."""
    names = list(dict.fromkeys(n for action, listed in COMMANDS.items()
                               if permissions.open_to_everyone(action) for n in listed))
    for locale, language in ((messages.DEFAULT_LOCALE, None), ("en", "en")):
        commands = [BotCommand(n, messages.t(locale, f"commands.{n}")) for n in names]
        await bot.set_my_commands(
            commands, scope=BotCommandScopeAllPrivateChats(), language_code=language
        )
