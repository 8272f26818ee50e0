"""Photos, units, open claims, coupons, reminders and the description."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from groupbot.policy.rules import Decision, PolicyRules, _no, _ok
from groupbot.policy.windows import _utc

# --- evidence, units, coupons --------------------------------------------------------------------


def check_photos(rules: PolicyRules, count: int) -> Decision:
    bounds = {"min": rules.min_photos, "max": rules.max_photos, "count": count}
    if count < rules.min_photos:
        return _no("too_few_photos", **bounds)
    if count > rules.max_photos:
        return _no("too_many_photos", **bounds)
    return _ok(bounds)


def check_units(bought: int, already_claimed: int, requested: int) -> Decision:
    """``already_claimed`` counts units in open or approved claims, which cannot be claimed again."""
    if bought < 0 or already_claimed < 0:
        raise ValueError("bought and already_claimed must not be negative")
    available = max(bought - already_claimed, 0)
    params = {"bought": bought, "already_claimed": already_claimed, "available": available}
    if requested < 1:
        return _no("units_not_positive", requested=requested, **params)
    if requested > available:
        return _no("units_exceed_available", requested=requested, **params)
    return _ok({"requested": requested, **params})


def check_open_claims(has_open_claim_on_item: bool) -> Decision:
    return _no("open_claim_exists") if has_open_claim_on_item else _ok()


def coupon_choices(rules: PolicyRules) -> list[Decimal]:
    """The coupon amounts a reviewer is offered: the range's ends and its middle."""
    low, high = rules.coupon_floor, rules.coupon_ceiling
    middle = ((low + high) / 2).quantize(Decimal(1))
    return sorted({low, middle, high} - {Decimal(0)})


def coupon_expires_at(rules: PolicyRules, issued_at: datetime) -> datetime:
    return _utc(issued_at, "issued_at") + timedelta(days=rules.coupon_days)


def reminder_at(rules: PolicyRules, closes_at: datetime) -> datetime | None:
    """When to remind the buyer that the claim window closes; None when reminders are off."""
    if not rules.reminder_hours:
        return None
    return _utc(closes_at, "closes_at") - timedelta(hours=rules.reminder_hours)


def check_coupon_amount(rules: PolicyRules, amount: Decimal) -> Decision:
    """A small-flaw coupon offered instead of a refund must lie in [coupon_min, coupon_max]."""
    if isinstance(amount, float):
        raise TypeError("money must not be a float")
    if not rules.coupon_floor <= amount <= rules.coupon_ceiling:
        return _no("coupon_out_of_range", min=rules.coupon_floor, max=rules.coupon_ceiling)
    return _ok({"amount": amount})


def check_description(rules: PolicyRules, text: str) -> Decision:
    """The member's own words go to the reviewers whole: a longer text is refused with its
    length, never cut without a word."""
    if len(text) > rules.description_chars:
        return _no("description_too_long", length=len(text), max=rules.description_chars)
    return _ok()
