"""The after-sales rules of DESIGN.md as pure functions: settings in, a coded decision out.

Nothing here renders text. Every check returns a :class:`Decision` whose ``code`` is a key the
handlers look up in the message catalogs; :data:`CODES` lists every code this module can return
with a one-line meaning for the catalog writer, and :data:`REASON_CODES` the claim reasons that
need a button label.

Claim windows
    Fresh produce (``perishable``): ``claim_window_hours`` (48) from delivery. Non-perishable goods:
    ``nonperishable_return_days`` (7) days from delivery, for quality claims and no-reason returns
    alike. The window is closed on both ends: a claim made exactly at ``closes_at`` is in time,
    one microsecond later it is not (the policy says "within 48 hours", so the last instant counts).

When the delivery time is unknown
    * never shipped -> no claim at all (``not_shipped``): there is nothing to be damaged yet, and a
      missing order before shipping is an order problem, not an after-sales claim;
    * shipped, delivery time unknown -> the window starts when the member first reports receipt
      (for example by opening a claim). :func:`effective_delivery_time` picks that time; a
      shipped order with neither a delivery time nor a receipt report gets
      ``delivery_unconfirmed`` so the bot can ask the member to confirm receipt first.
    Starting the clock at the member's report is buyer-friendly, but the member can only delay it
    by not reporting, which is harmless: a late report starts a window on goods that were fine.

All datetimes must be timezone-aware (naive ones raise ``ValueError``, since a naive time in a
bot that serves one community zone from a UTC server is a bug waiting to move a deadline by 8h);
results are returned in UTC. Business days for payouts are Monday-Friday in the community zone;
public holidays are not known here and are not skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from zoneinfo import ZoneInfo

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
        "too_few_photos": "fewer than {min} photos (damaged goods + waybill in one photo)",
        "too_many_photos": "more than {max} photos",
        "units_not_positive": "the number of units claimed must be at least 1",
        "units_exceed_available": "only {available} units of this item can still be claimed",
        "open_claim_exists": "this order item already has an open claim",
        "coupon_out_of_range": "a small-flaw coupon must be between {min} and {max}",
        "description_too_long": "the description has {length} characters, at most {max}",
    }
)
ALL_CODES: tuple[str, ...] = tuple(CODES)


@dataclass(frozen=True)
class Decision:
    ok: bool
    code: str
    params: Mapping[str, object] = field(default_factory=dict)
    conditions: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return self.ok


def _ok(params: Mapping[str, object] | None = None, conditions: Iterable[str] = ()) -> Decision:
    return Decision(True, OK, MappingProxyType(dict(params or {})), tuple(conditions))


def _no(code: str, **params: object) -> Decision:
    assert code in CODES, code  # every code must reach the catalog writer's list
    return Decision(False, code, MappingProxyType(params))


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


@dataclass(frozen=True)
class PolicyRules:
    claim_window_hours: int
    min_photos: int
    max_photos: int
    nonperishable_return_days: int
    review_due_days: int
    payout_business_days: int
    coupon_min: Decimal
    coupon_max: Decimal
    timezone: str
    currency: str

    @classmethod
    def from_settings(cls, settings: Settings) -> PolicyRules:
        return cls(
            claim_window_hours=settings.claim_window_hours,
            min_photos=settings.claim_min_photos,
            max_photos=settings.claim_max_photos,
            nonperishable_return_days=settings.nonperishable_return_days,
            review_due_days=settings.review_due_days,
            payout_business_days=settings.payout_business_days,
            coupon_min=settings.coupon_min,
            coupon_max=settings.coupon_max,
            timezone=settings.timezone,
            currency=settings.currency,
        )

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


# --- reasons -----------------------------------------------------------------------------------

_QUALITY = (Reason.CRUSHED, Reason.MISSING, Reason.WRONG_ITEM)
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
    if reason in _BUYER_FAULT:
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


def check_reason(rules: PolicyRules, perishable: bool, reason: str | Reason) -> Decision:
    """Does this reason qualify for this kind of goods? ``rules`` is taken for symmetry."""
    try:
        parsed = Reason(reason)
    except ValueError:
        return _no("reason_unknown", reason=str(reason))
    return _reason_decision(perishable, parsed)


# --- time --------------------------------------------------------------------------------------


def _utc(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ValueError(f"{name} must be timezone-aware")
    return value.astimezone(UTC)


def effective_delivery_time(
    delivered_at: datetime | None, shipped_at: datetime | None, receipt_reported_at: datetime | None
) -> datetime | None:
    """When the claim window starts: delivery if known, else the member's first receipt report.

    ``None`` means no window yet: not shipped, or shipped with neither time known. A known
    delivery time wins even without a shipping time (a delivered order was obviously shipped).
    """
    if delivered_at is not None:
        return _utc(delivered_at, "delivered_at")
    if shipped_at is None:
        return None
    _utc(shipped_at, "shipped_at")
    return None if receipt_reported_at is None else _utc(receipt_reported_at, "receipt_reported_at")


@dataclass(frozen=True)
class Window:
    opens_at: datetime
    closes_at: datetime
    is_open: bool
    remaining: timedelta  # zero when not open


def window_length(rules: PolicyRules, perishable: bool) -> timedelta:
    if perishable:
        return timedelta(hours=rules.claim_window_hours)
    return timedelta(days=rules.nonperishable_return_days)


def claim_window(
    rules: PolicyRules, perishable: bool, delivered_at: datetime, now: datetime
) -> Window:
    opens = _utc(delivered_at, "delivered_at")
    now = _utc(now, "now")
    closes = opens + window_length(rules, perishable)
    is_open = opens <= now <= closes
    return Window(opens, closes, is_open, closes - now if is_open else timedelta(0))


def check_window(
    rules: PolicyRules,
    perishable: bool,
    delivered_at: datetime | None,
    now: datetime,
    *,
    shipped: bool = True,
) -> Decision:
    """Is a claim in time? Pass ``effective_delivery_time(...)`` as ``delivered_at``.

    ``shipped`` tells apart the two meanings of a missing delivery time (see module docstring).
    """
    if delivered_at is None:
        _utc(now, "now")
        return _no("delivery_unconfirmed") if shipped else _no("not_shipped")
    w = claim_window(rules, perishable, delivered_at, now)
    if _utc(now, "now") < w.opens_at:
        return _no("not_delivered_yet", delivered_at=w.opens_at)
    length = w.closes_at - w.opens_at
    params: dict[str, object] = {
        "closes_at": w.closes_at,
        "window_hours": int(length.total_seconds()) // 3600,
        "window_days": length.days,
    }
    if not w.is_open:
        return _no("window_closed", **params)
    return _ok({**params, "remaining": w.remaining})


def review_due_at(rules: PolicyRules, submitted_at: datetime) -> datetime:
    return _utc(submitted_at, "submitted_at") + timedelta(days=rules.review_due_days)


def payout_due_at(
    rules: PolicyRules, approved_at: datetime, tz: tzinfo | str | None = None
) -> datetime:
    """Approval + ``payout_business_days`` Mon-Fri days in the community zone, same wall time.

    Approval on a weekend counts from the next Monday (Sat -> +3 = Wed), like a bank would.
    ``tz`` defaults to the rules' community time zone. The result is in UTC.
    """
    zone = ZoneInfo(tz) if isinstance(tz, str) else (tz or rules.tz)
    local = _utc(approved_at, "approved_at").astimezone(zone)
    day = local.date()
    left = rules.payout_business_days
    while left > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    # Rebuild from the wall clock so a DST change in between keeps the time of day.
    return datetime.combine(day, local.time(), zone).astimezone(UTC)


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


def check_coupon_amount(rules: PolicyRules, amount: Decimal) -> Decision:
    """A small-flaw coupon offered instead of a refund must lie in [coupon_min, coupon_max]."""
    if isinstance(amount, float):
        raise TypeError("money must not be a float")
    if not rules.coupon_min <= amount <= rules.coupon_max:
        return _no("coupon_out_of_range", min=rules.coupon_min, max=rules.coupon_max)
    return _ok({"amount": amount})


# What the reviewers' card shows of a member's own words: a longer text is refused with its
# length, never cut without a word.
DESCRIPTION_MAX_CHARS = 1000


def check_description(text: str) -> Decision:
    if len(text) > DESCRIPTION_MAX_CHARS:
        return _no("description_too_long", length=len(text), max=DESCRIPTION_MAX_CHARS)
    return _ok()


# --- a whole claim, judged in one call -------------------------------------------------------


@dataclass(frozen=True)
class ClaimLineFacts:
    """One order item of a claim: bought, claimed before (not rejected), asked for now."""

    bought: int
    already_claimed: int
    requested: int
    open_claim: bool


@dataclass(frozen=True)
class ClaimFacts:
    """Everything the policy needs to judge a claim; ``delivered_at`` from
    :func:`effective_delivery_time`."""

    perishable: bool
    delivered_at: datetime | None
    shipped: bool
    now: datetime
    reason: str | None
    photos: int
    lines: tuple[ClaimLineFacts, ...]


def judge_claim(rules: PolicyRules, facts: ClaimFacts) -> Decision:
    """The claim as a whole: items and units, reason, photos, window — the first refusal, or
    ``ok`` with the reason's conditions."""
    if not facts.lines:
        return _no("units_not_positive")
    if not facts.reason:
        return _no("reason_unknown")
    checks = [check_photos(rules, facts.photos), check_reason(rules, facts.perishable, facts.reason),
              check_window(rules, facts.perishable, facts.delivered_at, facts.now,
                           shipped=facts.shipped)]
    for line in facts.lines:
        checks += [check_open_claims(line.open_claim),
                   check_units(line.bought, line.already_claimed, line.requested)]
    return combine(checks)
