"""The one place that wires the Application: settings, DB, scheduler, rate limiter, handlers."""

from __future__ import annotations

import logging

from telegram.constants import ParseMode
from telegram.ext import Application, Defaults
from telegram.request import HTTPXRequest

import handlers.aftercare
import handlers.aftercare_desk
import handlers.broadcasts
import handlers.broadcasts_delivery
import handlers.broadcasts_manage
import handlers.claims
import handlers.deals
import handlers.desk_agents
import handlers.desk_hours
import handlers.desk_member
import handlers.desk_transport
import handlers.drafts
import handlers.errors
import handlers.fallback
import handlers.groups
import handlers.improvements
import handlers.orders
import handlers.permits
import handlers.polling
import handlers.reports
import handlers.resolutions
import handlers.resolutions_staff
import handlers.reviews
import handlers.reviews_cards
import handlers.start
import handlers.ticks
import handlers.webhook
import handlers.wire
from groupbot import claims, db, deal_card, deals, outbox_dispatch, posts, schedule, sent_records
from groupbot.aftercare import clocks as aftercare_clocks
from groupbot.aftercare import visits as aftercare_visits
from groupbot.analytics import alerts as batch_alerts
from groupbot.analytics import digest as report_digest
from groupbot.clock import Clock
from groupbot.evidence import EvidenceEngine
from groupbot.intake import server as intake
from groupbot.models.scale import PROCESS_BOT
from groupbot.people import ensure_community
from groupbot.resolutions import returns
from groupbot.resolutions import watch as parcel_watch
from groupbot.reviews import clocks as review_clocks
from groupbot.runtime import Runtime
from groupbot.scale import beats
from groupbot.scale.budget import SharedBudget
from groupbot.scale.leader import leadership_of
from groupbot.scale.locks import locks_of
from groupbot.scale.updates import UpdateLedger
from groupbot.scale.web import WEB_KEY, WebServer
from groupbot.settings import Settings
from handlers.common import RUNTIME_KEY, set_bot_commands
from handlers.pacing import PriorityRateLimiter
from handlers.processor import PerChatUpdateProcessor

log = logging.getLogger(__name__)
TELEGRAM_CONNECTIONS = 16  # HTTP connections to the Bot API per process (see build_application)


def build_application(
    settings: Settings,
    *,
    runtime: Runtime | None = None,
    clock: Clock | None = None,
) -> Application:
    """Build the bot. ``runtime`` may be passed in by tests and the demo (shared DB, clock)."""
    if not settings.bot_token:
        raise ValueError("GROUPBOT_BOT_TOKEN is not set")
    rt = runtime or Runtime.create(settings, clock=clock)
    builder = Application.builder()
    processor = PerChatUpdateProcessor()
    if settings.webhook_url:  # updates arrive on our own web server (handlers/webhook.py)
        builder = builder.updater(None)
        # Any replica may get any update: once each, in order per chat (groupbot/scale).
        processor.ledger = UpdateLedger(rt, beats.me(rt))
    application = (
        builder
        .token(settings.bot_token)
        .base_url(settings.base_url)
        .base_file_url(settings.base_file_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=settings.tz))
        # PTB's default pool of 256 connections costs CPU on every request: httpcore scans its
        # whole pool per request (and idle connections against the whole pool again), so
        # in the claim rush, once the pool had grown, the event loop spent most of its time
        # there (py-spy) and every reply waited. The sends are paced to ~30 a second anyway;
        # 16 connections carry that with room even at 300 ms a request, and a request waits
        # for one up to 30 s rather than PTB's 1 s before giving up. The transport tells a
        # send when its request has left (handlers/wire.py).
        .request(HTTPXRequest(
            connection_pool_size=TELEGRAM_CONNECTIONS, pool_timeout=30,
            httpx_kwargs={"transport": handlers.wire.transport(TELEGRAM_CONNECTIONS)}))
        # Replies first, broadcasts in what is left under the overall limit (handlers/pacing);
        # with Redis, one budget for every process of this token.
        .rate_limiter(
            PriorityRateLimiter(
                settings.rate_overall_per_second, settings.rate_group_per_minute, max_retries=3,
                shared=_shared_budget(settings), connections=TELEGRAM_CONNECTIONS,
            )
        )
        .concurrent_updates(processor)
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .build()
    )
    application.bot_data[RUNTIME_KEY] = rt
    if settings.webhook_url:  # one web server per process: the webhook and the intake
        application.bot_data[WEB_KEY] = WebServer()
        handlers.webhook.register(application)
    else:  # polling: what was fetched is kept until handled, so a crash loses none of it
        handlers.polling.install(application, rt, processor)
    # Claim photos are checked off the event loop; models load on the first photo. With
    # evidence workers (procrastinate) the analysis runs there instead (groupbot/worker).
    engine = rt.extras.setdefault(
        "evidence", EvidenceEngine(workers=2, pool="thread", max_bytes=settings.max_photo_bytes)
    )
    if settings.evidence_queue == "procrastinate" and isinstance(engine, EvidenceEngine):
        from groupbot.worker.queue import QueuedEvidenceEngine

        rt.extras["evidence"] = QueuedEvidenceEngine(rt, engine)

    # Order matters: specific conversations first, the catch-all fallback last.
    handlers.groups.register(application)
    handlers.permits.register(application)  # staff leaving their chat lose the cached role
    handlers.desk_agents.register(application)  # group -1: desk chats are staff chats
    handlers.desk_member.register(application)  # group -1: a conversation with a person first
    handlers.desk_hours.register(application)
    handlers.aftercare_desk.register(application)  # group -4: case commands in desk topics
    handlers.aftercare.register(application)  # group -4: a rating's comment, complaint words
    handlers.orders.register(application)  # /start o12 deep links before the plain /start
    handlers.deals.register(application)
    handlers.reviews.register(application)  # /claim 12 (reviewers) before the member's /claim
    handlers.claims.register(application)
    handlers.resolutions.register(application)  # returns, 还没收到, /track (issue 15)
    handlers.resolutions_staff.register(application)  # /returned, /stalled, /reships
    handlers.broadcasts.register(application)
    handlers.broadcasts_manage.register(application)
    handlers.reports.register(application)
    handlers.improvements.register(application)  # typed 改善 answers in group -2
    handlers.start.register(application)
    handlers.drafts.register(application)  # free text for a draft, before the fallback
    handlers.fallback.register(application)
    handlers.errors.register(application)

    # Periodic work, in this order on every tick: what is owed to people goes out first. With
    # several processes the leader runs them all, the others only the outbox (groupbot/schedule).
    handlers.ticks.register(
        application,
        jobs=[posts.deliver_due, deals.close_due, deal_card.refresh_cards, claims.idle_out,
              handlers.reviews_cards.post_cards, review_clocks.run,
              handlers.reviews_cards.refresh_cards,
              returns.remind_due, returns.escalate_due, parcel_watch.stall_watch,
              handlers.broadcasts_delivery.due_job(application),
              batch_alerts.check_batches, report_digest.weekly_digest,
              *handlers.desk_transport.desk_jobs(application),
              aftercare_visits.plan, aftercare_visits.send_due,
              aftercare_clocks.escalate_overdue,
              schedule.anywhere(outbox_dispatch.dispatch_due), beats.housekeeping],
        interval=settings.tick_seconds,
    )
    return application


