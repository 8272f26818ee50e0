"""The pure parts: tracking-number formats per courier, and the policy's resolution rules."""

from datetime import UTC, datetime, timedelta

import pytest

from groupbot import policy
from groupbot.resolutions import tracking
from groupbot.settings import Settings

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(("typed", "ok", "number"), [
    ("顺丰 SF1234567890123", True, "SF1234567890123"),
    ("顺丰 sf 1234-5678-90123", True, "SF1234567890123"),
    ("顺丰 12345", False, "12345"),
    ("顺丰 YT1234567890123", False, "YT1234567890123"),
    ("圆通 YT1234567890123", True, "YT1234567890123"),
    ("中通 731234567890", True, "731234567890"),
    ("京东 JDA1234567890123", True, "JDA1234567890123"),
    ("EMS EA123456785CN", True, "EA123456785CN"),
    ("EMS EA123456784CN", False, "EA123456784CN"),  # wrong S10 check digit
    ("德邦 DPK12345678", True, "DPK12345678"),  # unknown courier: any plausible number
    ("德邦 12", False, "12"),
])
def test_tracking_numbers_are_checked_against_the_couriers_format(typed, ok, number):
    checked = tracking.parse(typed)
    assert (checked.ok, checked.number) == (ok, number)
    assert checked.code == ("ok" if ok else "tracking_bad_format")


def test_a_number_alone_is_not_enough():
    assert tracking.parse("SF1234567890123").code == "tracking_missing"
    assert tracking.parse("").code == "tracking_missing"


def _rules(**changes):
    return policy.rules_for(Settings(**changes))


def test_returns_follow_the_seven_day_window_and_only_for_non_perishables():
    rules = _rules()
    delivered = NOW - timedelta(days=7)
    ok = policy.check_return(rules, False, delivered, delivered, NOW)
    assert ok.ok and ok.conditions == (policy.COND_NO_REASON_RETURN,
                                       policy.COND_BUYER_PAYS_RETURN_SHIPPING)
    late = policy.check_return(rules, False, delivered, delivered, NOW + timedelta(seconds=1))
    assert (late.code, late.params["window_days"]) == ("return_window_closed", 7)
    assert policy.check_return(rules, True, delivered, delivered, NOW).code == "return_perishable"
    assert policy.check_return(rules, False, None, None, NOW).code == "not_shipped"
    assert policy.return_reminder_at(rules, NOW) == NOW + timedelta(days=2)
    assert policy.return_escalation_at(_rules(return_confirm_days=3), NOW) == (
        NOW + timedelta(days=3))


def test_stall_hours_per_courier_with_a_default():
    rules = _rules(courier_stall_hours="顺丰=48，EMS=120, bad, 中通=x")
    assert policy.courier_stall_hours(rules) == {"顺丰": 48, "EMS": 120}
    assert policy.stall_hours_for(rules, "顺丰") == 48
    assert policy.stall_hours_for(rules, "ems") == 120
    assert policy.stall_hours_for(rules, "中通") == 72
    assert policy.shortest_stall_hours(rules) == 48
    shipped = NOW - timedelta(hours=47)
    early = policy.check_parcel_claim(rules, "顺丰", shipped, None, False, NOW)
    assert (early.code, early.params["hours"]) == ("parcel_not_stalled", 48)
    assert policy.check_parcel_claim(rules, "顺丰", shipped, None, True, NOW).ok  # reported
    assert policy.check_parcel_claim(rules, "顺丰", shipped - timedelta(hours=1), None, False,
                                     NOW).ok
    assert policy.check_parcel_claim(rules, "顺丰", shipped, NOW, False, NOW).code == (
        "parcel_arrived")
    assert policy.check_parcel_claim(rules, None, None, None, False, NOW).code == "not_shipped"


def test_damage_in_transit_asks_about_packaging_and_missing_items_need_no_goods():
    assert policy.asks_packaging("crushed") and not policy.asks_packaging("rotten")
    assert not policy.goods_photo_needed("missing") and policy.goods_photo_needed("crushed")
    # A parcel that never came is not a reason the member picks in /claim.
    assert "not_arrived" not in {o.code for o in policy.reasons_for(True)}
    assert policy.check_reason(_rules(), True, "not_arrived").code == (
        "reason_not_arrived_not_covered")
