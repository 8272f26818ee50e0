"""Members, groups and roles: who someone is in a community."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from groupbot import permissions
from groupbot.models import (
    ROLE_MEMBER,
    ROLE_ORGANIZER,
    ROLE_REVIEWER,
    Community,
    Group,
    Member,
    Role,
)
from groupbot.settings import Settings

if TYPE_CHECKING:
    from groupbot.runtime import Runtime


@dataclass(frozen=True)
class Person:
    """A Telegram user as the services see it (no telegram import here)."""

    telegram_id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None


async def ensure_community(session: AsyncSession, settings: Settings) -> Community:
    """The deployment's community: one process serves one community by default."""
    community = await session.scalar(select(Community).order_by(Community.id).limit(1))
    if community is None:
        community = Community(title=settings.community_title, locale=None)
        session.add(community)
        await session.flush()
    return community


def _insert_ignoring_duplicates(session: AsyncSession, model: type, unique: list[str],
                                **values: object) -> Any:
    """INSERT … ON CONFLICT DO NOTHING (SQLite and PostgreSQL): two updates creating the same
    row at once (the bot added to a group while that admin's /start runs) both succeed."""
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    return insert(model).values(**values).on_conflict_do_nothing(index_elements=unique)


async def upsert_member(session: AsyncSession, person: Person) -> Member:
    member = await session.scalar(select(Member).where(Member.telegram_id == person.telegram_id))
    if member is None:
        await session.execute(_insert_ignoring_duplicates(
            session, Member, ["telegram_id"], telegram_id=person.telegram_id,
            first_name=person.first_name, last_name=person.last_name,
            username=person.username, language_code=person.language_code))
        member = await session.scalar(
            select(Member).where(Member.telegram_id == person.telegram_id))
        assert member is not None
    # Names and languages change; keep what Telegram tells us last.
    member.first_name = person.first_name
    member.last_name = person.last_name
    member.username = person.username
    if person.language_code:
        member.language_code = person.language_code
    return member


async def member_by_telegram_id(session: AsyncSession, telegram_id: int) -> Member | None:
    return await session.scalar(select(Member).where(Member.telegram_id == telegram_id))


def mark_started(member: Member, now: datetime) -> bool:
    """Record that the member opened a private chat; True the first time (or after a block)."""
    first = member.started_at is None or member.blocked_at is not None
    if member.started_at is None:
        member.started_at = now
    member.blocked_at = None
    return first



async def roles_of(
    session: AsyncSession, settings: Settings, community_id: int, member: Member
) -> set[str]:
    """Everything that gives the member a role (groupbot.permissions says where roles come from)."""
    found = await permissions.roles_of(session, settings, community_id, member.telegram_id)
    return set(found.names)


def main_role(roles: set[str]) -> str:
    for role in (ROLE_ORGANIZER, ROLE_REVIEWER):
        if role in roles:
            return role
    return ROLE_MEMBER


async def grant_role(
    session: AsyncSession, community_id: int, member: Member, role: str, source: str = "granted"
) -> None:
    exists = await session.scalar(
        select(Role.id).where(
            Role.community_id == community_id, Role.member_id == member.id, Role.role == role
        )
    )
    if exists is None:
        await session.execute(_insert_ignoring_duplicates(
            session, Role, ["community_id", "member_id", "role"], community_id=community_id,
            member_id=member.id, role=role, source=source))


async def register_group(
    session: AsyncSession,
    community: Community,
    *,
    chat_id: int,
    title: str,
    chat_type: str,
    admins: Iterable[Person],
) -> tuple[Group, bool]:
    """Remember a group the bot was added to; its admins become the community's organizers."""
    group = await session.scalar(select(Group).where(Group.chat_id == chat_id))
    created = group is None
    if group is None:
        group = Group(
            community_id=community.id, chat_id=chat_id, title=title, chat_type=chat_type
        )
        session.add(group)
    else:
        group.title, group.chat_type, group.active = title, chat_type, True
    await session.flush()
    for admin in admins:
        member = await upsert_member(session, admin)
        await grant_role(session, community.id, member, ROLE_ORGANIZER, source="group_admin")
    return group, created


async def deactivate_group(session: AsyncSession, chat_id: int) -> Group | None:
    group = await session.scalar(select(Group).where(Group.chat_id == chat_id))
    if group is not None:
        group.active = False
    return group


