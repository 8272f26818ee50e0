"""What the member sees at each step of a claim draft (text and buttons)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from groupbot import claims, policy
from groupbot.models import Draft, Order
from groupbot.money import fmt
from groupbot.runtime import Runtime
from handlers.common import Who

Buttons = list[list[tuple[str, str]]]


def refusal(w: Who, decision: policy.Decision) -> str:
    params = {
        k: v.astimezone(w.tz).strftime("%Y-%m-%d %H:%M") if isinstance(v, datetime) else v
        for k, v in decision.params.items()
    }
    return w.t(f"claims.refuse.{decision.code}", **params)


async def render(
    session: AsyncSession, rt: Runtime, w: Who, draft: Draft, order: Order
) -> tuple[str, Buttons]:
    step = draft.step
    if step == "items":
        return await _items(session, w, draft, order)
    if step == "units":
        return await _units(session, w, draft, order)
    if step == "reason":
        options = policy.reasons_for(claims.perishable(order))
        rows = [[(w.t(f"claims.reason.{o.code}"), f"cl:r:{o.code}")] for o in options]
        return w.t("claims.ask_reason"), _pairs(rows)
    if step == "packaging":
        rows = [[(w.t(f"resolutions.packaging.button_{a}"), f"cl:pk:{a}")]
                for a in policy.PACKAGING_ANSWERS]
        return w.t("resolutions.packaging.ask"), _pairs(rows)
    if step == "description":
        return w.t("claims.ask_description"), [[(w.t("claims.skip_button"), "cl:skip")]]
    if step == "photos":
        return _photos(rt, w, draft)
    return await summary(session, rt, w, draft, order)


async def _items(session, w: Who, draft: Draft, order: Order) -> tuple[str, Buttons]:
    rooms = await claims.item_rooms(session, order)
    chosen = draft.data["items"]
    rows: Buttons = []
    for room in rooms:
        if room.open_claim or room.available <= 0:
            continue
        units = chosen.get(str(room.item.id))
        label = w.t("claims.item_button", product=room.item.product.name,
                    available=room.available, unit=room.item.product.unit)
        if units:
            label = "✅ " + w.t("claims.item_chosen", product=room.item.product.name,
                               units=units, unit=room.item.product.unit)
        rows.append([(label, f"cl:i:{room.item.id}")])
    if chosen:
        rows.append([(w.t("claims.next_button"), "cl:next")])
    return w.t("claims.ask_items", order=order.id), rows


async def _units(session, w: Who, draft: Draft, order: Order) -> tuple[str, Buttons]:
    item_id = draft.data.get("pick")
    room = next(r for r in await claims.item_rooms(session, order) if r.item.id == item_id)
    choices = [(str(n), f"cl:u:{item_id}:{n}") for n in range(1, min(room.available, 8) + 1)]
    rows = [choices[i:i + 4] for i in range(0, len(choices), 4)]
    text = w.t("claims.ask_units", product=room.item.product.name, bought=room.item.quantity,
               available=room.available, unit=room.item.product.unit)
    return text, rows


def _photos(rt: Runtime, w: Who, draft: Draft) -> tuple[str, Buttons]:
    count = len(draft.data["photos"])
    # A missing item is shown by the packing slip or label, not by goods that are not there.
    key = ("claims.ask_photos" if policy.goods_photo_needed(draft.data.get("reason"))
           else "resolutions.ask_slip_photos")
    text = w.t(key, max=policy.rules_for(rt.settings).max_photos, count=count)
    rows: Buttons = []
    if count:
        rows.append([(w.t("claims.photos_done_button"), "cl:done"),
                     (w.t("claims.photo_undo_button"), "cl:undo")])
    return text, rows


async def summary(
    session: AsyncSession, rt: Runtime, w: Who, draft: Draft, order: Order
) -> tuple[str, Buttons]:
    quote = await claims.quote(session, order, draft.data["items"])
    items = {i.id: i for i in order.items}
    lines = [w.t("claims.summary_title", order=order.id)]
    for q in quote.lines:
        item = items[int(q.line_id)]
        lines.append(w.t(
            "claims.summary_line", product=item.product.name, paid=fmt(q.paid_line, q.currency),
            quantity=q.quantity, unit=item.product.unit, damaged=q.damaged_units,
            amount=fmt(q.amount, q.currency),
        ))
        if q.capped:
            lines.append(w.t("claims.summary_capped", amount=fmt(q.amount, q.currency)))
    lines.append(w.t("claims.summary_reason", reason=w.t(f"claims.reason.{draft.data['reason']}")))
    if draft.data.get("packaging"):
        lines.append(w.t("resolutions.packaging.summary",
                         answer=w.t(f"resolutions.packaging.{draft.data['packaging']}")))
    if draft.data["description"]:
        lines.append(w.t("claims.summary_description", text=draft.data["description"]))
    lines.append(w.t("claims.summary_photos", count=len(draft.data["photos"])))
    lines.append(w.t("claims.summary_total", amount=fmt(quote.total, quote.currency)))
    lines.append(w.t("claims.summary_next", review_days=policy.rules_for(rt.settings).review_days,
                     payout_days=policy.rules_for(rt.settings).payout_days))
    rows = [[(w.t("claims.submit_button"), "cl:submit"), (w.t("claims.cancel_button"),
                                                          "cl:cancel")]]
    return "\n".join(lines), rows


def _pairs(rows: Buttons) -> Buttons:
    flat = [b for row in rows for b in row]
    return [flat[i:i + 2] for i in range(0, len(flat), 2)]

