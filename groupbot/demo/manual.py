"""`groupbot sandbox`: the sandbox, the real bot and the playground page on one loopback port.

The demo's cast is set up (an organizer, a reviewer, two members, the group and the
reviewers' group, the bot in both); ``--demo`` also plays the demo's scenario into it, so a
visitor starts with a lived-in group. The bot and the sandbox share a clock that keeps
flowing and that the page moves forward (``BotClock``). The database is a throwaway SQLite
file: the sandbox's chats live in memory, so a kept database would not match them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from telegram.ext import Application

import messages
from groupbot import upcoming
from groupbot.clock import ShiftedClock
from groupbot.demo import Demo, _next_morning, claim_act, foundation_act, orders_act, review_act
from groupbot.demo.idle import wait_idle
from groupbot.runtime import Runtime
from groupbot.sandbox import Sandbox
from groupbot.sandbox.playground import Playground
from groupbot.settings import Settings
from handlers.common import RUNTIME_KEY
from handlers.ticks import tick_now

ADMINS = ("creator", "administrator")
log = logging.getLogger(__name__)


class BotClock:
    """The playground's clock buttons: move the shared clock, then let the bot's tick run."""

    def __init__(self, app: Application, sandbox: Sandbox, clock: ShiftedClock) -> None:
        self.app = app
        self.sb = sandbox
        self.clock = clock

    def now(self) -> datetime:
        return self.clock.now()

    async def next_due(self) -> tuple[datetime, str] | None:
        rt: Runtime = self.app.bot_data[RUNTIME_KEY]
        async with rt.tx() as session:  # read-only, and closed before anything else happens
            return await upcoming.next_due(session, rt)

    async def advance(self, delta: timedelta) -> None:
        self.clock.advance(seconds=delta.total_seconds())
        await tick_now(self.app)
        with contextlib.suppress(TimeoutError):  # someone kept typing meanwhile: fine
            await wait_idle(self.sb, self.app, limit=10.0)


class Cast:
    """What each person is, as the bot sees it: reviewers and organizers by the settings, group
    admins as organizers (the bot treats them so), everyone else a member."""

    def __init__(self, d: Demo) -> None:
        self.d = d

    def role(self, user_id: int) -> str:
        settings = self.d.settings
        if user_id in settings.reviewer_ids:
            return "reviewer"
        if user_id in settings.organizer_ids:
            return "organizer"
        for group in self.d.sb.state.chats.values():
            if group.id != settings.reviewers_chat_id and group.members.get(user_id) in ADMINS:
                return "organizer"
        return "member"


async def serve(settings: Settings, *, port: int, locale: str | None, demo: bool = False,
                ready: asyncio.Future[Playground] | None = None) -> int:
    """Run until cancelled (Ctrl+C). ``ready`` (tests) gets the playground once it is up."""
    locale = locale or settings.default_locale
    clock = ShiftedClock(_next_morning())
    sb = Sandbox(port=port, clock=lambda: clock.now().timestamp())
    playground = Playground(sb, locale=locale, timezone=settings.timezone)
    with tempfile.TemporaryDirectory(prefix="groupbot-sandbox-") as tmp:
        async with Demo(settings, locale, Path(tmp), sandbox=sb, clock=clock,
                        out=lambda line: None) as d:
            assert d.app is not None
            playground.roles = Cast(d).role
            playground.clock = BotClock(d.app, sb, clock)
            playground.guide = {"organizer": d.organizer.first_name, "member": d.ming.first_name,
                                "reviewer": d.reviewer.first_name, "group": d.group.title,
                                "reviewers": d.room.title}
            print(intro(d, locale), flush=True)  # the page is up: the replay can be watched live
            if demo:
                await replay(d)
            else:
                await sb.add_bot_to_group(d.group, by=d.organizer)
                await sb.add_bot_to_group(d.room, by=d.reviewer)
                await wait_idle(sb, d.app)
            if ready is not None:
                ready.set_result(playground)
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.Event().wait()
    return 0


async def replay(d: Demo) -> None:
    """The demo's scenario, so a visitor starts with a lived-in group. A visitor acting at the
    same time can make a scripted step miss its button: the playground then simply goes on."""
    try:
        for act in (foundation_act, orders_act, claim_act, review_act):
            await act(d)
    except (RuntimeError, ValueError, TimeoutError) as exc:
        log.warning("the demo replay stopped early (%s); the playground goes on", exc)


def intro(d: Demo, locale: str) -> str:
    """What `groupbot sandbox` prints: the page's address first, then the curl examples."""
    return messages.t(
        locale, "demo.manual.intro", page=f"{d.sb.url}/", url=d.sb.url,
        organizer=d.organizer.id, member=d.ming.id, reviewer=d.reviewer.id, group=d.group.id)
