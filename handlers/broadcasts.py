"""/broadcast: an organizer composes a notice in the private chat, step by step (the draft lives
in the DB, so a restart loses nothing): the message or a ready-made notice, who gets it, a
preview, now or at a time, confirm."""

from __future__ import annotations

from datetime import datetime

from telegram import Message
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

import handlers.drafts
from groupbot import drafts
from groupbot.broadcasts import compose, schedule, targets
from groupbot.models import Draft
from groupbot.permissions import BROADCAST
from groupbot.refusal import Refused
from handlers import broadcasts_screens as screens
from handlers.common import add_commands
from handlers.permits import permitted
from handlers.unit import Unit, unit_of_work

KIND = "broadcast"


@unit_of_work
async def broadcast_command(u: Unit) -> None:
    await drafts.begin(u.session, u.rt, u.w.member, KIND, "content", {})
    u.out.reply(*screens.content_screen(u.w))


async def on_input(u: Unit, draft: Draft) -> None:
    """Text or a photo while composing: the message, a blank, the photo, or the time."""
    step = INPUT_STEPS.get(draft.step)
    if step is None:
        u.out.reply(u.t("broadcasts.use_buttons"))
        return
    try:
        await step(u, draft)
    except Refused as exc:
        rows = [[(u.t("broadcasts.text_only"), "bc:np")]] if draft.step == "photo" else None
        u.out.reply(u.t(f"broadcasts.error.{exc.code}", **exc.params), rows)


def _content_of(message: Message) -> tuple[str | None, str | None]:
    """(HTML kept from the entities, photo file_id) of what the organizer sent."""
    if message.photo:
        return (message.caption_html if message.caption else None), message.photo[-1].file_id
    return (message.text_html if message.text else None), None


async def _content(u: Unit, draft: Draft) -> None:
    html, photo = _content_of(u.message)
    compose.check(html, photo)
    drafts.advance(u.rt, draft, "target", html=html, photo=photo)
    await _show_targets(u, draft)


async def _blank(u: Unit, draft: Draft) -> None:
    name = draft.data["notice"]
    values = compose.fill_blank(name, draft.data.get("values", {}), u.message.text or "")
    if compose.next_blank(name, values) is not None:
        drafts.advance(u.rt, draft, values=values)
        u.out.reply(screens.blank_prompt(u.w, draft))
        return
    html = compose.notice_html(u.w.locale, name, values)
    try:
        compose.check(html, None)
    except Refused as exc:  # too long as a whole: fill the blanks again, shorter
        drafts.advance(u.rt, draft, values={})
        u.out.reply(u.t(f"broadcasts.error.{exc.code}", **exc.params) + "\n\n"
                    + screens.blank_prompt(u.w, draft))
        return
    drafts.advance(u.rt, draft, "target", values=values, html=html, photo=None)
    await _show_targets(u, draft)


async def _photo(u: Unit, draft: Draft) -> None:
    if not u.message.photo:  # a new text replaces the one to go with the photo
        html, _ = _content_of(u.message)
        size = compose.check(html, None)
        drafts.advance(u.rt, draft, html=html)
        u.out.reply(u.t("broadcasts.text_replaced", length=size))
        return
    html, photo = _content_of(u.message)
    html = html or draft.data.get("html")
    compose.check(html, photo)
    drafts.advance(u.rt, draft, "target", html=html, photo=photo)
    await _show_targets(u, draft)


async def _when(u: Unit, draft: Draft) -> None:
    when = schedule.parse_when(u.message.text or "", u.rt.clock.now(), u.rt.settings.tz)
    drafts.advance(u.rt, draft, "confirm", when=when.isoformat())
    await screens.confirm(u, draft)


INPUT_STEPS = {"content": _content, "blank": _blank, "photo": _photo, "when": _when}


async def _show_targets(u: Unit, draft: Draft) -> None:
    u.out.reply(*await screens.targets_screen(u.session, u.rt, u.w, draft))


# --- taps: bc:<action>[:<argument>] ----------------------------------------------------------

@unit_of_work
async def on_tap(u: Unit) -> None:
    _, action, *args = u.data.split(":")
    draft = await drafts.current(u.session, u.w.member, KIND)
    steps, tap = TAPS[action]
    # A button from an earlier step (or a finished draft) does nothing but say so.
    if draft is None or (steps and draft.step not in steps):
        u.out.answer(u.t("broadcasts.stale"), alert=True)
        return
    drafts.advance(u.rt, draft)
    alert = await tap(u, draft, args)
    u.out.answer(alert, alert=bool(alert))
    if action == "ok":
        u.out.kick()  # due now: the next tick starts it at once


async def _notice(u: Unit, draft: Draft, args: list[str]) -> str | None:
    if args[0] not in compose.NOTICES:
        return u.t("broadcasts.stale")
    drafts.advance(u.rt, draft, "blank", notice=args[0], values={})
    u.out.reply(screens.blank_prompt(u.w, draft))
    return None


