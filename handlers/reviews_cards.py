"""Posting claim cards to reviewers (evidence sheet + text with buttons) and editing every
posted copy when the claim changes. Both run on the periodic tick, driven by the database.

Sheet and card are posts that must exist once (groupbot.posts): a crash between sending and
recording sends them once more after the restart, never a third time, and an older copy's
buttons keep working (they name the claim)."""

from __future__ import annotations

import asyncio
import logging

from telegram import Bot
from telegram.error import TelegramError

from groupbot import evidence, policy, posts
from groupbot.models import Claim, Post
from groupbot.notify import RetryLater, Sender, SendError
from groupbot.reviews import auto, card, cards, records
from groupbot.runtime import Runtime

log = logging.getLogger(__name__)


async def post_cards(rt: Runtime, sender: Sender) -> None:
    """Post the card of every claim that has none out yet (after a restart too): the intents
    of every reviewer chat's sheet and card are committed with "posted", then sent."""
    async with rt.tx() as session:
        ids = await cards.to_post(session, rt)
    for claim_id in ids:
        if policy.rules_for(rt.settings).auto_approve:
            async with rt.tx() as session:
                await auto.try_auto(session, rt, claim_id)
        async with rt.tx() as session:
            targets = await records.reviewer_chats(session, rt)
            planned = [post_id for target in targets for post_id in await cards.intend_cards(
                session, rt, claim_id, target.chat_id, target.locale)]
            if targets:  # else nobody can be written to yet; /queue still lists it
                await cards.mark_posted(session, rt, claim_id)
        for post_id in planned:
            await posts.deliver(rt, sender, post_id)


async def _draw_sheet(session, rt: Runtime, post: Post) -> cards.SheetPlan | None:
    claim = await session.get(Claim, post.subject_id)
    if claim is None:
        return None
    plan = await cards.sheet_plan(session, claim, (post.data or {})["locale"])
    return plan if plan.file_ids else None


async def _prepare_sheet(rt: Runtime, sender: Sender, plan: cards.SheetPlan
                         ) -> posts.Drawn | None:
    image = await sheet_image(rt, getattr(sender, "bot", None), plan)
    return None if image is None else (plan.title, None, image)


# A second sheet is only noise beside the card (which carries the decision), and its upload
# is a long window for a crash: sent at most once from the moment its request has left.
posts.KINDS[cards.SHEET] = posts.PostKind(_draw_sheet, prepare=_prepare_sheet,
                                          again_if_unanswered=False)


async def sheet_image(rt: Runtime, bot: Bot | None, plan: cards.SheetPlan) -> bytes | None:
    """Download the claim's photos and draw the sheet off the event loop; None on failure
    (the card text still goes out: the sheet helps, it is not needed to decide)."""
    if bot is None:
        return None
    photos: list[bytes | None] = []
    for file_id in plan.file_ids:
        try:
            photos.append(bytes(await (await bot.get_file(file_id)).download_as_bytearray()))
        except TelegramError:
            photos.append(None)
    engine = rt.extras.get("evidence")
    draw = engine.render_sheet if engine is not None else evidence.render_sheet
    try:
        return await asyncio.to_thread(
            draw, photos, plan.findings, plan.verdict, expected=plan.expected,
            reuse=plan.reuse, title=plan.drawn_title, labels=plan.labels, fmt="JPEG")
    except Exception:  # noqa: BLE001 - a drawing bug must not hold the card back
        log.exception("evidence sheet failed")
        return None


async def refresh_cards(rt: Runtime, sender: Sender) -> None:
    """Edit every posted copy that shows an older version of its claim."""
    async with rt.tx() as session:
        edits = []
        for row in await cards.stale(session, rt):
            claim = await session.get(Claim, row.claim_id)
            assert claim is not None
            text, buttons = await card.render(session, rt, claim, row.locale)
            edits.append((row.id, row.chat_id, row.message_id, text, buttons,
                          await cards.version_of(session, claim.id)))
    for row_id, chat_id, message_id, text, buttons, version in edits:
        try:
            await sender.edit(chat_id, message_id, text, buttons)
        except RetryLater:
            continue
        except SendError as exc:  # deleted or gone: do not retry forever
            log.info("card %s not edited: %s", row_id, exc)
        async with rt.tx() as session:
            await cards.edited(session, row_id, version)
