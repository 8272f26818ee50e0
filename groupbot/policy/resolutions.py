"""Returns, reships and parcels that never arrive (issue 15)."""

from __future__ import annotations

from datetime import datetime, timedelta

from groupbot.policy.reasons import _RETURN
from groupbot.policy.rules import COND_AT_SELLER_COST, Decision, PolicyRules, _no, _ok
from groupbot.policy.windows import _utc, order_window

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
