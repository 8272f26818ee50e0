"""How a refused review action reads for the reviewer (shared by the review handlers)."""

from __future__ import annotations

from datetime import datetime

from groupbot.orders import local_time
from groupbot.refusal import Result
from groupbot.runtime import Runtime
from handlers.common import Who
from handlers.permits import refusal_text


def refusal(w: Who, outcome: Result, rt: Runtime) -> str:
    if outcome.code == "reviewers_only":
        return w.t("reviews.reviewers_only")
    if outcome.code == "not_permitted":
        return refusal_text(w.locale, outcome)
    params = {k: local_time(rt, v) if isinstance(v, datetime) else v
              for k, v in outcome.params.items()}
    if outcome.code == "already_decided":
        params["status"] = w.t(f"claims.status.{params['status']}")
        if params.get("auto"):
            params["name"] = w.t("reviews.card.auto_by")
        params["name"] = params.get("name") or "?"
        params["at"] = params.get("at") or "?"
    return w.t(f"reviews.refuse.{outcome.code}", **params)
