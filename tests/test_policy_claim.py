"""A claim is judged by one call into the policy, with all its facts."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from groupbot.policy import ClaimFacts, ClaimLineFacts, PolicyRules, judge_claim
from groupbot.settings import Settings

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
FACTS = ClaimFacts(perishable=True, delivered_at=NOW - timedelta(hours=3), shipped=True,
                   now=NOW, reason="rotten", photos=2, lines=(ClaimLineFacts(10, 0, 2, False),))


def test_each_fact_can_refuse_the_claim_and_the_first_refusal_is_given():
    rules = PolicyRules.from_settings(Settings())
    assert judge_claim(rules, FACTS).ok
    refused = {
        "window_closed": replace(FACTS, delivered_at=NOW - timedelta(hours=49)),
        "units_exceed_available": replace(FACTS, lines=(ClaimLineFacts(10, 9, 2, False),)),
        "open_claim_exists": replace(FACTS, lines=(ClaimLineFacts(10, 0, 2, True),)),
        "too_few_photos": replace(FACTS, photos=0),
        "reason_taste_not_covered": replace(FACTS, reason="taste"),
        "units_not_positive": replace(FACTS, lines=()),
        "not_shipped": replace(FACTS, delivered_at=None, shipped=False),
    }
    assert {code: judge_claim(rules, facts).code for code, facts in refused.items()} == {
        code: code for code in refused}
    # Photos are judged before the window: the member fixes what they can first.
    both = replace(FACTS, photos=0, delivered_at=NOW - timedelta(hours=49))
    assert judge_claim(rules, both).code == "too_few_photos"
