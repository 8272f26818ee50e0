"""Claim reasons: which apply to which goods, and what each asks for."""

from __future__ import annotations

from dataclasses import dataclass

from groupbot.policy.rules import (
    COND_AT_SELLER_COST,
    COND_BUYER_PAYS_RETURN_SHIPPING,
    COND_NO_REASON_RETURN,
    Decision,
    PolicyRules,
    Reason,
    _no,
    _ok,
)

# --- reasons -----------------------------------------------------------------------------------

_QUALITY = (Reason.CRUSHED, Reason.MISSING, Reason.WRONG_ITEM)
# Damage in transit asks "外包装是否完好？" (courier or supplier: the platform rules judge it by
# the outer packaging); a missing item asks for the packing slip or label, not the goods.
_DAMAGE = (Reason.CRUSHED,)
PACKAGING_ANSWERS = ("intact", "damaged", "photo")
_SUBJECTIVE = (Reason.TASTE, Reason.LOOKS, Reason.BATCH_VARIATION)
_BUYER_FAULT = (Reason.REFUSED_DELIVERY, Reason.WRONG_ADDRESS)
_RETURN = (COND_NO_REASON_RETURN, COND_BUYER_PAYS_RETURN_SHIPPING)


@dataclass(frozen=True)
class ReasonOption:
    code: str
    qualifies: bool
    decision_code: str  # what check_reason answers: "ok" or the not-covered explanation
    conditions: tuple[str, ...] = ()


def reasons_for(perishable: bool) -> list[ReasonOption]:
    """The reasons to offer as buttons, qualifying ones first, in display order.

    Subjective reasons are not offered for non-perishables: within the return window any of
    them is simply a no-reason return, which ``changed_mind`` already covers.
    """
    if perishable:
        order = (Reason.ROTTEN, *_QUALITY, *_SUBJECTIVE, Reason.CHANGED_MIND, *_BUYER_FAULT)
    else:
        order = (*_QUALITY, Reason.CHANGED_MIND, *_BUYER_FAULT)
    options = []
    for reason in order:
        d = _reason_decision(perishable, reason)
        options.append(ReasonOption(reason.value, d.ok, d.code, d.conditions))
    return options


def _reason_decision(perishable: bool, reason: Reason) -> Decision:
    if reason in _BUYER_FAULT or reason is Reason.NOT_ARRIVED:
        return _no(f"reason_{reason.value}_not_covered", reason=reason.value)
    if perishable:
        if reason is Reason.ROTTEN or reason in _QUALITY:
            return _ok({"reason": reason.value})
        return _no(f"reason_{reason.value}_not_covered", reason=reason.value)
    if reason is Reason.ROTTEN:
        return _no("reason_not_applicable", reason=reason.value)
    if reason in _QUALITY:
        return _ok({"reason": reason.value}, (COND_AT_SELLER_COST,))
    # changed mind, or a subjective reason: a 7-day no-reason return at the buyer's cost
    return _ok({"reason": reason.value}, _RETURN)


def asks_packaging(reason: str | None) -> bool:
    """Damage reasons ask whether the outer packaging was intact (transit or packing)."""
    return reason in _DAMAGE


def goods_photo_needed(reason: str | None) -> bool:
    """Missing units cannot be photographed: the packing slip or label (waybill and its number)
    is the evidence, the goods are not required."""
    return reason != Reason.MISSING


def check_reason(rules: PolicyRules, perishable: bool, reason: str | Reason) -> Decision:
    """Does this reason qualify for this kind of goods? ``rules`` is taken for symmetry."""
    try:
        parsed = Reason(reason)
    except ValueError:
        return _no("reason_unknown", reason=str(reason))
    return _reason_decision(perishable, parsed)
