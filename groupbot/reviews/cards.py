"""Which cards to post and which posted copies to edit, kept in the database so that a
restart neither loses a card nor posts one twice (the tick picks up what is left)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

import messages
from groupbot import posts
from groupbot.evidence import ClaimVerdict, PhotoFindings, ReuseMatch, verdict
from groupbot.evidence.fonts import supports_cjk
from groupbot.models import Claim, ClaimReview, Post, ReviewCard
from groupbot.models.claims import CLAIM_MORE_PHOTOS
from groupbot.models.reviews import CARD_TO_POST, CARDS_STALE
from groupbot.reviews import card
from groupbot.reviews.evidence import findings_of, tracking_of
from groupbot.runtime import Runtime


async def to_post(session: AsyncSession, rt: Runtime, limit: int = 10) -> list[int]:
    """Claims whose card is not out yet (new, or back with more photos), oldest first.

    Read from the partial index of review rows without a posted card (``CARD_TO_POST``), so
    the cost does not grow with the pending backlog; every claim gets its review row when it
    is submitted (revision 0014 gave one to the claims from before those rows existed)."""
    # An IN over the few review rows, not a join: given a join, SQLite walks every pending
    # claim of the community in queue order and looks up each one's review row.
    wanting = select(ClaimReview.claim_id).where(text(CARD_TO_POST)).scalar_subquery()
    rows = await session.scalars(
        select(Claim.id)
        .where(Claim.id.in_(wanting), Claim.community_id == rt.community_id,
               Claim.status != CLAIM_MORE_PHOTOS)
        .order_by(Claim.submitted_at, Claim.id).limit(limit))
    return list(rows)


async def mark_posted(session: AsyncSession, rt: Runtime, claim_id: int) -> None:
    review = await session.scalar(select(ClaimReview).where(ClaimReview.claim_id == claim_id))
    if review is not None:
        review.card_posted_at = rt.clock.now()


async def _round(session: AsyncSession, claim_id: int) -> int:
    value = await session.scalar(select(ClaimReview.card_round)
                                 .where(ClaimReview.claim_id == claim_id))
    return int(value or 1)


async def record(session: AsyncSession, claim_id: int, chat_id: int, message_id: int,
                 locale: str, version: int) -> None:
    """Remember a posted copy and the version it shows (a newer one gets it edited)."""
    session.add(ReviewCard(claim_id=claim_id, chat_id=chat_id, message_id=message_id,
                           locale=locale, version=version,
                           card_round=await _round(session, claim_id)))
    await session.flush()
    await _keep_cards_version(session, claim_id)


async def _known_copy(session: AsyncSession, chat_id: int, message_id: int) -> bool:
    return await session.scalar(select(ReviewCard.id).where(
        ReviewCard.chat_id == chat_id, ReviewCard.message_id == message_id)) is not None


async def adopt_copy(session: AsyncSession, claim_id: int, chat_id: int, message_id: int,
                     locale: str) -> bool:
    """A tap on a copy of the claim's card that is not recorded: one posted again after a
    crash between its send and its record (the duplicate window groupbot/posts.py leaves).
    It becomes a known copy showing version 0, so the card refresh brings it up to date like
    the others instead of leaving its stale buttons for good. False when it was known."""
    if await _known_copy(session, chat_id, message_id) or await session.get(Claim, claim_id) is None:
        return False
    # Drawn in the language of the chat's other copies of this claim, as its sibling was.
    sibling = await session.scalar(select(ReviewCard.locale).where(
        ReviewCard.claim_id == claim_id, ReviewCard.chat_id == chat_id).limit(1))
    await record(session, claim_id, chat_id, message_id, sibling or locale, 0)
    return True


async def edited(session: AsyncSession, card_id: int, version: int) -> None:
    """A posted copy now shows ``version`` (or cannot be edited any more: it stops asking)."""
    row = await session.get(ReviewCard, card_id)
    if row is not None:
        row.version = max(row.version, version)
        await session.flush()
        await _keep_cards_version(session, row.claim_id)


async def _keep_cards_version(session: AsyncSession, claim_id: int) -> None:
    """``claim_reviews.cards_version`` = the oldest version a copy shows, so that the stale
    scan reads only the claims whose copies lag (partial index ``CARDS_STALE``)."""
    oldest = (select(func.min(ReviewCard.version)).where(ReviewCard.claim_id == claim_id)
              .scalar_subquery())
    await session.execute(update(ClaimReview).where(ClaimReview.claim_id == claim_id)
                          .values(cards_version=oldest))


SHEET, CARD = "review_sheet", "review_card"


async def intend_cards(session: AsyncSession, rt: Runtime, claim_id: int, chat_id: int,
                       locale: str) -> list[int]:
    """Record that ``chat_id`` gets the claim's evidence sheet and card (this round), unless
    it has them; the posts go out after the commit (groupbot.posts), the sheet first."""
    if await posted_in(session, claim_id, chat_id):
        return []
    claim = await session.get(Claim, claim_id)
    assert claim is not None
    round_ = await _round(session, claim_id)
    kinds = ([SHEET] if claim.photos else []) + [CARD]
    return [(await posts.intend(session, rt, key=f"claim:{claim_id}:r{round_}:{kind}:{chat_id}",
                                kind=kind, chat_id=chat_id, subject_id=claim_id,
                                data={"locale": locale})).id for kind in kinds]


async def _draw_card(session: AsyncSession, rt: Runtime, post: Post) -> posts.Drawn | None:
    claim = await session.get(Claim, post.subject_id)
    if claim is None:
        return None
    version = await version_of(session, claim.id)
    post.data = {**(post.data or {}), "version": version}  # the version this copy shows
    text, buttons = await card.render(session, rt, claim, post.data["locale"])
    return text, buttons, None


async def _card_posted(session: AsyncSession, rt: Runtime, post: Post, message_id: int) -> None:
    assert post.data is not None
    if await _known_copy(session, post.chat_id, message_id):
        return  # a reviewer tapped it before it was linked (a crash between): adopted then
    await record(session, post.subject_id, post.chat_id, message_id, post.data["locale"],
                 post.data["version"])


# Not posted again once its request has left (groupbot/posts.py): a card whose answer a
# crash cut is adopted by its first tap (adopt_copy), like a second copy.
posts.KINDS[CARD] = posts.PostKind(_draw_card, _card_posted, again_if_unanswered=False)


async def posted_in(session: AsyncSession, claim_id: int, chat_id: int) -> bool:
    """Whether this chat has the claim's current card (a retry must not post it twice)."""
    found = await session.scalar(select(ReviewCard.id).where(
        ReviewCard.claim_id == claim_id, ReviewCard.chat_id == chat_id,
        ReviewCard.card_round == await _round(session, claim_id)).limit(1))
    return found is not None