async def group_by_chat_id(session: AsyncSession, chat_id: int) -> Group | None:
    return await session.scalar(select(Group).where(Group.chat_id == chat_id))


async def migrate_group(session: AsyncSession, old_chat_id: int, new_chat_id: int) -> None:
    """A group became a supergroup: Telegram gives it a new id, keep everything else."""
    group = await group_by_chat_id(session, old_chat_id)
    if group is not None and await group_by_chat_id(session, new_chat_id) is None:
        group.chat_id = new_chat_id
        group.chat_type = "supergroup"



async def active_groups(session: AsyncSession, rt_or_community: object) -> list[Group]:
    """The community's groups the bot is still in, by title."""
    community_id = getattr(rt_or_community, "community_id", rt_or_community)
    rows = await session.scalars(
        select(Group).where(Group.community_id == community_id, Group.active.is_(True))
        .order_by(Group.title)
    )
    return list(rows)


async def organizers_reachable(session: AsyncSession, rt: Runtime) -> list[Member]:
    """Organizers (configured or group admins) who have opened a private chat with the bot."""
    rows = await session.scalars(
        select(Member).where(
            permissions.holders(ROLE_ORGANIZER, rt.settings, rt.community_id),
            Member.started_at.is_not(None),
            Member.blocked_at.is_(None),
        )
    )
    return list(rows)


# --- who someone is, remembered per process for read-only updates ----------------------------
#
# A /help needs the member's roles and language, which change rarely; reading them (and
# committing an empty transaction) on every update is most of what a read-only command
# costs. ``KnownPeople`` keeps what was loaded for a short time. It is dropped at once, in this
# process, whenever any role row is written (the listeners below see every write to ``roles``,
# ORM or statement) and again after that commit; other processes forget within the TTL. Only
# read-only answers use it: a permission check for a staff action reads the roles afresh.

KNOWN_TTL_SECONDS = 30.0
_roles_generation = 0


def roles_changed() -> None:
    """Every remembered person is stale (a role was granted or withdrawn)."""
    global _roles_generation
    _roles_generation += 1


class KnownPeople:
    """Values (the handlers' ``Who``) keyed by person and chat, valid while nobody's roles
    changed, for ``KNOWN_TTL_SECONDS``, and only for the same ``Person`` (names, language)."""

    def __init__(self, ttl: float = KNOWN_TTL_SECONDS, clock: Any = time.monotonic) -> None:
        self.ttl, self.clock = ttl, clock
        self._known: dict[tuple[int, int], tuple[Person, int, float, Any]] = {}

    def get(self, person: Person, chat_id: int) -> Any | None:
        found = self._known.get((person.telegram_id, chat_id))
        if found is None:
            return None
        seen, generation, until, value = found
        if seen != person or generation != _roles_generation or self.clock() > until:
            del self._known[(person.telegram_id, chat_id)]
            return None
        return value

    def put(self, person: Person, chat_id: int, value: Any, generation: int) -> None:
        if generation != _roles_generation:
            return  # roles changed while it was being read
        if len(self._known) > 50_000:  # a flood of new people: start over rather than grow
            self._known.clear()
        self._known[(person.telegram_id, chat_id)] = (
            person, generation, self.clock() + self.ttl, value)


def roles_generation() -> int:
    return _roles_generation


def _writes_roles(statement: Any) -> bool:
    table = getattr(statement, "table", None)
    return getattr(table, "name", None) == Role.__tablename__


@event.listens_for(Session, "do_orm_execute")
def _role_statement(state: ORMExecuteState) -> None:
    if (state.is_insert or state.is_update or state.is_delete) and _writes_roles(
            state.statement):
        roles_changed()
        state.session.info["roles_changed"] = True


@event.listens_for(Session, "after_flush")
def _role_objects(session: Session, _flush: UOWTransaction) -> None:
    if any(isinstance(o, Role) for o in (*session.new, *session.dirty, *session.deleted)):
        roles_changed()
        session.info["roles_changed"] = True


@event.listens_for(Session, "after_commit")
def _roles_committed(session: Session) -> None:
    # Again after the commit: a read between the write and the commit saw the old roles.
    if session.info.pop("roles_changed", False):
        roles_changed()
