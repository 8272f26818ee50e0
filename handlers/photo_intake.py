"""The one path a claim photo takes, for a new claim and for "more photos" alike.

1. a short unit of work reads the draft and decides whether a photo is wanted (room left,
   declared size under the limit — refused before any download) and which tracking numbers
   the order expects;
2. with no transaction and no pooled connection held, the file is downloaded and checked by
   the evidence engine (off the event loop);
3. a read-only session looks for the photo among the community's earlier ones (the re-use
   lookup, done here where the member waits for the check anyway rather than at submit:
   groupbot/reviews/reuse_lookup.py);
4. a second short unit of work records the result in the draft and acknowledges it — after
   that commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from telegram import Message, Update
from telegram.ext import ContextTypes

from groupbot import drafts
from groupbot.models import Draft
from groupbot.photo_check import PhotoCheck, check_photo, too_large
from groupbot.reviews.reuse_lookup import look_back
from handlers.common import Who, runtime
from handlers.processor import slot_released
from handlers.unit import Unit, unit


@dataclass(frozen=True)
class Media:
    """The file of a photo message (a compressed photo, or an image sent as a file)."""

    file_id: str
    file_unique_id: str
    size: int | None


@dataclass(frozen=True)
class PhotoPlan:
    """Decided in the first unit: the photo is wanted; these numbers are expected on it."""

    expected: list[str]


class Intake(Protocol):
    """A draft kind that takes photos (claims, more photos)."""

    def wants_photos(self, draft: Draft) -> bool: ...

    async def plan(self, u: Unit, draft: Draft, media: Media) -> PhotoPlan | None:
        """Room left, size, the expected numbers; None after telling the member why not."""

    async def record(self, u: Unit, draft: Draft, photo: dict[str, Any],
                     check: PhotoCheck) -> None:
        """Store the checked photo in the draft and say so (through ``u.out``)."""


def media_of(message: Message | None) -> Media | None:
    if message is None:
        return None
    if message.photo:
        p = message.photo[-1]
        return Media(p.file_id, p.file_unique_id, p.file_size)
    if message.document is not None:
        d = message.document
        return Media(d.file_id, d.file_unique_id, d.file_size)
    return None


def size_refusal(u: Unit, media: Media) -> str | None:
    """The file is refused by its declared size, before any download."""
    limit = u.rt.settings.max_photo_bytes
    if too_large(media.size, limit):
        return u.t("claims.photo.too_large", mb=limit // (1024 * 1024))
    return None


async def receive(update: Update, context: ContextTypes.DEFAULT_TYPE, kind: str, intake: Intake,
                  media: Media, plan: PhotoPlan) -> None:
    """Steps 2 to 4: download and check outside any transaction, look back, then record."""
    rt = runtime(context)
    async with slot_released():  # other chats' updates run while this one waits
        file = await context.bot.get_file(media.file_id)
        data = bytes(await file.download_as_bytearray())
        check = await check_photo(data, plan.expected, rt.extras.get("evidence"))
    check = await look_back(rt, check)
    async with unit(update, context) as u:
        draft = await drafts.current(u.session, u.w.member, kind)
        if draft is None or not intake.wants_photos(draft):  # cancelled meanwhile
            u.out.reply(u.t("claims.no_draft"))
            return
        if check.problem:
            u.out.reply(u.t(f"claims.photo.{check.problem}"))
            return
        await intake.record(u, draft, {"file_id": media.file_id,
                                       "file_unique_id": media.file_unique_id,
                                       "phash": check.phash, "findings": check.findings}, check)


def feedback_lines(w: Who, check: PhotoCheck, *, goods: bool = True) -> list[str]:
    """What the evidence engine saw on this photo, in a line the member can act on.
    ``goods=False``: a missing item's packing slip or label, where no goods are expected."""
    if not check.checked:
        return []
    if not goods and check.tracking_match is not False:
        key = ("no_waybill" if not check.waybill_found else
               "number_unreadable" if check.tracking_match is None else "all_good")
        return [w.t(f"resolutions.slip.{key}")]
    if check.tracking_match is False:
        key = "number_mismatch"
    elif check.tracking_match is None and check.waybill_found and check.goods_found:
        key = "number_unreadable"
    elif not check.waybill_found and check.goods_found:
        key = "no_waybill"
    elif check.waybill_found and not check.goods_found:
        key = "no_goods"
    elif not check.waybill_found:
        key = "nothing_seen"
    else:
        key = "all_good"
    return [w.t(f"claims.photo.{key}")]

