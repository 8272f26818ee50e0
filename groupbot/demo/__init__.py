"""`groupbot demo`: the sandbox and the real bot on loopback, a scripted scenario played by
several people, and a readable transcript. No token, no network, a throwaway SQLite file."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from telegram import Update

import messages
from groupbot.app import build_application
from groupbot.clock import Clock, FrozenClock
from groupbot.demo.aftercare import aftercare_act
from groupbot.demo.analytics import analytics_act
from groupbot.demo.desk import add_desk_chat, desk_act
from groupbot.demo.idle import wait_idle
from groupbot.demo.resolutions import resolutions_act
from groupbot.demo.transcript import Transcript
from groupbot.runtime import Runtime
from groupbot.sandbox import Sandbox
from groupbot.settings import Settings
from handlers.broadcasts_delivery import wait_done as broadcast_done
from handlers.ticks import tick_now

log = logging.getLogger(__name__)


class Demo:
    """The cast, the clock and the bot; each act of the scenario is a method."""

    def __init__(self, settings: Settings, locale: str, workdir: Path, *,
                 sandbox: Sandbox | None = None, clock: Clock | None = None,
                 out: Callable[[str], None] = print) -> None:
        """``sandbox``, ``clock`` and ``out``: `groupbot sandbox --demo` plays the scenario
        into the playground's sandbox, on its moving clock, without printing it."""
        self.locale = locale
        self.base_settings = settings
        self.workdir = workdir
        self.clock: Any = clock or FrozenClock(_next_morning())
        self.sb = sandbox or Sandbox()
        self.out = out
        self.app = None

    def m(self, key: str, **values: object) -> str:
        return messages.t(self.locale, f"demo.{key}", **values)

    async def __aenter__(self) -> Demo:
        await self.sb.start()
        lang = "zh-hans" if self.locale == "zh-Hans" else "en"
        self.organizer = self.sb.add_user(self.m("cast.organizer"), language_code=lang,
                                          username="wang_tuanzhang")
        self.reviewer = self.sb.add_user(self.m("cast.reviewer"), language_code=lang)
        self.ming = self.sb.add_user(self.m("cast.member1"), language_code=lang)
        self.hong = self.sb.add_user(self.m("cast.member2"), language_code=lang)
        self.group = self.sb.add_group(
            self.m("cast.group"), members=[self.organizer, self.ming, self.hong],
            admins=[self.organizer],
        )
        # The reviewers' own group: cards with the evidence sheet are posted there.
        self.room = self.sb.add_group(self.m("cast.reviewers_group"), members=[self.reviewer])
        desk = add_desk_chat(self)  # the service desk's staff forum (groupbot/demo/desk.py)
        self.settings = self.base_settings.replace(
            bot_token=self.sb.token,
            base_url=self.sb.base_url,
            base_file_url=self.sb.base_file_url,
            database_url=f"sqlite+aiosqlite:///{self.workdir / 'demo.db'}",
            default_locale=self.locale,
            reviewer_ids=frozenset({self.reviewer.id}),
            reviewers_chat_id=self.room.id,
            admin_chat_id=None,
            service_chat_id=desk.id,
            tick_seconds=0.5,
        )
        rt = Runtime.create(self.settings, clock=self.clock)
        self.app = build_application(self.settings, runtime=rt)
        await self.app.initialize()
        await self.app.post_init(self.app)  # run_polling would call it; we start by hand
        await self.app.updater.start_polling(poll_interval=0, timeout=1,
                                             allowed_updates=Update.ALL_TYPES)
        await self.app.start()
        labels = {k: self.m(f"label.{k}") for k in
                  ("bot", "buttons", "edited", "photo", "joined")}
        self.tr = Transcript(self.sb, labels, out=self.out)
        self.tr.watch(self.group, self.group.title)
        self.tr.watch(self.room, self.room.title)
        for user in (self.organizer, self.ming, self.hong, self.reviewer):
            self.tr.watch(user, self.m("label.private", name=user.first_name))
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.app is not None:
            await self.app.updater.stop()
            await self.app.stop()
            await self.app.shutdown()
            await self.app.post_shutdown(self.app)
        await self.sb.stop()

    async def act(self, caption: str) -> None:
        await wait_idle(self.sb, self.app)
        await tick_now(self.app)
        await wait_idle(self.sb, self.app)
        self.tr.step(caption)
        self.tr.flush()

    async def say(self, user, chat, text: str) -> None:
        await self.sb.send_text(user, chat, text)
        await wait_idle(self.sb, self.app)

    async def later(self, caption: str, **delta: float) -> None:
        self.clock.advance(**delta)
        await self.act(caption)

    def bot_message_with(self, chat, label: str) -> dict:
        for message in reversed(self.sb.bot_messages(chat)):
            if any(label == text or (len(label) > 1 and label in text)
                   for text, _ in self.sb.buttons(message)):
                return message
        raise RuntimeError(f"no message with a button {label!r}")

    async def tap(self, user, chat, label: str) -> None:
        message = self.bot_message_with(chat, label)
        for text, data in self.sb.buttons(message):
            if label == text or (len(label) > 1 and label in text):
                if data and data.startswith("https://"):
                    payload = data.split("start=", 1)[1]
                    await self.sb.send_text(user, user, f"/start {payload}")
                else:
                    await self.sb.tap(user, message, data)
                await wait_idle(self.sb, self.app)
                return


