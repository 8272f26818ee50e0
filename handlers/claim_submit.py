"""Submitting a claim: the re-use lookup first, with no write transaction open; then one short
transaction writes the claim and queues "submitted" in the outbox; the member is told only
after that commit (finding 1: a crash can no longer announce a claim that does not exist).
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import ContextTypes

from groupbot import claims, drafts, orders, policy, texts
from groupbot.models import Claim, ClaimPhoto
from groupbot.money import fmt, from_minor
from groupbot.reviews.evidence import evidence_for
from groupbot.runtime import Runtime
from handlers.claim_steps import refusal
from handlers.common import runtime, who
from handlers.unit import unit


async def _evidence(rt: Runtime, update: Update) -> tuple[list[Any], dict[str, Any]] | None:
    """Read the draft's photos and compare them with the community's earlier ones. A read-only
    session, closed before the claim is written: the lookup may read many rows."""
    async with rt.tx() as session:
        w = await who(session, rt, update)
        draft = await drafts.current(session, w.member, claims.KIND)
        if draft is None or draft.step != "summary":
            return None
        photos = list(draft.data["photos"])
        unsaved = [ClaimPhoto(community_id=rt.community_id, position=i, file_id=p["file_id"],
                              file_unique_id=p["file_unique_id"], phash=p.get("phash"),
                              findings=p.get("findings"))
                   for i, p in enumerate(photos, 1)]
        # 0: no claim of this member's is excluded yet, the new one has no photos stored.
        evidence = await evidence_for(
            session, rt.community_id, 0, unsaved, draft.data["order_id"],
            goods_required=policy.goods_photo_needed(draft.data["reason"]))
    return photos, evidence


async def submit_tap(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    rt = runtime(context)
    looked_up = await _evidence(rt, update)
    async with unit(update, context) as u:
        draft = await drafts.current(u.session, u.w.member, claims.KIND)
        if looked_up is None or draft is None or draft.step != "summary":
            u.out.answer(u.t("claims.no_draft"), alert=True)
            return
        photos, evidence = looked_up
        if draft.data["photos"] != photos:  # changed in between: look again
            evidence = None
        result = await claims.submit(u.session, u.rt, u.w.member, draft, evidence=evidence)
        if isinstance(result, policy.Decision):
            u.out.answer(refusal(u.w, result), alert=True)
            return
        claim, created = result
        u.out.markup(None)
        if created:
            await u.tell(f"claim:{claim.id}:submitted", "claim_submitted",
                         submitted_message(u.rt, claim))
        u.out.kick()  # the reviewers' card goes out on this tick, not the next


def submitted_message(rt: Runtime, claim: Claim) -> texts.Text:
    return texts.text("claims.submitted", claim=claim.id,
                      amount=fmt(from_minor(claim.refund_minor, claim.currency), claim.currency),
                      due=orders.local_time(rt, claim.review_due_at),
                      payout_days=policy.rules_for(rt.settings).payout_days)
