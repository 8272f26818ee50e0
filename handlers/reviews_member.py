"""The member's side of "more photos": the button under the reviewer's request opens a photo
draft for the same claim; "done" puts the claim back in the queue at its original place.
Photos take the same intake path as a new claim's (handlers/photo_intake.py)."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CallbackQueryHandler

import handlers.drafts
from groupbot import drafts, orders, policy
from groupbot.models import Claim, Draft, Order
from groupbot.permissions import FILE_CLAIM
from groupbot.photo_check import PhotoCheck
from groupbot.refusal import Refusal
from groupbot.reviews import more_photos
from handlers import photo_intake
from handlers.common import Who
from handlers.permits import permitted
from handlers.reviews_text import refusal
from handlers.unit import Unit, unit_of_work


def _done_button(w: Who) -> list[list[tuple[str, str]]]:
    return [[(w.t("reviews.more.done_button"), "cl:mdone")]]


@unit_of_work
async def add_photos_tap(u: Unit) -> None:
    claim_id = int(u.data.rsplit(":", 1)[1])
    result = await more_photos.begin(u.session, u.rt, u.w.member, claim_id)
    if isinstance(result, Refusal):
        u.out.answer(refusal(u.w, result, u.rt), alert=True)
        return
    room = await more_photos.room(u.session, u.rt, result)
    u.out.reply(u.t("reviews.more.ask", claim=claim_id, room=room))


@unit_of_work
async def done_tap(u: Unit) -> None:
    draft = await drafts.current(u.session, u.w.member, more_photos.KIND)
    result = (await more_photos.finish(u.session, u.rt, u.w.member, draft) if draft is not None
              else Refusal.of("not_waiting", claim="?"))
    if not result.ok:
        u.out.answer(refusal(u.w, result, u.rt), alert=True)
        return
    u.out.markup(None)
    u.out.reply(u.t("reviews.more.done", **result.params))
    u.out.kick()


async def expecting(u: Unit, draft: Draft) -> None:
    """Anything but a photo while the member is adding photos to a claim."""
    u.out.reply(u.t("reviews.more.expecting"))


class MorePhotos:
    """The "more photos" draft's side of the photo intake."""

    def wants_photos(self, draft: Draft) -> bool:
        return True

    async def plan(self, u: Unit, draft: Draft,
                   media: photo_intake.Media) -> photo_intake.PhotoPlan | None:
        if await more_photos.room(u.session, u.rt, draft) <= 0:
            u.out.reply(u.t("reviews.more.full", max=policy.rules_for(u.rt.settings).max_photos),
                        _done_button(u.w))
            return None
        if (too_big := photo_intake.size_refusal(u, media)) is not None:
            u.out.reply(too_big)
            return None
        claim = await u.session.get(Claim, draft.data["claim_id"])
        order = await u.session.get(Order, claim.order_id) if claim else None
        return photo_intake.PhotoPlan(orders.tracking_numbers(order) if order else [])

    async def record(self, u: Unit, draft: Draft, photo: dict[str, Any],
                     check: PhotoCheck) -> None:
        if not more_photos.add(u.rt, draft, photo):
            u.out.reply(u.t("reviews.more.duplicate"))
            return
        head = u.t("reviews.more.received", count=len(draft.data["photos"]))
        u.out.reply("\n".join([head, *photo_intake.feedback_lines(u.w, check)]),
                    _done_button(u.w))


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(permitted(FILE_CLAIM, add_photos_tap),
                                         pattern=r"^cl:more:\d+$"))
    app.add_handler(CallbackQueryHandler(permitted(FILE_CLAIM, done_tap), pattern=r"^cl:mdone$"))
    handlers.drafts.route(more_photos.KIND, expecting, MorePhotos())
