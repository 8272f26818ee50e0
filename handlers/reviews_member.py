"""The member's side of "more photos": the button under the reviewer's request opens a photo
draft for the same claim; "done" puts the claim back in the queue at its original place."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

import handlers.drafts
from groupbot import drafts, orders, policy
from groupbot.models import Claim, Draft, Order
from groupbot.permissions import FILE_CLAIM
from groupbot.photo_check import check_photo, too_large
from groupbot.reviews import more_photos
from groupbot.reviews.decisions import Outcome
from handlers.claims import _feedback
from handlers.common import Who, keyboard, runtime, who
from handlers.permits import permitted
from handlers.reviews_text import refusal
from handlers.ticks import kick


def _done_button(w: Who) -> list[list[tuple[str, str]]]:
    return [[(w.t("reviews.more.done_button"), "cl:mdone")]]


async def add_photos_tap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    claim_id = int(query.data.rsplit(":", 1)[1])
    rt = runtime(context)
    async with rt.tx() as session:
        w = await who(session, rt, update)
        result = await more_photos.begin(session, rt, w.member, claim_id)
        room = await more_photos.room(session, rt, result) if isinstance(result, Draft) else 0
    if isinstance(result, Outcome):
        await query.answer(refusal(w, result, rt), show_alert=True)
        return
    await query.answer()
    await query.message.reply_text(w.t("reviews.more.ask", claim=claim_id, room=room))


async def done_tap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    rt = runtime(context)
    async with rt.tx() as session:
        w = await who(session, rt, update)
        draft = await drafts.current(session, w.member, more_photos.KIND)
        result = (await more_photos.finish(session, rt, w.member, draft) if draft is not None
                  else Outcome(False, "not_waiting", {"claim": "?"}))
    if not result.ok:
        await query.answer(refusal(w, result, rt), show_alert=True)
        return
    await query.answer()
    await query.edit_message_reply_markup(None)
    await query.message.reply_text(w.t("reviews.more.done", **result.params))
    kick(context)


async def photo_input(update: Update, context, session, w: Who, draft: Draft) -> None:
    """A photo (or anything else) while the member is adding photos to a claim."""
    rt = runtime(context)
    message = update.effective_message
    media = message.photo[-1] if message.photo else message.document
    if media is None:
        await message.reply_text(w.t("reviews.more.expecting"))
        return
    if await more_photos.room(session, rt, draft) <= 0:
        await message.reply_text(w.t("reviews.more.full", max=policy.rules_for(rt.settings).max_photos),
                                 reply_markup=keyboard(_done_button(w)))
        return
    if too_large(media.file_size, rt.settings.max_photo_bytes):  # before any download
        mb = rt.settings.max_photo_bytes // (1024 * 1024)
        await message.reply_text(w.t("claims.photo.too_large", mb=mb))
        return
    claim = await session.get(Claim, draft.data["claim_id"])
    order = await session.get(Order, claim.order_id) if claim else None
    data = bytes(await (await media.get_file()).download_as_bytearray())
    check = await check_photo(data, orders.tracking_numbers(order) if order else [],
                              rt.extras.get("evidence"))
    if check.problem:
        await message.reply_text(w.t(f"claims.photo.{check.problem}"))
        return
    if not more_photos.add(rt, draft, {"file_id": media.file_id,
                                       "file_unique_id": media.file_unique_id,
                                       "phash": check.phash, "findings": check.findings}):
        await message.reply_text(w.t("reviews.more.duplicate"))
        return
    head = w.t("reviews.more.received", count=len(draft.data["photos"]))
    text = _feedback(w, check, len(draft.data["photos"]), policy.rules_for(rt.settings).max_photos)
    # The claims flow's instant feedback (waybill, number, goods) without its own counter line.
    tail = text.split("\n", 1)[1] if "\n" in text else ""
    await message.reply_text(head + ("\n" + tail if tail else ""),
                             reply_markup=keyboard(_done_button(w)))


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(permitted(FILE_CLAIM, add_photos_tap),
                                         pattern=r"^cl:more:\d+$"))
    app.add_handler(CallbackQueryHandler(permitted(FILE_CLAIM, done_tap), pattern=r"^cl:mdone$"))
    handlers.drafts.route(more_photos.KIND, photo_input)
