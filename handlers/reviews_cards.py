"""Posting claim cards to reviewers (evidence sheet + text with buttons) and editing every
posted copy when the claim changes. Both run on the periodic tick, driven by the database."""

from __future__ import annotations

import asyncio
import logging

from telegram import Bot
from telegram.error import TelegramError

from groupbot import evidence, policy
from groupbot.models import Claim, ReviewCard
from groupbot.notify import RetryLater, Sender, SendError
from groupbot.reviews import auto, card, cards, records
from groupbot.runtime import Runtime

log = logging.getLogger(__name__)


async def post_cards(rt: Runtime, sender: Sender) -> None:
    """Post the card of every claim that has none out yet (after a restart too)."""
    async with rt.tx() as session:
        ids = await cards.to_post(session, rt)
    for claim_id in ids:
        if policy.rules_for(rt.settings).auto_approve:
            async with rt.tx() as session:
                await auto.try_auto(session, rt, claim_id)
        async with rt.tx() as session:
            targets = await records.reviewer_chats(session, rt)
        if not targets:
            continue  # nobody can be written to yet; /queue still lists it
        try:
            for target in targets:
                await post_card(rt, sender, claim_id, target.chat_id, target.locale)
        except SendError:
            log.warning("card for claim %s not posted; retrying on the next tick", claim_id)
            continue
        async with rt.tx() as session:
            await cards.mark_posted(session, rt, claim_id)


async def post_card(rt: Runtime, sender: Sender, claim_id: int, chat_id: int, locale: str,
                    *, sheet: bool = True) -> int | None:
    """The sheet image, then the card text; a chat that already has this card is skipped."""
    async with rt.tx() as session:
        if await cards.posted_in(session, claim_id, chat_id):
            return None
        claim = await session.get(Claim, claim_id)
        assert claim is not None
        version = await cards.version_of(session, claim_id)
        text, buttons = await card.render(session, rt, claim, locale)
        plan = await cards.sheet_plan(session, claim, locale) if sheet else None
    if plan is not None and plan.file_ids:
        image = await sheet_image(rt, getattr(sender, "bot", None), plan)
        if image is not None:
            await sender.send(chat_id, plan.title, None, photo=image)
    message_id = await sender.send(chat_id, text, buttons)
    async with rt.tx() as session:
        await cards.record(session, claim_id, chat_id, message_id, locale, version)
    return message_id


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
            row = await session.get(ReviewCard, row_id)
            if row is not None:
                row.version = max(row.version, version)
