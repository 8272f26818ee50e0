"""What the organizer sees at each step of composing a broadcast (text and buttons)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

import messages
from groupbot.broadcasts import compose, schedule, targets
from groupbot.models import Draft
from groupbot.people import active_groups
from groupbot.runtime import Runtime
from handlers.broadcasts_delivery import BroadcastTelegramSender
from handlers.common import Who
from handlers.unit import Unit

Buttons = list[list[tuple[str, str]]]


def cancel_row(w: Who) -> list[tuple[str, str]]:
    return [(w.t("broadcasts.cancel_button"), "bc:x")]


def content_screen(w: Who) -> tuple[str, Buttons]:
    rows = [[(w.t(f"broadcasts.notice.{name}.title"), f"bc:n:{name}")]
            for name in compose.NOTICES]
    return w.t("broadcasts.ask_content"), [*rows, cancel_row(w)]


def blank_prompt(w: Who, draft: Draft) -> str:
    name = draft.data["notice"]
    blank = compose.next_blank(name, draft.data.get("values", {}))
    return w.t(f"broadcasts.notice.{name}.ask_{blank}")


async def targets_screen(session: AsyncSession, rt: Runtime, w: Who, draft: Draft) -> tuple[
        str, Buttons]:
    groups = await targets.reach(session, rt, targets.spec(targets.ALL_GROUPS))
    members = await targets.reach(session, rt, targets.spec(targets.MEMBERS))
    rows = [
        [(w.t("broadcasts.to.all_groups", count=groups.groups), "bc:t:all_groups")],
        [(w.t("broadcasts.to.groups"), "bc:t:groups")],
        [(w.t("broadcasts.to.members", count=members.members), "bc:t:members")],
        [(w.t("broadcasts.to.deal"), "bc:t:deal")],
        [(w.t("broadcasts.to.everyone", count=groups.groups + members.members),
          "bc:t:everyone")],
    ]
    if draft.data.get("photo") is None:
        rows.append([(w.t("broadcasts.add_photo"), "bc:ph")])
    rows.append(cancel_row(w))
    size = compose.length(draft.data.get("html"))
    return w.t("broadcasts.ask_target", length=size), rows


async def groups_screen(session: AsyncSession, rt: Runtime, w: Who, draft: Draft) -> tuple[
        str, Buttons]:
    chosen = set(draft.data.get("chosen", []))
    rows = [[(w.t("broadcasts.group_on" if g.id in chosen else "broadcasts.group_off",
                  title=g.title), f"bc:g:{g.id}")] for g in await active_groups(session, rt)]
    rows.append([(w.t("broadcasts.groups_done"), "bc:gd")])
    rows.append(cancel_row(w))
    return w.t("broadcasts.pick_groups"), rows


async def deals_screen(session: AsyncSession, rt: Runtime, w: Who) -> tuple[str, Buttons]:
    rows = [[(w.t("broadcasts.deal_button", deal=deal.id, product=deal.product.name,
                  people=people), f"bc:d:{deal.id}")]
            for deal, people in await targets.recent_deals(session, rt)]
    rows.append(cancel_row(w))
    return w.t("broadcasts.pick_deal" if len(rows) > 1 else "broadcasts.no_deals"), rows


def describe(w: Who, kind: str, reach: targets.Reach) -> str:
    text = w.t(f"broadcasts.target.{kind}", groups=reach.groups, members=reach.members,
               titles=w.t("broadcasts.sep").join(reach.titles), deal=reach.deal_id or 0,
               product=reach.product or "")
    if reach.unreachable:
        text += w.t("broadcasts.unreachable", count=reach.unreachable)
    return messages.Html(text)  # already rendered: not to be escaped again


async def review(u: Unit, draft: Draft) -> None:
    """The preview is the real message, sent here after the commit; then who gets it and
    what next."""
    data = draft.data
    sender, chat_id = BroadcastTelegramSender(u.context.bot), u.w.member.telegram_id
    u.out.after(lambda: sender.send_content(chat_id, data.get("html"), data.get("photo"),
                                            broadcast=False))
    reach = await targets.reach(u.session, u.rt, data["target"])
    text = u.t("broadcasts.review", target=describe(u.w, data["target"]["kind"], reach),
               count=reach.total)
    rows = [[(u.t("broadcasts.send_now"), "bc:now"), (u.t("broadcasts.schedule"), "bc:sch")],
            cancel_row(u.w)]
    u.out.reply(text, rows)


async def confirm(u: Unit, draft: Draft) -> None:
    data, rt, w = draft.data, u.rt, u.w
    reach = await targets.reach(u.session, rt, data["target"])
    target = describe(w, data["target"]["kind"], reach)
    if data.get("when"):
        when = schedule.local(datetime.fromisoformat(data["when"]), rt.settings.tz)
        text = w.t("broadcasts.confirm_at", when=when, tz=rt.settings.timezone, target=target)
        rows = [[(w.t("broadcasts.confirm_button"), "bc:ok"),
                 (w.t("broadcasts.change_time"), "bc:sch")], cancel_row(w)]
    else:
        text = w.t("broadcasts.confirm_now", target=target, count=reach.total)
        rows = [[(w.t("broadcasts.confirm_button"), "bc:ok")], cancel_row(w)]
    u.out.reply(text, rows)
