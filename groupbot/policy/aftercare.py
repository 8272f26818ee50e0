"""Aftercare: return visits, ratings, complaint cases (issue 14)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from groupbot.policy.rules import Decision, _no, _ok
from groupbot.policy.windows import _utc
from groupbot.settings import Settings

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