def _shared_budget(settings: Settings) -> SharedBudget | None:
    if not settings.redis_url:
        return None
    bot_id = (settings.bot_token or "").partition(":")[0]  # Telegram's limits are per token
    return SharedBudget(settings.redis_url, f"groupbot:{bot_id}:budget")


async def _post_init(application: Application) -> None:
    rt: Runtime = application.bot_data[RUNTIME_KEY]
    await db.upgrade(rt.engine)
    async with rt.tx() as session:
        community = await ensure_community(session, rt.settings)
        rt.community_id = community.id
    # Announce this process before it takes any work: a row another process finds "sending"
    # by a holder with no heartbeat row counts as a dead one's and is taken over (sent twice).
    await beats.beat(rt, PROCESS_BOT, "webhook" if rt.settings.webhook_url else "polling",
                     False)
    # SQLite: sends a killed process had from Telegram but not yet on record are recorded,
    # not sent again (groupbot/sent_journal.py). Before anything here sends.
    await sent_records.replay_journal(rt)
    rt.bot_username = application.bot.username
    if hasattr(evidence := rt.extras.get("evidence"), "open"):  # evidence workers' queue
        await evidence.open()
    if rt.settings.intake_secret:  # the storefront's signed HTTP intake (groupbot/intake)
        application.bot_data[intake.SERVER_KEY] = await intake.start_server(
            rt, on_commit=lambda: application.create_task(handlers.ticks.tick_now(application)),
            web_server=application.bot_data.get(WEB_KEY))
    await set_bot_commands(application.bot)
    await handlers.polling.put_back_unfinished(application)
    log.info("groupbot ready as @%s (community %s)", rt.bot_username, rt.community_id)


async def _post_shutdown(application: Application) -> None:
    rt: Runtime = application.bot_data[RUNTIME_KEY]
    await handlers.polling.record_handled(application)
    if (server := application.bot_data.pop(intake.SERVER_KEY, None)) is not None:
        await server.stop()
    # The engine stays usable after dispose (a new pool is made on demand), so a restarted
    # Application sharing this runtime in tests keeps working.
    if (evidence := rt.extras.get("evidence")) is not None:
        if hasattr(evidence, "close_async"):
            await evidence.close_async()
        evidence.close()
    try:
        await beats.leave(rt)
    except Exception:  # the row goes stale instead and `status` shows the process as gone
        log.warning("could not remove this process's heartbeat row", exc_info=True)
    if (leadership := leadership_of(rt)) is not None:  # the next process takes over now
        await leadership.close()
    if (locks := locks_of(rt)) is not None:
        await locks.close()
    await sent_records.close_shared(rt)
    await rt.engine.dispose()