async def _target(u: Unit, draft: Draft, args: list[str]) -> str | None:
    kind = args[0]
    if kind not in targets.KINDS:
        return u.t("broadcasts.stale")
    if kind == targets.GROUPS:
        drafts.advance(u.rt, draft, "groups", chosen=[])
        u.out.reply(*await screens.groups_screen(u.session, u.rt, u.w, draft))
    elif kind == targets.DEAL:
        drafts.advance(u.rt, draft, "deal")
        u.out.reply(*await screens.deals_screen(u.session, u.rt, u.w))
    else:
        return await _chosen(u, draft, targets.spec(kind))
    return None


async def _chosen(u: Unit, draft: Draft, target: dict) -> str | None:
    reach = await targets.reach(u.session, u.rt, target)
    if reach.total == 0:
        return u.t("broadcasts.nobody")
    drafts.advance(u.rt, draft, "review", target=target)
    await screens.review(u, draft)
    return None


async def _toggle(u: Unit, draft: Draft, args: list[str]) -> None:
    chosen = set(draft.data.get("chosen", [])) ^ {int(args[0])}
    drafts.advance(u.rt, draft, chosen=sorted(chosen))
    _text, rows = await screens.groups_screen(u.session, u.rt, u.w, draft)
    u.out.markup(rows)


async def _groups_done(u: Unit, draft: Draft, args: list[str]) -> str | None:
    if not draft.data.get("chosen"):
        return u.t("broadcasts.no_group_chosen")
    return await _chosen(u, draft, targets.spec(targets.GROUPS, draft.data["chosen"]))


async def _deal(u: Unit, draft: Draft, args: list[str]) -> str | None:
    return await _chosen(u, draft, targets.spec(targets.DEAL, [int(args[0])]))


async def _add_photo(u: Unit, draft: Draft, args: list[str]) -> None:
    drafts.advance(u.rt, draft, "photo")
    u.out.reply(u.t("broadcasts.ask_photo"))


async def _text_only(u: Unit, draft: Draft, args: list[str]) -> None:
    drafts.advance(u.rt, draft, "target")
    await _show_targets(u, draft)


async def _now(u: Unit, draft: Draft, args: list[str]) -> None:
    drafts.advance(u.rt, draft, "confirm", when=None)
    await screens.confirm(u, draft)


async def _schedule(u: Unit, draft: Draft, args: list[str]) -> None:
    drafts.advance(u.rt, draft, "when")
    u.out.reply(u.t("broadcasts.ask_when", tz=u.rt.settings.timezone))


async def _confirm(u: Unit, draft: Draft, args: list[str]) -> str | None:
    data, rt = draft.data, u.rt
    when = datetime.fromisoformat(data["when"]) if data.get("when") else None
    if when is not None and when <= rt.clock.now():  # it waited on the confirm screen
        drafts.advance(rt, draft, "when")
        u.out.reply(u.t("broadcasts.error.when_past", when=schedule.local(when, rt.settings.tz)))
        return None
    b = await schedule.create(u.session, rt, organizer=u.w.member, locale=u.w.locale,
                              text_html=data.get("html"), photo=data.get("photo"),
                              target=data["target"], when=when)
    await drafts.finish(u.session, draft)
    u.out.markup(None)
    u.out.reply(u.t("broadcasts.scheduled", id=b.id, when=schedule.local(when, rt.settings.tz))
                if when else u.t("broadcasts.starting", id=b.id))
    return None


async def _cancel(u: Unit, draft: Draft, args: list[str]) -> None:
    await drafts.finish(u.session, draft)
    u.out.reply(u.t("broadcasts.cancelled"))


# action -> (the steps it belongs to, or () for any; what it does)
TAPS = {
    "n": (("content",), _notice),
    "t": (("target",), _target),
    "g": (("groups",), _toggle),
    "gd": (("groups",), _groups_done),
    "d": (("deal",), _deal),
    "ph": (("target",), _add_photo),
    "np": (("photo",), _text_only),
    "now": (("review",), _now),
    "sch": (("review", "confirm"), _schedule),
    "ok": (("confirm",), _confirm),
    "x": ((), _cancel),
}


def register(app: Application) -> None:
    add_commands(BROADCAST, "broadcast")
    app.add_handler(CommandHandler("broadcast", permitted(BROADCAST, broadcast_command),
                                   filters.ChatType.PRIVATE))
    app.add_handler(CallbackQueryHandler(
        permitted(BROADCAST, on_tap), pattern=r"^bc:(n:\w+|t:\w+|g:\d+|gd|d:\d+|ph|np|now|sch|ok|x)$"))
    handlers.drafts.route(KIND, on_input)
