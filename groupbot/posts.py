"""Posts that must exist once: the intent is committed before sending, the message id after.

A deal card, a reviewer's evidence sheet and card, a broadcast's progress message: each is a
:class:`~groupbot.models.Post` row recorded in the transaction that makes it necessary (the
deal's own, so no card exists for a deal that does not). After that commit :func:`deliver`
takes the send (a conditional update, so two callers never both send it), sends, and records
the message id (groupbot/sent_records.py), then tells the subject what the id means
(``PostKind.posted``, marked by ``linked_at``). If the process dies between the send and the record, the intent has no
message id: :func:`due_posts` finds it once that process's heartbeat is older than
``process_lease_seconds`` (seconds; ``SEND_LEASE`` when the holder is unknown or is this
process) and it is sent once more — never a third time. Both copies carry the same buttons, and they keep working (they name the deal or
claim, not the message). A send that certainly did not arrive (429, chat gone) does not count.
A kind better lost than doubled (``again_if_unanswered=False``: the deal card, the reviewer
card and the evidence sheet) is marked "not again" the moment its request has been written in
full (handlers/wire.py), so a crash while Telegram is still working on it sends it no second
time; a card whose id that crash cut is adopted by its first tap.

A kind registers how it is drawn (at send time, in the chat's language) and what its message
id means (e.g. the deal's ``card_message_id``) in :data:`KINDS`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from groupbot import notify, sent_records
from groupbot.models import Post
from groupbot.models.scale import ProcessBeat
from groupbot.runtime import Runtime
from groupbot.scale import beats
from groupbot.scale.updates import wall_now

log = logging.getLogger(__name__)

MAX_SENDS = 2  # the first send, and one more after a crash between send and record
SEND_LEASE = timedelta(minutes=2)  # a send younger than this may still be in flight
# A recorded message is linked by its sender a moment later; the periodic job links what a
# crash left after this long (doing it sooner is harmless, only a wasted query).
LINK_GRACE = timedelta(seconds=5)

Drawn = tuple[str, notify.Buttons | None, bytes | None]
Draw = Callable[[AsyncSession, Runtime, Post], Awaitable[Any]]
Prepare = Callable[[Runtime, notify.Sender, Any], Awaitable[Drawn | None]]
Posted = Callable[[AsyncSession, Runtime, Post, int], Awaitable[None]]


@dataclass(frozen=True)
class PostKind:
    # Inside the taking transaction: (text, buttons, photo), or what ``prepare`` needs; None
    # when the post is no longer wanted.
    draw: Draw
    posted: Posted | None = None  # what the message id means to the subject
    # Outside any transaction: slow work before the send (downloading photos, drawing a sheet).
    prepare: Prepare | None = None
    # False: a post better lost than doubled. Once its request has been written in full it is
    # never sent again, even if the process died before Telegram's answer (which it then
    # almost always stored): for an upload that is most of the round trip (the evidence sheet:
    # ~75 ms of resizing before the answer, in benchmarks/crash.py --windows), for a card a
    # text round trip. It is lost only if Telegram refused that request and the process died
    # before the refusal arrived.
    again_if_unanswered: bool = True


KINDS: dict[str, PostKind] = {}


async def intend(session: AsyncSession, rt: Runtime, *, key: str, kind: str, chat_id: int,
                 subject_id: int, data: dict[str, Any] | None = None) -> Post:
    """Record that this post must exist (once; the same key again returns the first)."""
    existing = await session.scalar(select(Post).where(Post.key == key))
    if existing is not None:
        return existing
    # attempted_at reserves the first send for whoever recorded the intent (right after the
    # commit); the periodic retry only takes it once the lease has passed (they crashed).
    now = rt.clock.now()
    post = Post(key=key, kind=kind, community_id=rt.community_id, chat_id=chat_id,
                subject_id=subject_id, data=data, attempts=0, attempted_at=now,
                attempted_by=beats.me(rt), created_at=now)
    session.add(post)
    await session.flush()
    return post


def _takeable(rt: Runtime) -> Any:
    cutoff = rt.clock.now() - SEND_LEASE
    # The process that began the send is dead (silent past its lease): no need to wait.
    holder_dead = (Post.attempted_by != beats.me(rt)) & ~select(ProcessBeat.id).where(
        ProcessBeat.id == Post.attempted_by,
        ProcessBeat.seen_at > wall_now() - timedelta(seconds=rt.settings.process_lease_seconds),
    ).exists()
    return (Post.message_id.is_(None) & (Post.attempts < MAX_SENDS)
            & or_(Post.attempted_at.is_(None), Post.attempted_at <= cutoff, holder_dead))


async def due_posts(session: AsyncSession, rt: Runtime, limit: int = 50) -> list[int]:
    """Intents not posted yet and not being sent now (after a crash, or a failed send)."""
    rows = await session.scalars(
        select(Post.id).where(Post.community_id == rt.community_id, _takeable(rt))
        .order_by(Post.id).limit(limit))
    return list(rows)


async def deliver(rt: Runtime, sender: notify.Sender, post_id: int, *,
                  retry: bool = False) -> int | None:
    """Send one intent if nobody else is sending it; returns the message id when posted.

    The first send belongs to whoever recorded the intent (``retry=False``: only if no send
    was begun); :func:`deliver_due` retries (``retry=True``) once the lease has passed."""
    now = rt.clock.now()
    takeable = _takeable(rt) if retry else (Post.message_id.is_(None) & (Post.attempts == 0))
    async with rt.tx() as session:
        taken = await session.execute(
            update(Post).where(Post.id == post_id, takeable)
            .values(attempts=Post.attempts + 1, attempted_at=now, attempted_by=beats.me(rt))
            .execution_options(synchronize_session=False))
        if taken.rowcount != 1:
            return None
        post = await session.get(Post, post_id, populate_existing=True)
        assert post is not None
        kind, attempts = KINDS[post.kind], post.attempts
        drawn = await kind.draw(session, rt, post)
        if drawn is None:  # no longer wanted (e.g. the broadcast finished meanwhile)
            post.attempts = MAX_SENDS
            return None
        chat_id = post.chat_id
    if kind.prepare is not None and (drawn := await kind.prepare(rt, sender, drawn)) is None:
        await _give_up(rt, post_id)
        return None
    try:
        message_id = await _send(rt, sender, post_id, attempts, kind, chat_id, drawn)
    except (notify.Blocked, notify.ChatGone) as exc:  # never deliverable there
        log.info("post %s not sent: %s", post_id, exc)
        await _give_up(rt, post_id)
        return None
    except (notify.RetryLater, notify.Migrated) as exc:
        # Certainly not delivered: this try does not count; try again after the wait.
        wait = exc.seconds if isinstance(exc, notify.RetryLater) else 0
        async with rt.tx() as session:
            post = await session.get(Post, post_id)
            if post is not None:
                post.attempts = attempts - 1  # this try does not count
                post.attempted_at = now - SEND_LEASE + timedelta(seconds=wait)
        log.info("post %s not sent yet: %s", post_id, exc)
        return None
    except notify.SendError as exc:  # it may have arrived: counts as a send
        log.warning("post %s: send failed, maybe delivered: %s", post_id, exc)
        return None
    # Telegram has it: until the message id is committed a SIGKILL makes whoever takes the
    # row over post it again, so the record goes first and the shortest way (groupbot/
    # sent_records.py); what the id means to the subject follows in a transaction of its own.
    recorder = await sent_records.shared(rt, "posts")
    await recorder.sent_surely(post_id, message_id)
    await _link(rt, post_id)
    return message_id


async def _send(rt: Runtime, sender: notify.Sender, post_id: int, attempts: int,
                kind: PostKind, chat_id: int, drawn: Drawn) -> int:
    text, buttons, photo = drawn
    recorder = await sent_records.shared(rt, "posts")
    with recorder.expecting(post_id):
        if kind.again_if_unanswered:
            return await sender.send(chat_id, text, buttons, photo=photo)
        await sent_records.shared(rt, "posts_written")  # opened now, not while on the wire
        written = notify.request_written.set(partial(_on_the_wire, rt, post_id, attempts))
        try:
            return await sender.send(chat_id, text, buttons, photo=photo)
        finally:
            notify.request_written.reset(written)


async def _on_the_wire(rt: Runtime, post_id: int, attempts: int, written: bool) -> None:
    """``written``: the post's request has left whole, so no second send, answer or not (a
    recorder of its own: on SQLite the mark is in the sent journal within microseconds).
    Else Telegram refused it: the mark goes, so a crash before PTB's retry of a 429 (or
    before the refusal is handled) leaves the post to be sent after the restart."""
    if written:
        recorder = await sent_records.shared(rt, "posts_written")
        await recorder.sent_surely(post_id, 0)
        return
    async with rt.tx() as session:
        post = await session.get(Post, post_id)
        if post is not None and post.message_id is None:
            post.attempts = attempts


_WRITTEN = sent_records.statement("posts_written", (
    update(Post).where(Post.id == bindparam("b_row")).values(attempts=MAX_SENDS)))

_SENT = sent_records.statement("posts", (
    update(Post).where(Post.id == bindparam("b_row"))
    .values(message_id=bindparam("b_message"), sent_at=bindparam("b_at"))))


async def _link(rt: Runtime, post_id: int) -> None:
    """Tell the subject its message (``PostKind.posted``), once: the conditional update makes a
    second caller (the periodic job after a crash right after the record) a no-op."""
    async with rt.tx() as session:
        linked = await session.execute(
            update(Post).where(Post.id == post_id, Post.message_id.is_not(None),
                               Post.linked_at.is_(None))
            .values(linked_at=rt.clock.now()).execution_options(synchronize_session=False))
        if linked.rowcount != 1:
            return
        post = await session.get(Post, post_id, populate_existing=True)
        assert post is not None and post.message_id is not None
        kind = KINDS[post.kind]
        if kind.posted is not None:
            await kind.posted(session, rt, post, post.message_id)


async def _give_up(rt: Runtime, post_id: int) -> None:
    async with rt.tx() as session:
        post = await session.get(Post, post_id)
        if post is not None:
            post.attempts = MAX_SENDS


async def deliver_due(rt: Runtime, sender: notify.Sender) -> None:
    """The periodic job: intents left without a message id (a crash, a refused send), and
    messages recorded but not yet linked to their subject (a crash between the two)."""
    async with rt.tx() as session:
        due = await due_posts(session, rt)
        unlinked = await session.scalars(
            select(Post.id).where(Post.community_id == rt.community_id,
                                  Post.message_id.is_not(None), Post.linked_at.is_(None),
                                  Post.sent_at <= rt.clock.now() - LINK_GRACE)
            .order_by(Post.id).limit(50))
        unlinked = list(unlinked)
    for post_id in unlinked:
        await _link(rt, post_id)
    for post_id in due:
        await deliver(rt, sender, post_id, retry=True)


async def message_of(session: AsyncSession, key: str) -> int | None:
    return await session.scalar(select(Post.message_id).where(Post.key == key))
