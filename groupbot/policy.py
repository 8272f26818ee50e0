"""The after-sales rules of DESIGN.md as pure functions: settings in, a coded decision out.

Nothing here renders text. Every check returns a :data:`Decision` (an ``Allowed`` or a ``Refusal``) whose ``code`` is a key the
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
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
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


@dataclass(frozen=True)
class Span:
    """A claim window as people read it: 48 hours for fresh produce, 7 days otherwise.

    ``unit`` is ``hours`` or ``days``; texts that state the window pick their catalog key by
    it (``orders.delivered`` / ``orders.delivered_days``), so no text says "48 小时" about an
    order that has 7 days.
    """

    unit: str
    count: int


def window_span(rules: PolicyRules, perishable: bool) -> Span:
    if perishable:
        return Span("hours", rules.perishable_hours)
    return Span("days", rules.return_days)


def order_perishable(item_perishable: Iterable[bool]) -> bool:
    """An order with any fresh produce follows the fresh-produce window (the stricter rule:
    the fresh items are what spoil, and one order has one window the member can be told)."""
    return any(item_perishable)


def order_window(
    rules: PolicyRules,
    perishable: bool,
    delivered_at: datetime | None,
    shipped_at: datetime | None,
    now: datetime,
) -> Decision:
    """May a claim on this order be started now? The one answer for ``/myorders``' claim
    button, the delivery notice's deadline and ``/claim`` alike.

    A shipped order whose delivery time is unknown is claimable: opening the claim is the
    member's report of receipt, which starts the window now (see the module docstring).
    """
    receipt = now if delivered_at is None and shipped_at is not None else None
    delivered = effective_delivery_time(delivered_at, shipped_at, receipt)
    return check_window(rules, perishable, delivered, now, shipped=shipped_at is not None)


def window_length(rules: PolicyRules, perishable: bool) -> timedelta:
    span = window_span(rules, perishable)
    return timedelta(**{span.unit: span.count})


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
    if not w.is_open:  # said in the unit people were told: 48 hours, or 7 days
        span = window_span(rules, perishable)
        return _no("window_closed" if span.unit == "hours" else "window_closed_days", **params)
    return _ok({**params, "remaining": w.remaining})


def review_due_at(rules: PolicyRules, submitted_at: datetime) -> datetime:
    return _utc(submitted_at, "submitted_at") + timedelta(days=rules.review_days)


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
    left = rules.payout_days
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


# --- resolutions: returns and parcels that never arrive (issue 15) --------------------------


def check_return(
    rules: PolicyRules, perishable: bool, delivered_at: datetime | None,
    shipped_at: datetime | None, now: datetime,
) -> Decision:
    """May the member start a 7-day no-reason return now? Non-perishables only, within
    ``return_days`` of delivery; the buyer pays the return shipping."""
    if perishable:
        return _no("return_perishable")
    decision = order_window(rules, False, delivered_at, shipped_at, now)
    if not decision.ok:
        if decision.code == "window_closed_days":
            return _no("return_window_closed", **dict(decision.params))
        return decision
    return _ok(decision.params, _RETURN)


def return_reminder_at(rules: PolicyRules, requested_at: datetime) -> datetime:
    """When a return still without a tracking number is reminded (once)."""
    return _utc(requested_at, "requested_at") + timedelta(days=rules.return_remind_days)


def return_escalation_at(rules: PolicyRules, shipped_at: datetime) -> datetime:
    """When a return on its way back and not confirmed as received goes to the organizers."""
    return _utc(shipped_at, "shipped_at") + timedelta(days=rules.return_escalate_days)


def courier_stall_hours(rules: PolicyRules) -> dict[str, int]:
    """``"顺丰=48, EMS=120"`` -> {"顺丰": 48, "EMS": 120}; malformed pairs are ignored."""
    out: dict[str, int] = {}
    for pair in rules.stall_by_courier.replace("，", ",").split(","):
        name, _, hours = pair.partition("=")
        if name.strip() and hours.strip().isdigit() and int(hours) > 0:
            out[name.strip().upper()] = int(hours)
    return out


def stall_hours_for(rules: PolicyRules, courier: str | None) -> int:
    """How long a parcel of this courier may travel before we check with the courier."""
    return courier_stall_hours(rules).get((courier or "").strip().upper(), rules.stall_hours)


def shortest_stall_hours(rules: PolicyRules) -> int:
    """The earliest any parcel may stall: the watch's query bound (then per courier)."""
    return min([rules.stall_hours, *courier_stall_hours(rules).values()])


def stalled_since(rules: PolicyRules, courier: str | None, shipped_at: datetime) -> datetime:
    return _utc(shipped_at, "shipped_at") + timedelta(hours=stall_hours_for(rules, courier))


