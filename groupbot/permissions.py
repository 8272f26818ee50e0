"""Who may do what: the one table of roles and actions, and where roles come from.

Everyone who talks to the bot is a ``member``. On top of that a person may be an
``organizer`` (runs the group-buys), a ``reviewer`` (decides claims and moves money) or an
``agent`` (answers members at the service desk). Roles only add: an organizer is a member too.

The table is enforced twice (issue 11):

* at the edge, in each handler module's ``register()`` (``handlers/permits.py`` wraps every
  command and button with the action it performs and answers a clear refusal), and
* again inside every service that decides a claim or moves money
  (``groupbot.reviews.decisions`` / ``payouts`` / ``auto``): they take the acting member and
  call :func:`refuse`, so no other code path (a stale prompt, a new handler, the CLI) can skip it.

Organizers are not reviewers (finding 4): a group's admins become its organizers
automatically, and approving refunds must not come with admin rights in a chat. A deployment
that wants organizers to review says so explicitly with ``GROUPBOT_ORGANIZERS_MAY_REVIEW``.

Where roles come from (:data:`ROLE_SOURCES`): configured Telegram ids, rows in ``roles``
(group admins become organizers when the bot registers the group), and for staff roles the
members of the staff chat. A member of the reviewers' chat is a reviewer: the edge checks it
with getChatMember the first time that person needs it (or sees them act inside that chat)
and caches the answer as a ``roles`` row with source ``reviewers_chat``; the row's
``created_at`` is when membership was last confirmed and is re-checked after
``GROUPBOT_STAFF_CHAT_RECHECK_HOURS``. Leaving or being removed from the chat deletes it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType

from sqlalchemy import ColumnElement, delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from groupbot.models import ROLE_MEMBER, ROLE_ORGANIZER, ROLE_REVIEWER, Member, Role
from groupbot.refusal import Refusal
from groupbot.settings import Settings

ROLE_AGENT = "agent"  # the service desk's staff
ROLES: tuple[str, ...] = (ROLE_MEMBER, ROLE_ORGANIZER, ROLE_REVIEWER, ROLE_AGENT)

# --- actions -------------------------------------------------------------------------------
# A member's own business
USE_BOT = "use_bot"  # /start, /help, the private chat itself
JOIN_DEAL = "join_deal"  # 接龙: order from a deal card, change or cancel the quantity
VIEW_OWN_ORDERS = "view_own_orders"  # /myorders, order links, confirm / "I received it"
FILE_CLAIM = "file_claim"  # /claim, /claims, the claim steps, more photos when asked
# Organizers run the group-buys
POST_DEAL = "post_deal"  # /deal in a group or guided in the private chat
MARK_SHIPPED = "mark_shipped"  # /ship
MARK_DELIVERED = "mark_delivered"  # /delivered
VIEW_UNDELIVERED = "view_undelivered"  # /undelivered: notices the bot could not deliver
IMPORT_ORDERS = "import_orders"  # storefront CSV import (the operator's `groupbot orders`)
BROADCAST = "broadcast"  # /broadcast, /broadcasts
VIEW_REPORTS = "view_reports"  # after-sales reports (rates by product, batch, courier)
# Reviewers move money
VIEW_QUEUE = "view_queue"  # /queue, taking (holding) a claim
DECIDE_CLAIM = "decide_claim"  # approve, reject, ask for more photos
ADJUST_AMOUNT = "adjust_amount"  # approve with a different refund amount
OFFER_COUPON = "offer_coupon"  # a small-flaw coupon instead of a refund
REVERSE_AUTO_APPROVAL = "reverse_auto_approval"  # withdraw an automatic approval
MARK_PAID = "mark_paid"  # /payouts, mark a refund paid with its reference
RESHIP_GOODS = "reship_goods"  # settle a claim by reshipping or replacing the goods
# Resolutions (issue 15): the organizers' side of returns, reships and stalled parcels
CONFIRM_RETURN = "confirm_return"  # /returned N: the returned goods arrived
VIEW_LOGISTICS = "view_logistics"  # /stalled, /reships, /track of any order
# Staff reading a claim's file
VIEW_CLAIM_HISTORY = "view_claim_history"  # /claim N: the audit trail
# The service desk
DESK_REPLY = "desk_reply"  # answer a member in their desk topic, take, close, transfer, note
ASK_FOR_PERSON = "ask_for_person"  # /service, "talk to a person", rating the conversation
SET_HOURS = "set_hours"  # /hours: the desk's weekly hours and closures
# Aftercare (groupbot/aftercare): return visits, ratings, complaint cases
ANSWER_AFTERCARE = "answer_aftercare"  # rate, opt out of visits, 仍不满意, "solved?"
WORK_CASES = "work_cases"  # /cases, a case's reason, resolving it (desk topic or private)
OPEN_COMPLAINT = "open_complaint"  # /complaint in a member's desk topic
GOODWILL_COUPON = "goodwill_coupon"  # /coupon N in a desk topic: compensates a case
# Finding out why (改善)
ACT_ON_ALERTS = "act_on_alerts"  # batch alerts' actions, /improvements, /supplier

_EVERYONE = frozenset(ROLES)
_REVIEWERS = frozenset({ROLE_REVIEWER})

# The table: action -> the roles that may do it. Declared once; read by handlers/permits.py
# and by the services below. /help lists a role's commands from what it may do.
TABLE: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        USE_BOT: _EVERYONE,
        JOIN_DEAL: _EVERYONE,
        VIEW_OWN_ORDERS: _EVERYONE,
        FILE_CLAIM: _EVERYONE,
        POST_DEAL: frozenset({ROLE_ORGANIZER}),
        MARK_SHIPPED: frozenset({ROLE_ORGANIZER}),
        MARK_DELIVERED: frozenset({ROLE_ORGANIZER}),
        VIEW_UNDELIVERED: frozenset({ROLE_ORGANIZER}),
        IMPORT_ORDERS: frozenset({ROLE_ORGANIZER}),
        BROADCAST: frozenset({ROLE_ORGANIZER}),
        VIEW_REPORTS: frozenset({ROLE_ORGANIZER}),
        VIEW_QUEUE: _REVIEWERS,
        DECIDE_CLAIM: _REVIEWERS,
        ADJUST_AMOUNT: _REVIEWERS,
        OFFER_COUPON: _REVIEWERS,
        REVERSE_AUTO_APPROVAL: _REVIEWERS,
        MARK_PAID: _REVIEWERS,
        RESHIP_GOODS: _REVIEWERS,
        CONFIRM_RETURN: frozenset({ROLE_ORGANIZER}),
        VIEW_LOGISTICS: frozenset({ROLE_ORGANIZER}),
        # Organizers are told about claims past their review deadline; agents answer members
        # about their claims: both read the file, neither decides it.
        VIEW_CLAIM_HISTORY: frozenset({ROLE_REVIEWER, ROLE_ORGANIZER, ROLE_AGENT}),
        DESK_REPLY: frozenset({ROLE_AGENT}),
        ASK_FOR_PERSON: _EVERYONE,
        SET_HOURS: frozenset({ROLE_ORGANIZER}),
        ACT_ON_ALERTS: frozenset({ROLE_ORGANIZER}),
        ANSWER_AFTERCARE: _EVERYONE,
        WORK_CASES: frozenset({ROLE_AGENT, ROLE_REVIEWER, ROLE_ORGANIZER}),
        OPEN_COMPLAINT: frozenset({ROLE_AGENT, ROLE_REVIEWER, ROLE_ORGANIZER}),
        # A coupon is money: the agents working the case and the reviewers, not organizers.
        GOODWILL_COUPON: frozenset({ROLE_AGENT, ROLE_REVIEWER}),
    }
)
ACTIONS: tuple[str, ...] = tuple(TABLE)
# What GROUPBOT_ORGANIZERS_MAY_REVIEW=true adds to the organizers.
REVIEW_ACTIONS: frozenset[str] = frozenset(a for a, roles in TABLE.items() if roles == _REVIEWERS)


def open_to_everyone(action: str) -> bool:
    """Actions every member may do need no roles at all (no database round trip)."""
    return TABLE[action] == _EVERYONE


def allowed_roles(action: str, settings: Settings) -> frozenset[str]:
    roles = TABLE[action]
    if settings.organizers_may_review and action in REVIEW_ACTIONS:
        roles = roles | {ROLE_ORGANIZER}
    return roles


def allows(roles: Iterable[str], action: str, settings: Settings) -> bool:
    return not allowed_roles(action, settings).isdisjoint(roles)


def check(roles: Iterable[str], action: str, settings: Settings) -> Refusal | None:
    """None if one of ``roles`` may do ``action``, else the refusal naming who may."""
    if allows(roles, action, settings):
        return None
    needed = next(r for r in ROLES if r in allowed_roles(action, settings))
    return Refusal.of("not_permitted", action=action, role=needed)


# --- where roles come from -------------------------------------------------------------------


@dataclass(frozen=True)
class RoleSource:
    """A role given by configured Telegram ids and/or by membership of a staff chat."""

    ids_setting: str | None
    chat_setting: str | None = None

    def ids(self, settings: Settings) -> frozenset[int]:
        return getattr(settings, self.ids_setting) if self.ids_setting else frozenset()

    def chat_id(self, settings: Settings) -> int | None:
        return getattr(settings, self.chat_setting) if self.chat_setting else None


# Agents: GROUPBOT_AGENT_IDS, or the members of the service desk's chat.
ROLE_SOURCES: Mapping[str, RoleSource] = MappingProxyType(
    {
        ROLE_ORGANIZER: RoleSource("organizer_ids"),
        ROLE_REVIEWER: RoleSource("reviewer_ids", "reviewers_chat_id"),
        ROLE_AGENT: RoleSource("agent_ids", "service_chat_id"),
    }
)


def staff_chat_source(role: str) -> str:
    """The ``roles.source`` of a role cached from membership of that role's staff chat."""
    return {ROLE_REVIEWER: "reviewers_chat", ROLE_AGENT: "desk_chat"}.get(role, f"{role}_chat")