async def stale(session: AsyncSession, rt: Runtime, limit: int = 30) -> list[ReviewCard]:
    """Posted copies showing an older version than their claim's, oldest copy first.

    Two steps, each on an index: the few lagging claims (partial index ``CARDS_STALE``), then
    their copies by claim. As one join, PostgreSQL (which cannot estimate a column-to-column
    comparison) walks every posted copy in id order instead."""
    lagging = list(await session.scalars(
        select(ClaimReview.claim_id).where(text(CARDS_STALE))))
    if not lagging:
        return []
    rows = await session.scalars(
        select(ReviewCard).join(ClaimReview, ClaimReview.claim_id == ReviewCard.claim_id)
        .join(Claim, Claim.id == ReviewCard.claim_id)
        .where(ReviewCard.claim_id.in_(lagging), Claim.community_id == rt.community_id,
               ReviewCard.version < ClaimReview.version)
        .order_by(ReviewCard.id).limit(limit))
    return list(rows)


async def version_of(session: AsyncSession, claim_id: int) -> int:
    value = await session.scalar(select(ClaimReview.version)
                                 .where(ClaimReview.claim_id == claim_id))
    return int(value or 0)


@dataclass(frozen=True)
class SheetPlan:
    """What the handler needs to draw the evidence sheet: the photos to download and the
    findings, verdict and re-use matches to draw over them."""

    file_ids: list[str]
    findings: list[PhotoFindings]
    verdict: ClaimVerdict | None
    reuse: list[ReuseMatch | None]
    expected: list[str]
    title: str  # the photo's caption, in the chat's language
    labels: dict[str, str]
    drawn_title: str  # the title drawn on the image (English without a CJK font)


async def sheet_plan(session: AsyncSession, claim: Claim, locale: str) -> SheetPlan:
    expected = await tracking_of(session, claim.order_id)
    found = [findings_of(p.findings) for p in claim.photos]
    findings = [f or PhotoFindings(error="not_checked") for f in found]
    by_photo: dict[int, Any] = {r["photo"]: r for r in (claim.evidence or {}).get("reused", [])}
    reuse = [
        ReuseMatch(by_photo[i]["claim_id"], by_photo[i]["kind"], by_photo[i]["distance"],
                   claim_number=f"#{by_photo[i]['claim_id']}") if i in by_photo else None
        for i in range(1, len(findings) + 1)
    ]
    checked = all(f is not None for f in found) and found
    v = verdict(findings, reuse, expected=expected) if checked else None
    # Without a CJK font installed the sheet would show "????": draw it in English then.
    drawn = locale if locale == "en" or supports_cjk() else "en"
    labels = {k[len("reviews.sheet."):]: v for k, v in messages.catalog(drawn).items()
              if k.startswith("reviews.sheet.")}
    return SheetPlan([p.file_id for p in claim.photos], findings, v, reuse, expected,
                     messages.t(locale, "reviews.sheet.title_claim", claim=claim.id), labels,
                     messages.t(drawn, "reviews.sheet.title_claim", claim=claim.id))