def check_parcel_claim(
    rules: PolicyRules, courier: str | None, shipped_at: datetime | None,
    delivered_at: datetime | None, reported: bool, now: datetime,
) -> Decision:
    """A claim for a parcel that never came: shipped, not delivered, and either past the
    courier's stall hours or reported lost/returned/delayed by the storefront."""
    if shipped_at is None:
        return _no("not_shipped")
    if delivered_at is not None:
        return _no("parcel_arrived")
    hours = stall_hours_for(rules, courier)
    if not reported and _utc(now, "now") < stalled_since(rules, courier, shipped_at):
        return _no("parcel_not_stalled", hours=hours)
    return _ok({"hours": hours}, (COND_AT_SELLER_COST,))


# --- the service desk ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DeskRules:
    """Human service hours (default every day 09:00–24:00) and the conversation clocks."""

    opens: time
    closes: time  # 00:00 means 24:00
    idle_minutes: int
    idle_warning_minutes: int
    escalate_minutes: int
    reopen_hours: int
    timezone: str

    @classmethod
    def from_settings(cls, settings: Settings) -> DeskRules:
        return cls(
            opens=settings.service_opens,
            closes=settings.service_closes,
            idle_minutes=settings.desk_idle_minutes,
            idle_warning_minutes=min(settings.desk_idle_warning_minutes,
                                     settings.desk_idle_minutes - 1),
            escalate_minutes=settings.desk_escalate_minutes,
            reopen_hours=settings.desk_reopen_hours,
            timezone=settings.timezone,
        )

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


# --- aftercare (groupbot/aftercare) ------------------------------------------------------------

# The handbook's complaint categories; "mood" is a bad review given in a bad mood, which is
# followed up the next day rather than at once.
CASE_REASONS: tuple[str, ...] = ("quality", "description", "misunderstanding", "attitude",
                                 "logistics", "mood")
CASE_MOOD = "mood"
LOW_RATING = 2  # a rating at or below this opens a complaint case


@dataclass(frozen=True)
class AftercareRules:
    """Return visits, ratings and complaint cases: when to ask, how often, by when to apologise.

    Every time here is a wish in the community's zone; groupbot.aftercare.timing moves it into
    the desk's service hours (never at night)."""

    visit_days: int  # the return visit this many days after delivery
    visit_time: time  # at this local time
    cooldown_days: int  # at most one visit per member in this many days
    reminder_hours: int  # one reminder this long after an unanswered visit (0 = none)
    comment_minutes: int  # after a rating, the member's next text is its comment
    rating_delay_minutes: int  # a decided claim is rated a while later, not with the decision
    coupon_floor: Decimal  # a goodwill coupon, like a small-flaw one: 5–10
    coupon_ceiling: Decimal
    coupon_days: int
    timezone: str

    @classmethod
    def from_settings(cls, settings: Settings) -> AftercareRules:
        return cls(
            visit_days=settings.aftercare_visit_days,
            visit_time=settings.aftercare_visit_time,
            cooldown_days=settings.aftercare_visit_cooldown_days,
            reminder_hours=settings.aftercare_visit_reminder_hours,
            comment_minutes=settings.aftercare_comment_minutes,
            rating_delay_minutes=settings.aftercare_rating_delay_minutes,
            coupon_floor=settings.coupon_min,
            coupon_ceiling=settings.coupon_max,
            coupon_days=settings.coupon_valid_days,
            timezone=settings.timezone,
        )

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def visit_wanted_at(rules: AftercareRules, delivered_at: datetime) -> datetime:
    """The local day ``visit_days`` after delivery at ``visit_time`` (UTC)."""
    local = _utc(delivered_at, "delivered_at").astimezone(rules.tz)
    day = local.date() + timedelta(days=rules.visit_days)
    return datetime.combine(day, rules.visit_time, tzinfo=rules.tz).astimezone(UTC)


def claim_rating_wanted_at(rules: AftercareRules, decided_at: datetime) -> datetime:
    return _utc(decided_at, "decided_at") + timedelta(minutes=rules.rating_delay_minutes)


def visit_reminder_wanted_at(rules: AftercareRules, sent_at: datetime) -> datetime | None:
    if rules.reminder_hours <= 0:
        return None
    return _utc(sent_at, "sent_at") + timedelta(hours=rules.reminder_hours)


def visit_cooldown_since(rules: AftercareRules, now: datetime) -> datetime:
    """A visit sent after this moment keeps the member from getting another one now."""
    return _utc(now, "now") - timedelta(days=rules.cooldown_days)


def apology_day_offset(reason: str) -> int:
    """The apology is due today (in service hours), or tomorrow for a bad mood."""
    return 1 if reason == CASE_MOOD else 0


def opens_case(score: int) -> bool:
    return score <= LOW_RATING


def check_goodwill_coupon(rules: AftercareRules, amount: Decimal) -> Decision:
    """A goodwill coupon compensates a problem: the same 5–10 range as a small-flaw coupon."""
    if not rules.coupon_floor <= amount <= rules.coupon_ceiling:
        return _no("coupon_out_of_range", min=rules.coupon_floor, max=rules.coupon_ceiling)
    return _ok({"amount": amount})


def goodwill_expires_at(rules: AftercareRules, issued_at: datetime) -> datetime:
    return _utc(issued_at, "issued_at") + timedelta(days=rules.coupon_days)
