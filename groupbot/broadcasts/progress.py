"""The organizer's view of a broadcast while it goes out: the progress message (posted at the
start, edited at most every ``broadcast_progress_seconds``) and, when no row is left, the final
state and the report (queued in the outbox in the same commit that finishes the broadcast)."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import update

import messages
from groupbot import notify, posts
from groupbot.broadcasts import report
from groupbot.models import Broadcast, BroadcastDelivery, Member, Post
from groupbot.models.broadcasts import (
    BROADCAST_CANCELLED,
    BROADCAST_DONE,
    BROADCAST_SENDING,
    DELIVERY_CANCELLED,
    DELIVERY_PENDING,
)
from groupbot.runtime import Runtime

log = logging.getLogger(__name__)


async def wind_up(rt: Runtime, sender: notify.Sender, broadcast_id: int) -> bool:
    """Nothing in flight: finish the broadcast if no row is left. True when finished."""
    now = rt.clock.now()
    async with rt.tx() as session:
        b = await session.get(Broadcast, broadcast_id)
        if b is None:
            return True
        if b.status == BROADCAST_CANCELLED:  # rows released after the cancel are not sent
            await session.execute(
                update(BroadcastDelivery)
                .where(BroadcastDelivery.broadcast_id == broadcast_id,
                       BroadcastDelivery.status == DELIVERY_PENDING)
                .values(status=DELIVERY_CANCELLED))
        t = await report.tally(session, broadcast_id)
        if t.left:
            return False
        if b.status == BROADCAST_SENDING:
            b.status = BROADCAST_DONE
        b.finished_at = now
        organizer = await session.get(Member, b.organizer_id)
        assert organizer is not None
        # The report goes through the outbox: exactly once, even across a restart.
        await notify.enqueue(session, rt, notify.Outgoing(
            key=f"broadcast:{b.id}:report", kind="broadcast_report",
            chat_id=organizer.telegram_id, message=report.final_report(b, t),
            member_id=organizer.id,
        ))
        chat_id, message_id, text = organizer.telegram_id, b.progress_message_id, report.finished(
            b, t)
    if message_id is not None:
        await _edit(sender, chat_id, message_id, text, None)
    return True


PROGRESS = "broadcast_progress"


async def show(
    rt: Runtime, sender: notify.Sender, broadcast_id: int, *, force: bool = False
) -> None:
    """Post the progress message (a post that must exist once), or edit it if the last edit
    is old enough."""
    now = rt.clock.now()
    every = timedelta(seconds=rt.settings.broadcast_progress_seconds)
    async with rt.tx() as session:
        b = await session.get(Broadcast, broadcast_id)
        if b is None or b.status != BROADCAST_SENDING:
            return
        edited = b.progress_edited_at
        if not force and b.progress_message_id and edited and now - edited < every:
            return
        organizer = await session.get(Member, b.organizer_id)
        assert organizer is not None
        b.progress_edited_at = now
        message_id = b.progress_message_id
        if message_id is None:
            post = await posts.intend(session, rt, key=f"broadcast:{b.id}:progress",
                                      kind=PROGRESS, chat_id=organizer.telegram_id,
                                      subject_id=b.id)
            post_id = post.id
        else:
            chat_id, (text, buttons) = organizer.telegram_id, await _drawn(session, rt, b)
    if message_id is None:
        await posts.deliver(rt, sender, post_id)
    else:
        await _edit(sender, chat_id, message_id, text, buttons)


async def _drawn(session, rt: Runtime, b: Broadcast) -> tuple[str, notify.Buttons]:
    t = await report.tally(session, b.id)
    text = report.progress(b, t, rt.settings.rate_overall_per_second)
    return text, [[(messages.t(b.locale, "broadcasts.stop_button"), f"bcl:s:{b.id}")]]


async def _draw_progress(session, rt: Runtime, post: Post) -> posts.Drawn | None:
    b = await session.get(Broadcast, post.subject_id)
    if b is None or b.status != BROADCAST_SENDING:
        return None  # finished before its progress message went out: the report says it all
    text, buttons = await _drawn(session, rt, b)
    return text, buttons, None


async def _progress_posted(session, rt: Runtime, post: Post, message_id: int) -> None:
    b = await session.get(Broadcast, post.subject_id)
    if b is not None:
        b.progress_message_id = message_id


posts.KINDS[PROGRESS] = posts.PostKind(_draw_progress, _progress_posted)


async def _edit(sender: notify.Sender, chat_id: int, message_id: int, text: str,
                buttons: notify.Buttons | None) -> None:
    try:
        await sender.edit(chat_id, message_id, text, buttons)
    except notify.SendError as exc:  # the progress message is a courtesy: never stop for it
        log.info("progress message %s not edited: %s", message_id, exc)