@dataclass(frozen=True)
class Roles:
    """A person's roles, and the staff-chat roles whose cached membership needs a re-check."""

    names: frozenset[str]
    stale: frozenset[str] = frozenset()


async def roles_of(
    session: AsyncSession, settings: Settings, community_id: int, telegram_id: int,
    now: datetime | None = None,
) -> Roles:
    """Everything that gives this Telegram user a role in the community."""
    names = {ROLE_MEMBER}
    names.update(r for r, src in ROLE_SOURCES.items() if telegram_id in src.ids(settings))
    rows = await session.execute(
        select(Role.role, Role.source, Role.created_at).join(Member, Member.id == Role.member_id)
        .where(Role.community_id == community_id, Member.telegram_id == telegram_id))
    stale: set[str] = set()
    cutoff = None if now is None else now - timedelta(hours=settings.staff_chat_recheck_hours)
    for role, source, confirmed_at in rows.all():
        names.add(role)
        if cutoff is not None and source == staff_chat_source(role) and confirmed_at < cutoff:
            stale.add(role)
    # A configured id never needs a re-check.
    stale -= {r for r, src in ROLE_SOURCES.items() if telegram_id in src.ids(settings)}
    return Roles(frozenset(names), frozenset(stale))


def holders(role: str, settings: Settings, community_id: int) -> ColumnElement[bool]:
    """A condition on ``Member``: the people who hold ``role`` (configured or recorded), e.g.
    the organizers to tell about an order problem or the reviewers to send a card to."""
    recorded = select(Role.member_id).where(Role.community_id == community_id, Role.role == role)
    source = ROLE_SOURCES.get(role)
    configured = source.ids(settings) if source is not None else frozenset()
    return or_(Member.id.in_(recorded), Member.telegram_id.in_(configured))


