"""One rule, one reader: only the groupbot/policy package reads the after-sales settings.

The list of those settings is taken from groupbot.policy itself (``policy.SETTINGS``), so a
new rule joins the check the moment the policy starts reading it. Every other module asks the
policy (``policy.rules_for(settings)`` and its functions), which is what keeps the claim
window from existing in three copies that disagree (issue 11, finding 5).
"""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

from groupbot import policy
from groupbot.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
# settings.py declares the settings; the policy package (one module per kind of rule) is their
# one reader.
ALLOWED = {*(ROOT / "groupbot" / "policy").glob("*.py"), ROOT / "groupbot" / "settings.py"}


def policy_setting_reads(source: str) -> list[tuple[int, str]]:
    """(line, setting) for every read of a policy setting: ``x.claim_window_hours`` on any
    object (aliases like ``s = rt.settings`` don't hide it) and ``getattr(x, "...")``."""
    names = set(policy.SETTINGS.values())
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in names:
            found.append((node.lineno, node.attr))
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
              and node.func.id in {"getattr", "hasattr"} and len(node.args) >= 2
              and isinstance(node.args[1], ast.Constant) and node.args[1].value in names):
            found.append((node.lineno, str(node.args[1].value)))
    return sorted(found)


def test_policy_settings_are_real_settings() -> None:
    fields = {f.name for f in dataclasses.fields(Settings)}
    assert set(policy.SETTINGS.values()) <= fields
    # The after-sales numbers of the issue are all in the list.
    assert {"claim_window_hours", "nonperishable_return_days", "claim_min_photos",
            "claim_max_photos", "coupon_min", "coupon_max", "review_due_days",
            "payout_business_days", "claim_description_max_chars"} <= set(policy.SETTINGS.values())
    # PolicyRules' own field names differ from the settings', so reading the rules is not a
    # false alarm and reading a setting is never mistaken for asking the policy.
    rule_fields = {f.name for f in dataclasses.fields(policy.PolicyRules)}
    assert not rule_fields & set(policy.SETTINGS.values())


def test_the_scan_sees_a_second_reader() -> None:
    planted = (
        "def deadline(rt, order):\n"
        "    s = rt.settings\n"
        "    return order.delivered_at + timedelta(hours=s.claim_window_hours)\n"
        "def photos(rt):\n"
        "    return getattr(rt.settings, 'claim_max_photos')\n"
    )
    assert policy_setting_reads(planted) == [(3, "claim_window_hours"), (5, "claim_max_photos")]
    assert policy_setting_reads("rules.perishable_hours + settings.timezone") == []


def test_only_policy_reads_the_after_sales_settings() -> None:
    offenders = []
    for folder in ("groupbot", "handlers"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path in ALLOWED:
                continue
            for line, name in policy_setting_reads(path.read_text(encoding="utf-8")):
                offenders.append(f"{path.relative_to(ROOT)}:{line} reads {name}")
    assert offenders == [], "ask groupbot.policy instead:\n" + "\n".join(offenders)
