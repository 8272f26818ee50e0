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

from groupbot.policy.aftercare import (  # noqa: F401
    CASE_MOOD,
    CASE_REASONS,
    LOW_RATING,
    AftercareRules,
    apology_day_offset,
    check_goodwill_coupon,
    claim_rating_wanted_at,
    goodwill_expires_at,
    opens_case,
    visit_cooldown_since,
    visit_reminder_wanted_at,
    visit_wanted_at,
)
from groupbot.policy.checks import (  # noqa: F401
    check_coupon_amount,
    check_description,
    check_open_claims,
    check_photos,
    check_units,
    coupon_choices,
    coupon_expires_at,
    reminder_at,
)
from groupbot.policy.desk import (  # noqa: F401
    DeskRules,
)
from groupbot.policy.judgement import (  # noqa: F401
    ClaimFacts,
    ClaimLineFacts,
    judge_claim,
)
from groupbot.policy.reasons import (  # noqa: F401
    _BUYER_FAULT,
    _DAMAGE,
    _QUALITY,
    _RETURN,
    _SUBJECTIVE,
    PACKAGING_ANSWERS,
    ReasonOption,
    _reason_decision,
    asks_packaging,
    check_reason,
    goods_photo_needed,
    reasons_for,
)
from groupbot.policy.resolutions import (  # noqa: F401
    check_parcel_claim,
    check_return,
    courier_stall_hours,
    return_escalation_at,
    return_reminder_at,
    shortest_stall_hours,
    stall_hours_for,
    stalled_since,
)
from groupbot.policy.rules import (  # noqa: F401
    ALL_CODES,
    CODES,
    COND_AT_SELLER_COST,
    COND_BUYER_PAYS_RETURN_SHIPPING,
    COND_NO_REASON_RETURN,
    CONDITIONS,
    OK,
    REASON_CODES,
    SETTINGS,
    Decision,
    PolicyRules,
    Reason,
    _no,
    _ok,
    combine,
    rules_for,
)
from groupbot.policy.windows import (  # noqa: F401
    Span,
    Window,
    _utc,
    check_window,
    claim_window,
    effective_delivery_time,
    order_perishable,
    order_window,
    payout_due_at,
    review_due_at,
    window_length,
    window_span,
)