async def refuse(
    session: AsyncSession, settings: Settings, community_id: int, member: Member | None,
    action: str,
) -> Refusal | None:
    """The service-side check: None if ``member`` may do ``action``, else the refusal."""
    if member is None:
        return check({ROLE_MEMBER}, action, settings)
    roles = await roles_of(session, settings, community_id, member.telegram_id)
    return check(roles.names, action, settings)


def roles_to_confirm(action: str, settings: Settings, roles: Roles) -> list[str]:
    """Staff roles that would allow ``action`` and that a staff chat could confirm now: ones
    this person lacks, or holds only by a cached membership that is due a re-check."""
    wanted = allowed_roles(action, settings)
    settled = roles.names - roles.stale
    if wanted & settled:
        return []
    return [r for r in ROLES if r in wanted and r not in settled
            and (src := ROLE_SOURCES.get(r)) is not None and src.chat_id(settings) is not None]


async def record_staff_chat_membership(
    session: AsyncSession, community_id: int, member: Member, role: str, is_member: bool,
    now: datetime,
) -> None:
    """Cache what the staff chat said: a role row confirmed ``now``, or no row at all."""
    source = staff_chat_source(role)
    row = await session.scalar(select(Role).where(
        Role.community_id == community_id, Role.member_id == member.id, Role.role == role))
    if not is_member:
        if row is not None and row.source == source:
            await session.execute(delete(Role).where(Role.id == row.id))
        return
    if row is not None:
        if row.source == source:
            row.created_at = now  # confirmed again
        return
    try:
        async with session.begin_nested():  # two updates of one person at once: one row wins
            session.add(Role(community_id=community_id, member_id=member.id, role=role,
                             source=source, created_at=now))
    except IntegrityError:
        pass


def staff_role_of_chat(settings: Settings, chat_id: int) -> str | None:
    """The role whose staff chat this is (the reviewers' chat -> reviewer), if any."""
    for role, source in ROLE_SOURCES.items():
        if source.chat_id(settings) == chat_id:
            return role
    return None
