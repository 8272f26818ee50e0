"""Codes, the answer type, the settings the policy reads and the rules built from them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from zoneinfo import ZoneInfo

from groupbot.refusal import Allowed, Refusal, Result
from groupbot.settings import Settings


class Reason(StrEnum):
    """Why a member claims; the value is the code stored on the claim and used for buttons."""

    ROTTEN = "rotten"  # rotten or mouldy
    CRUSHED = "crushed"  # crushed, broken, damaged in transit
    MISSING = "missing"  # fewer units arrived than were paid for
    WRONG_ITEM = "wrong_item"  # a different product arrived
    TASTE = "taste"  # does not taste as hoped (subjective)
    LOOKS = "looks"  # does not look as hoped (subjective)
    BATCH_VARIATION = "batch_variation"  # size/colour/ripeness differs between batches
    CHANGED_MIND = "changed_mind"  # no longer wanted, no fault with the goods
    REFUSED_DELIVERY = "refused_delivery"  # the buyer refused the parcel
    WRONG_ADDRESS = "wrong_address"  # lost because the buyer gave a wrong address
    NOT_ARRIVED = "not_arrived"  # the parcel never came (from the logistics watch's button)


REASON_CODES: tuple[str, ...] = tuple(r.value for r in Reason)

OK = "ok"

# Conditions attached to a decision that still lets the claim go ahead.
COND_BUYER_PAYS_RETURN_SHIPPING = "buyer_pays_return_shipping"  # no-reason return, buyer's cost
COND_NO_REASON_RETURN = "no_reason_return"  # the goods go back; no fault is claimed
COND_AT_SELLER_COST = "at_seller_cost"  # quality problem on non-perishables: seller bears costs
CONDITIONS: tuple[str, ...] = (
    COND_BUYER_PAYS_RETURN_SHIPPING,
    COND_NO_REASON_RETURN,
    COND_AT_SELLER_COST,
)

# Every decision code -> what it means (for the catalog writer; not shown to users).
CODES: Mapping[str, str] = MappingProxyType(
    {
        OK: "the check passed (see conditions for strings attached)",
        "reason_unknown": "the reason code is not one this policy knows",
        "reason_not_applicable": "not for this kind of goods (rotten on non-perishables)",
        "reason_taste_not_covered": "taste is not covered; if it is spoiled, report it as rotten",
        "reason_looks_not_covered": "looks are not covered; if damaged/mouldy, report that",
        "reason_batch_variation_not_covered": "size/colour/ripeness varies between batches",
        "reason_changed_mind_not_covered": "fresh produce has no 7-day no-reason return",
        "reason_refused_delivery_not_covered": "refusal losses are not refunded; accept, then claim",
        "reason_wrong_address_not_covered": "loss from the buyer's own wrong address is not refunded",
        "not_shipped": "the order has not been shipped, so there is nothing to claim yet",
        "delivery_unconfirmed": "shipped, delivery time unknown: confirm receipt to start window",
        "not_delivered_yet": "the delivery time {delivered_at} is later than now",
        "window_closed": "the window ({window_hours} h = {window_days} d) closed at {closes_at}",
        "window_closed_days": "the {window_days}-day window of non-perishables closed at "
                              "{closes_at}",
        "too_few_photos": "fewer than {min} photos (damaged goods + waybill in one photo)",
        "too_many_photos": "more than {max} photos",
        "units_not_positive": "the number of units claimed must be at least 1",
        "units_exceed_available": "only {available} units of this item can still be claimed",
        "open_claim_exists": "this order item already has an open claim",
        "coupon_out_of_range": "a small-flaw coupon must be between {min} and {max}",
        "description_too_long": "the description has {length} characters, at most {max}",
        "reason_not_arrived_not_covered": "a parcel that never came is claimed from the "
                                          "还没收到 button of the stall notice, not here",
        "return_perishable": "fresh produce has no 7-day no-reason return",
        "return_window_closed": "the {window_days}-day return window closed at {closes_at}",
        "parcel_arrived": "the parcel was delivered; file a claim about what is wrong with it",
        "parcel_not_stalled": "the parcel is still within the courier's {hours} hours",
    }
)
ALL_CODES: tuple[str, ...] = tuple(CODES)


# A check's answer: Allowed (with params and conditions) or a Refusal (code and params).
Decision = Result


def _ok(params: Mapping[str, object] | None = None, conditions: Iterable[str] = ()) -> Decision:
    return Allowed(MappingProxyType(dict(params or {})), tuple(conditions))


def _no(code: str, **params: object) -> Decision:
    assert code in CODES, code  # every code must reach the catalog writer's list
    return Refusal(code, MappingProxyType(params))


def combine(decisions: Iterable[Decision]) -> Decision:
    """The first failing decision, else one ``ok`` carrying all params and conditions in order."""
    params: dict[str, object] = {}
    conditions: list[str] = []
    for d in decisions:
        if not d.ok:
            return d
        params.update(d.params)
        conditions.extend(c for c in d.conditions if c not in conditions)
    return _ok(params, conditions)


# PolicyRules field -> the setting it is read from. This module is the only reader of these
# settings (tests/test_one_reader.py fails when another module reads one): everything else
# asks the policy, so a rule cannot drift into a second copy that disagrees.
SETTINGS: Mapping[str, str] = MappingProxyType(
    {
        "perishable_hours": "claim_window_hours",
        "return_days": "nonperishable_return_days",
        "reminder_hours": "claim_reminder_hours_before",
        "min_photos": "claim_min_photos",
        "max_photos": "claim_max_photos",
        "description_chars": "claim_description_max_chars",
        "review_days": "review_due_days",
        "payout_days": "payout_business_days",
        "coupon_floor": "coupon_min",
        "coupon_ceiling": "coupon_max",
        "coupon_days": "coupon_valid_days",
        "auto_approve": "auto_approve_enabled",
        "auto_max_amount": "auto_approve_max_amount",
        "auto_monthly_claims": "auto_approve_monthly_claims",
        # resolutions (issue 15)
        "return_to": "return_address",
        "return_remind_days": "return_reminder_days",
        "return_escalate_days": "return_confirm_days",
        "stall_hours": "parcel_stall_hours",
        "stall_by_courier": "courier_stall_hours",
    }
)


@dataclass(frozen=True)
class PolicyRules:
    """The after-sales numbers of one community. Field names differ from the settings' on
    purpose: a read of ``settings.claim_window_hours`` anywhere but here is then a bug a test
    can see, while ``rules.perishable_hours`` is asking the policy."""

    perishable_hours: int  # fresh produce: claims within this many hours of receipt
    return_days: int  # non-perishables: 7-day returns and quality claims
    reminder_hours: int  # remind the buyer this long before the window closes (0 = never)
    min_photos: int
    max_photos: int
    description_chars: int  # the longest claim description kept
    review_days: int
    payout_days: int  # business days from approval to payout
    coupon_floor: Decimal
    coupon_ceiling: Decimal
    coupon_days: int  # how long a small-flaw coupon stays valid
    auto_approve: bool
    auto_max_amount: Decimal
    auto_monthly_claims: int
    timezone: str
    currency: str
    return_to: str = ""  # the return address members are sent
    return_remind_days: int = 2  # remind a return without a tracking number after this
    return_escalate_days: int = 5  # escalate a shipped return not received after this
    stall_hours: int = 72  # shipped, not delivered: check with the courier after this
    stall_by_courier: str = ""  # "顺丰=48,EMS=120": couriers with their own stall hours

    @classmethod
    def from_settings(cls, settings: Settings) -> PolicyRules:
        values = {name: getattr(settings, setting) for name, setting in SETTINGS.items()}
        return cls(**values, timezone=settings.timezone, currency=settings.currency)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def rules_for(settings: Settings) -> PolicyRules:
    """The rules of these settings: how every other module asks the policy's numbers.

    Not cached: building it is a handful of attribute reads, and a cache keyed by the
    settings would break the day a setting holds something unhashable."""
    return PolicyRules.from_settings(settings)
