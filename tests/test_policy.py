"""The after-sales rules of DESIGN.md, one test per rule and boundary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from groupbot import policy
from groupbot.policy import (
    CODES,
    COND_AT_SELLER_COST,
    COND_BUYER_PAYS_RETURN_SHIPPING,
    COND_NO_REASON_RETURN,
    REASON_CODES,
    PolicyRules,
    Reason,
    check_coupon_amount,
    check_open_claims,
    check_photos,
    check_reason,
    check_units,
    check_window,
    claim_window,
    combine,
    effective_delivery_time,
    payout_due_at,
    reasons_for,
    review_due_at,
)
from groupbot.refusal import Allowed, Refusal
from groupbot.settings import Settings

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2024, 6, 3, 10, 0, tzinfo=UTC)  # a Monday


@pytest.fixture
def rules() -> PolicyRules:
    return PolicyRules.from_settings(Settings())


def test_rules_from_settings(rules: PolicyRules) -> None:
    assert (rules.perishable_hours, rules.min_photos, rules.max_photos) == (48, 1, 6)
    assert (rules.return_days, rules.review_days) == (7, 2)
    assert (rules.payout_days, rules.reminder_hours, rules.description_chars) == (3, 6, 1000)
    assert (rules.coupon_floor, rules.coupon_ceiling) == (Decimal("5"), Decimal("10"))
    assert rules.coupon_days == 30 and not rules.auto_approve
    assert rules.tz == SH and rules.currency == "CNY"
    custom = PolicyRules.from_settings(Settings(claim_window_hours=24, claim_max_photos=9))
    assert (custom.perishable_hours, custom.max_photos) == (24, 9)
    assert policy.rules_for(Settings(claim_window_hours=24)) == PolicyRules.from_settings(
        Settings(claim_window_hours=24))


def test_every_code_has_a_meaning_and_reason_codes_are_exported() -> None:
    assert policy.ALL_CODES == tuple(CODES)
    assert all(meaning.strip() for meaning in CODES.values())
    assert set(REASON_CODES) == {r.value for r in Reason}
    for perishable in (True, False):
        for option in reasons_for(perishable):
            assert option.decision_code in CODES


# --- reasons -----------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["rotten", "crushed", "missing", "wrong_item"])
def test_fresh_quality_reasons_qualify(rules: PolicyRules, reason: str) -> None:
    d = check_reason(rules, True, reason)
    assert d.ok and d.code == "ok" and d.conditions == () and bool(d)


@pytest.mark.parametrize(
    ("reason", "code"),
    [
        ("taste", "reason_taste_not_covered"),
        ("looks", "reason_looks_not_covered"),
        ("batch_variation", "reason_batch_variation_not_covered"),
        ("changed_mind", "reason_changed_mind_not_covered"),
        ("refused_delivery", "reason_refused_delivery_not_covered"),
        ("wrong_address", "reason_wrong_address_not_covered"),
    ],
)
def test_fresh_non_qualifying_reasons_have_their_own_code(
    rules: PolicyRules, reason: str, code: str
) -> None:
    d = check_reason(rules, True, reason)
    assert not d.ok and d.code == code and d.params["reason"] == reason and not bool(d)


@pytest.mark.parametrize("reason", ["crushed", "missing", "wrong_item"])
def test_nonperishable_quality_at_seller_cost(rules: PolicyRules, reason: str) -> None:
    d = check_reason(rules, False, Reason(reason))
    assert d.ok and d.conditions == (COND_AT_SELLER_COST,)


@pytest.mark.parametrize("reason", ["changed_mind", "taste", "looks", "batch_variation"])
def test_nonperishable_no_reason_return_buyer_pays_shipping(
    rules: PolicyRules, reason: str
) -> None:
    d = check_reason(rules, False, reason)
    assert d.ok
    assert COND_BUYER_PAYS_RETURN_SHIPPING in d.conditions
    assert COND_NO_REASON_RETURN in d.conditions


def test_nonperishable_rejections(rules: PolicyRules) -> None:
    assert check_reason(rules, False, "rotten").code == "reason_not_applicable"
    assert check_reason(rules, False, "refused_delivery").code == (
        "reason_refused_delivery_not_covered"
    )
    assert check_reason(rules, False, "wrong_address").code == "reason_wrong_address_not_covered"


def test_unknown_reason(rules: PolicyRules) -> None:
    d = check_reason(rules, True, "aliens")
    assert d.code == "reason_unknown" and d.params["reason"] == "aliens"


def test_reason_buttons_qualifying_first() -> None:
    fresh = reasons_for(True)
    assert [o.code for o in fresh] == [
        "rotten", "crushed", "missing", "wrong_item", "taste", "looks",
        "batch_variation", "changed_mind", "refused_delivery", "wrong_address",
    ]  # fmt: skip
    assert [o.qualifies for o in fresh] == [True] * 4 + [False] * 6
    assert fresh[4].decision_code == "reason_taste_not_covered"
    other = reasons_for(False)
    assert [o.code for o in other] == [
        "crushed", "missing", "wrong_item", "changed_mind", "refused_delivery", "wrong_address",
    ]  # fmt: skip
    assert [o.qualifies for o in other] == [True] * 4 + [False] * 2
    assert COND_BUYER_PAYS_RETURN_SHIPPING in other[3].conditions


# --- windows -----------------------------------------------------------------------------------


def test_perishable_window_boundary(rules: PolicyRules) -> None:
    closes = T0 + timedelta(hours=48)
    w = claim_window(rules, True, T0, closes)
    assert (w.opens_at, w.closes_at, w.is_open, w.remaining) == (T0, closes, True, timedelta(0))
    assert check_window(rules, True, T0, closes).ok
    late = closes + timedelta(microseconds=1)
    assert not claim_window(rules, True, T0, late).is_open
    d = check_window(rules, True, T0, late)
    assert d.code == "window_closed"
    assert d.params["closes_at"] == closes and d.params["window_hours"] == 48
    assert claim_window(rules, True, T0, late).remaining == timedelta(0)


def test_window_remaining_and_open_at_delivery(rules: PolicyRules) -> None:
    d = check_window(rules, True, T0, T0)
    assert d.ok and d.params["remaining"] == timedelta(hours=48)
    w = claim_window(rules, True, T0, T0 + timedelta(hours=40))
    assert w.remaining == timedelta(hours=8)


def test_nonperishable_seven_days(rules: PolicyRules) -> None:
    assert check_window(rules, False, T0, T0 + timedelta(days=3)).ok  # fresh would be closed
    assert not check_window(rules, True, T0, T0 + timedelta(days=3)).ok
    assert check_window(rules, False, T0, T0 + timedelta(days=7)).ok
    d = check_window(rules, False, T0, T0 + timedelta(days=7, seconds=1))
    assert d.code == "window_closed_days" and d.params["window_days"] == 7


def test_window_in_other_zone_is_normalised(rules: PolicyRules) -> None:
    delivered_local = datetime(2024, 6, 3, 18, 0, tzinfo=SH)  # == T0
    w = claim_window(rules, True, delivered_local, T0)
    assert w.opens_at == T0 and w.opens_at.tzinfo is UTC


def test_delivery_in_the_future(rules: PolicyRules) -> None:
    d = check_window(rules, True, T0 + timedelta(hours=1), T0)
    assert d.code == "not_delivered_yet"


def test_unknown_delivery_time(rules: PolicyRules) -> None:
    shipped, reported = T0, T0 + timedelta(days=5)
    assert effective_delivery_time(None, None, reported) is None  # never shipped
    assert effective_delivery_time(None, shipped, None) is None  # shipped, nothing known
    assert effective_delivery_time(None, shipped, reported) == reported
    delivered = T0 + timedelta(days=1)
    assert effective_delivery_time(delivered, None, reported) == delivered
    assert check_window(rules, True, None, T0, shipped=False).code == "not_shipped"
    assert check_window(rules, True, None, T0, shipped=True).code == "delivery_unconfirmed"
    # the window runs from the member's report, so five days after shipping is still in time
    start = effective_delivery_time(None, shipped, reported)
    assert check_window(rules, True, start, reported + timedelta(hours=47)).ok
    assert not check_window(rules, True, start, reported + timedelta(hours=49)).ok


def test_naive_datetimes_refused(rules: PolicyRules) -> None:
    naive = datetime(2024, 6, 3, 10, 0)
    with pytest.raises(ValueError):
        claim_window(rules, True, naive, T0)
    with pytest.raises(ValueError):
        check_window(rules, True, T0, naive)
    with pytest.raises(ValueError):
        check_window(rules, True, None, naive)
    with pytest.raises(ValueError):
        effective_delivery_time(None, naive, T0)
    with pytest.raises(ValueError):
        review_due_at(rules, naive)
    with pytest.raises(ValueError):
        payout_due_at(rules, naive, SH)


# --- photos, units, open claims, coupons ---------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "code"), [(0, "too_few_photos"), (1, "ok"), (6, "ok"), (7, "too_many_photos")]
)
def test_photos(rules: PolicyRules, count: int, code: str) -> None:
    d = check_photos(rules, count)
    assert d.code == code and d.ok == (code == "ok")
    assert (d.params["min"], d.params["max"]) == (1, 6)


@pytest.mark.parametrize(
    ("bought", "claimed", "requested", "code", "available"),
    [
        (10, 0, 0, "units_not_positive", 10),
        (10, 0, -1, "units_not_positive", 10),
        (10, 0, 1, "ok", 10),
        (10, 0, 10, "ok", 10),
        (10, 0, 11, "units_exceed_available", 10),
        (10, 8, 2, "ok", 2),
        (10, 8, 3, "units_exceed_available", 2),
        (10, 10, 1, "units_exceed_available", 0),
    ],
)
def test_units(bought: int, claimed: int, requested: int, code: str, available: int) -> None:
    d = check_units(bought, claimed, requested)
    assert d.code == code and d.params["available"] == available


def test_units_negative_inputs_are_bugs() -> None:
    with pytest.raises(ValueError):
        check_units(-1, 0, 1)


def test_open_claims() -> None:
    assert check_open_claims(False).ok
    assert check_open_claims(True).code == "open_claim_exists"


def test_coupon_range(rules: PolicyRules) -> None:
    assert check_coupon_amount(rules, Decimal("5")).ok
    assert check_coupon_amount(rules, Decimal("10.00")).ok
    d = check_coupon_amount(rules, Decimal("10.01"))
    assert d.code == "coupon_out_of_range" and d.params["max"] == Decimal("10")
    assert not check_coupon_amount(rules, Decimal("4.99")).ok
    with pytest.raises(TypeError):
        check_coupon_amount(rules, 5.0)  # type: ignore[arg-type]


def test_combine() -> None:
    a = Allowed.of(("c1",), x=1)
    b = Allowed.of(("c1", "c2"), y=2)
    bad = Refusal.of("too_few_photos", min=1)
    merged = combine([a, b])
    assert merged.ok and dict(merged.params) == {"x": 1, "y": 2}
    assert merged.conditions == ("c1", "c2")
    assert combine([a, bad, b]) is bad
    assert combine([]).ok


# --- due dates ---------------------------------------------------------------------------------


def test_review_due(rules: PolicyRules) -> None:
    assert review_due_at(rules, T0) == T0 + timedelta(days=2)


@pytest.mark.parametrize(
    ("approved_local", "due_local"),
    [
        (datetime(2024, 6, 3, 15, 30), datetime(2024, 6, 6, 15, 30)),  # Mon -> Thu
        (datetime(2024, 6, 5, 15, 30), datetime(2024, 6, 10, 15, 30)),  # Wed -> Mon
        (datetime(2024, 6, 7, 23, 59), datetime(2024, 6, 12, 23, 59)),  # Fri -> Wed
        (datetime(2024, 6, 8, 10, 0), datetime(2024, 6, 12, 10, 0)),  # Sat -> Wed
        (datetime(2024, 6, 9, 10, 0), datetime(2024, 6, 12, 10, 0)),  # Sun -> Wed
    ],
)
def test_payout_business_days_across_weekend(
    rules: PolicyRules, approved_local: datetime, due_local: datetime
) -> None:
    approved = approved_local.replace(tzinfo=SH).astimezone(UTC)
    due = payout_due_at(rules, approved, SH)
    assert due.tzinfo is UTC
    assert due.astimezone(SH).replace(tzinfo=None) == due_local
    assert payout_due_at(rules, approved, "Asia/Shanghai") == due
    assert payout_due_at(rules, approved) == due  # the community zone by default


def test_payout_uses_community_day_not_utc_day(rules: PolicyRules) -> None:
    # Friday 01:00 in Shanghai is still Thursday in UTC: the community's Friday counts.
    approved = datetime(2024, 6, 7, 1, 0, tzinfo=SH)
    due = payout_due_at(rules, approved, SH).astimezone(SH)
    assert (due.date().isoformat(), due.hour) == ("2024-06-12", 1)


def test_payout_keeps_wall_time_across_dst(rules: PolicyRules) -> None:
    ny = ZoneInfo("America/New_York")
    approved = datetime(2024, 3, 8, 9, 0, tzinfo=ny)  # Friday before the spring change
    due = payout_due_at(rules, approved, ny).astimezone(ny)
    assert (due.date().isoformat(), due.hour) == ("2024-03-13", 9)
