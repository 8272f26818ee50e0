"""Runs the periodic jobs: on a timer, and right after a handler committed something to send.
Also the process's heartbeat (groupbot/scale/beats.py), on a timer of its own so that a long
tick never makes a live process look dead."""

from __future__ import annotations

from collections.abc import Sequence

from telegram.ext import Application, ContextTypes

from groupbot.models.scale import PROCESS_BOT
from groupbot.scale import beats
from groupbot.scale.leader import is_leading
from groupbot.schedule import Periodic, run_due
from handlers.common import runtime
from handlers.sender import TelegramSender

JOBS_KEY = "groupbot.periodic"


async def _tick(context: ContextTypes.DEFAULT_TYPE) -> None:
    await run_due(runtime(context), TelegramSender(context.bot, queued=True),
                  context.bot_data[JOBS_KEY])


async def _beat(context: ContextTypes.DEFAULT_TYPE) -> None:
    rt = runtime(context)
    mode = "webhook" if rt.settings.webhook_url else "polling"
    await beats.beat(rt, PROCESS_BOT, mode, is_leading(rt))


KICKS_KEY = "groupbot.kicks"


def kick(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send what the last commit queued now instead of at the next tick."""
    task = context.application.create_task(_tick(context))
    running: set = context.bot_data.setdefault(KICKS_KEY, set())
    running.add(task)
    task.add_done_callback(running.discard)


def busy(application: Application) -> bool:
    """Whether a kicked send is still running (tests and the demo wait for it)."""
    return bool(application.bot_data.get(KICKS_KEY))


async def tick_now(application: Application) -> None:
    """Run every periodic job once (tests and the demo call this after moving the clock)."""
    rt = application.bot_data["groupbot.runtime"]
    await run_due(rt, TelegramSender(application.bot, queued=True), application.bot_data[JOBS_KEY])


def register(app: Application, jobs: Sequence[Periodic], interval: float) -> None:
    app.bot_data[JOBS_KEY] = list(jobs)
    assert app.job_queue is not None, "python-telegram-bot[job-queue] is required"
    app.job_queue.run_repeating(
        _tick, interval=interval, first=0.1, name="groupbot-tick",
        job_kwargs={"max_instances": 1, "coalesce": True},
    )
    lease = app.bot_data["groupbot.runtime"].settings.process_lease_seconds
    app.job_queue.run_repeating(
        _beat, interval=max(0.5, lease / 3), first=0.05, name="groupbot-heartbeat",
        job_kwargs={"max_instances": 1, "coalesce": True},
    )
