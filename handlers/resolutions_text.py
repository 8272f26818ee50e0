"""How resolutions' refusals and a tracked parcel read (shared by the resolutions handlers)."""

from __future__ import annotations

from datetime import datetime

from groupbot.refusal import Refusal
from groupbot.resolutions.watch import Tracked
from handlers.common import Who


def refused(w: Who, refusal: Refusal) -> str:
    params = {k: v.astimezone(w.tz).strftime("%Y-%m-%d %H:%M") if isinstance(v, datetime) else v
              for k, v in refusal.params.items()}
    return w.t(f"resolutions.refuse.{refusal.code}", **params)


def since_text(w: Who, tracked: Tracked) -> str:
    if tracked.since is None:
        return "–"
    hours = int(tracked.since.total_seconds() // 3600)
    return w.t("resolutions.track.since", days=hours // 24, hours=hours % 24)


def track_text(w: Who, tracked: Tracked) -> str:
    if tracked.shipped_at is None or tracked.courier is None:
        return w.t("resolutions.track.not_shipped", order=tracked.order.id,
                   status=w.t(f"resolutions.track.state.{tracked.state}"))
    return w.t("resolutions.track.card", order=tracked.order.id, courier=tracked.courier,
               tracking=tracked.tracking_number or "", since=since_text(w, tracked),
               status=w.t(f"resolutions.track.state.{tracked.state}"))
