"""A whole claim, judged in one call with every fact."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from groupbot.policy.checks import check_open_claims, check_photos, check_units
from groupbot.policy.reasons import check_reason
from groupbot.policy.rules import Decision, PolicyRules, _no, combine
from groupbot.policy.windows import check_window

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