async def run_demo(settings: Settings, locale: str | None = None) -> int:
    locale = locale or settings.default_locale
    with tempfile.TemporaryDirectory(prefix="groupbot-demo-") as tmp:
        async with Demo(settings, locale, Path(tmp)) as d:
            print(d.m("title"))
            await foundation_act(d)
            await orders_act(d)
            await claim_act(d)
            await review_act(d)
            await broadcast_act(d)
            await resolutions_act(d)  # groupbot/demo/resolutions.py (issue 15)
            await desk_act(d)
            await aftercare_act(d)
            await analytics_act(d)
            print("\n" + d.m("done"))
    return 0


async def foundation_act(d: Demo) -> None:
    await d.sb.add_bot_to_group(d.group, by=d.organizer)
    await d.act(d.m("step.bot_added"))
    await d.sb.add_bot_to_group(d.room, by=d.reviewer)
    await d.act(d.m("step.reviewers_room"))
    await d.say(d.ming, d.ming, "/start")
    await d.act(d.m("step.member_start"))
    await d.say(d.organizer, d.organizer, "/start")
    await d.act(d.m("step.organizer_start"))


async def orders_act(d: Demo) -> None:
    await d.say(d.organizer, d.group, d.m("deal_command"))
    await d.act(d.m("step.deal_posted"))
    await d.tap(d.ming, d.group, d.m("other_quantity"))
    await d.say(d.ming, d.ming, "10")
    await d.tap(d.hong, d.group, d.m("join1"))
    await d.later(d.m("step.members_join"), seconds=65)
    await d.tap(d.hong, d.group, d.m("open_private"))
    await d.act(d.m("step.deep_link"))
    await d.tap(d.ming, d.ming, d.m("correct"))
    await d.act(d.m("step.confirmed"))
    await d.later(d.m("step.deal_closed"), hours=12)
    await d.say(d.organizer, d.organizer, "/ship deal 1 顺丰 SF1234567890")
    await d.act(d.m("step.shipped"))
    await d.say(d.organizer, d.organizer, "/delivered deal 1")
    await d.act(d.m("step.delivered"))
    await d.later(d.m("step.claim_reminder"), hours=42)


async def claim_act(d: Demo) -> None:
    await d.tap(d.ming, d.ming, d.m("claim_button"))
    await d.act(d.m("step.claim_start"))
    await d.tap(d.ming, d.ming, "2")
    await d.tap(d.ming, d.ming, d.m("reason_rotten"))
    await d.say(d.ming, d.ming, d.m("claim_description"))
    await d.act(d.m("step.claim_details"))
    await d.sb.send_photo(d.ming, d.ming, demo_photo(seed=1, with_label=False))
    await d.act(d.m("step.claim_photo_no_label"))
    await d.sb.send_photo(d.ming, d.ming, demo_photo(seed=2))
    await d.act(d.m("step.claim_photos"))
    await d.tap(d.ming, d.ming, d.m("photos_done"))
    await d.act(d.m("step.claim_summary"))
    await d.tap(d.ming, d.ming, d.m("submit"))
    await d.act(d.m("step.claim_submitted"))


async def review_act(d: Demo) -> None:
    """The claim reaches the reviewers' group as a card; the reviewer approves it and later
    marks the refund paid; the member is told each time."""
    d.clock.advance(minutes=20)
    await d.tap(d.reviewer, d.room, d.m("approve"))
    await d.act(d.m("step.approved"))
    d.clock.advance(hours=3)
    await d.say(d.reviewer, d.reviewer, "/payouts")
    await d.act(d.m("step.payouts"))
    await d.tap(d.reviewer, d.reviewer, d.m("mark_paid"))
    await d.say(d.reviewer, d.reviewer, d.m("payment_reference"))
    await d.act(d.m("step.paid"))


async def broadcast_act(d: Demo) -> None:
    """The organizer tells the groups when to pick up: a ready-made notice, its preview (the
    real message), send now, the progress message and the report."""
    def t(key: str, **values: object) -> str:
        return messages.t(d.locale, key, **values)

    await d.say(d.organizer, d.organizer, "/broadcast")
    await d.tap(d.organizer, d.organizer, t("broadcasts.notice.pickup.title"))
    for blank in ("product", "place", "time"):
        await d.say(d.organizer, d.organizer, d.m(f"pickup_{blank}"))
    await d.act(d.m("step.broadcast_compose"))
    await d.tap(d.organizer, d.organizer, t("broadcasts.to.all_groups", count=1))
    await d.act(d.m("step.broadcast_preview"))
    await d.tap(d.organizer, d.organizer, t("broadcasts.send_now"))
    await d.tap(d.organizer, d.organizer, t("broadcasts.confirm_button"))
    await tick_now(d.app)  # due now: the delivery starts beside the bot
    await broadcast_done(d.app)
    await d.act(d.m("step.broadcast_sent"))


def demo_photo(seed: int, with_label: bool = True) -> bytes:
    """A generated stand-in for a member's photo: damaged fruit, with or without the waybill."""
    from groupbot.evidence.synth import make_claim_photo

    return make_claim_photo("SF1234567890" if with_label else None, damaged=True, seed=seed)


def _next_morning() -> datetime:
    """A fixed, readable time: 09:00 Shanghai tomorrow, so the deal closes the same evening."""
    now = datetime.now(UTC)
    morning = (now + timedelta(days=1)).replace(hour=1, minute=0, second=0, microsecond=0)
    return morning
