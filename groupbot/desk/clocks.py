"""The desk's clocks, run on every tick: idle close when the agent waits for the member,
escalation when the agent owes the answer (counted in service hours only), the waiting list
put before the agents at opening, and the /desk list.

Silence never closes a conversation in which the member waits for us.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import messages
from groupbot import notify, texts
from groupbot.desk.commands import close
from groupbot.desk.hours import Hours
from groupbot.desk.records import (
    OPEN_STATES,
    desk_locale,
    desk_name,
    hours_of,
    notify_desk,
    notify_member,
    rules,
)
from groupbot.models import ROLE_ORGANIZER, Member, Role
from groupbot.models.desk import CONV_WAITING, OWES_MEMBER, Conversation, DeskTopic
from groupbot.runtime import Runtime


async def _organizers(session: AsyncSession, rt: Runtime) -> list[Member]:
    ids = set(rt.settings.organizer_ids)
    by_role = await session.scalars(select(Member).join(Role, Role.member_id == Member.id).where(
        Role.community_id == rt.community_id, Role.role == ROLE_ORGANIZER))
    found = {m.telegram_id: m for m in by_role}
    for extra in await session.scalars(select(Member).where(Member.telegram_id.in_(ids))):
        found[extra.telegram_id] = extra
    return list(found.values())


async def _escalate(
    session: AsyncSession, rt: Runtime, conv: Conversation, hours: Hours, now: datetime
) -> None:
    minutes = rules(rt).escalate_minutes
    waited = hours.open_seconds(conv.owed_since, now)
    member = await session.get(Member, conv.member_id)
    assert member is not None
    agent = await desk_name(session, conv.agent_id) or messages.t(desk_locale(rt),
                                                                  "desk.agent.nobody")
    if conv.escalated < 1 and waited >= minutes * 60:
        conv.escalated = 1
        buttons = ([[(messages.t(desk_locale(rt), "desk.agent.take_button"),
                      f"desk:take:{conv.id}")]] if conv.state == CONV_WAITING else None)
        notify_desk(session, rt, conv, "desk.agent.escalated", now, general=True,
                    buttons=buttons, number=conv.id, member=member.full_name, agent=agent,
                    minutes=waited // 60)
    if conv.escalated < 2 and waited >= 2 * minutes * 60:
        conv.escalated = 2
        for organizer in await _organizers(session, rt):
            text = messages.t(rt.settings.default_locale, "desk.agent.escalated_organizer",
                              number=conv.id, member=member.full_name, agent=agent,
                              minutes=waited // 60)
            await notify.enqueue(session, rt, notify.Outgoing(
                key=f"desk:{conv.id}:escalated:{int(conv.owed_since.timestamp())}:"
                    f"{organizer.id}",
                kind="desk_escalation", chat_id=organizer.telegram_id,
                message=texts.Safe(text),
                member_id=organizer.id))


async def run_clocks(rt: Runtime, sender: notify.Sender | None = None) -> None:
    """The periodic job (``sender`` unused: everything it says is stored and relayed)."""
    if not rt.settings.desk_chat_ids:
        return
    now = rt.clock.now()
    desk = rules(rt)
    async with rt.tx() as session:
        hours = await hours_of(session, rt)
        convs = list(await session.scalars(select(Conversation).where(
            Conversation.community_id == rt.community_id,
            Conversation.state.in_(OPEN_STATES)).order_by(Conversation.id)))
        for conv in convs:
            if conv.owes == OWES_MEMBER:
                silent = now - conv.owed_since
                if silent >= timedelta(minutes=desk.idle_minutes):
                    await close(session, rt, conv, now, by="idle")
                elif (desk.idle_warning_minutes and not conv.warned and conv.agent_id
                      and silent >= timedelta(minutes=desk.idle_minutes
                                              - desk.idle_warning_minutes)):
                    conv.warned = True
                    notify_member(session, conv, "desk.member.idle_warning", now,
                                  minutes=desk.idle_warning_minutes)
            elif hours.is_open(now):
                await _escalate(session, rt, conv, hours, now)
        if hours.is_open(now):
            await _announce_opening(session, rt, hours, convs, now)


async def _announce_opening(
    session: AsyncSession, rt: Runtime, hours: Hours, convs: list[Conversation], now: datetime
) -> None:
    """At opening, the conversations that waited while we were closed, oldest first."""
    start = next((s for day in (now.astimezone(hours.tz).date(),)
                  for s, e in hours.windows(day) if s <= now < e), None)
    if start is None:
        return
    waiting = [c for c in convs if c.owes != OWES_MEMBER and c.owed_since < start]
    if not waiting:
        return
    locale = desk_locale(rt)
    by_chat: dict[int, list[str]] = {}
    for conv in waiting:
        topic = await session.get(DeskTopic, conv.topic_id)
        member = await session.get(Member, conv.member_id)
        assert topic is not None and member is not None
        by_chat.setdefault(topic.desk_chat_id, []).append(messages.t(
            locale, "desk.agent.opening_line", number=conv.id, member=member.full_name,
            since=conv.owed_since.astimezone(hours.tz).strftime("%m-%d %H:%M")))
    for chat, lines in by_chat.items():
        text = messages.t(locale, "desk.agent.opening", count=len(lines)) + "\n" + "\n".join(lines)
        await notify.enqueue(session, rt, notify.Outgoing(
            key=f"desk:opening:{chat}:{int(start.timestamp())}", kind="desk_opening",
            chat_id=chat, message=texts.Safe(text)))


@dataclass(frozen=True)
class DeskLine:
    number: int
    member: str
    state: str
    agent: str
    waiting_minutes: int | None  # None: the member owes the reply


async def desk_list(session: AsyncSession, rt: Runtime, now: datetime) -> list[DeskLine]:
    """/desk: the open conversations, how long each has waited (service time), who has it."""
    hours = await hours_of(session, rt)
    out = []
    for conv in await session.scalars(select(Conversation).where(
            Conversation.community_id == rt.community_id,
            Conversation.state.in_(OPEN_STATES)).order_by(Conversation.id)):
        member = await session.get(Member, conv.member_id)
        assert member is not None
        waited = None if conv.owes == OWES_MEMBER else hours.open_seconds(conv.owed_since,
                                                                          now) // 60
        out.append(DeskLine(conv.id, member.full_name, conv.state,
                            await desk_name(session, conv.agent_id), waited))
    return out
