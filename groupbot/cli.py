"""The `groupbot` command: run, worker, status, demo, sandbox, db, orders, evidence."""

from __future__ import annotations

import argparse
import asyncio
import errno
import logging
import sys
from collections.abc import Sequence
from typing import Any

from groupbot.analytics.cli import add_parser as add_report_parser
from groupbot.intake.cli import add_parser as add_orders_parser
from groupbot.settings import Settings, SettingsError, load_settings

VERBOSE_HELP = "also log the scheduler's every tick, each HTTP request and Alembic's set-up"
# Loggers whose INFO lines repeat or only matter when debugging: WARNING unless --verbose.
CHATTY_LOGGERS = (
    "apscheduler.executors.default",  # "Running job ..." / "... executed successfully", per tick
    "alembic.runtime.plugins",  # "setting up autogenerate plugin ..."
    "alembic.runtime.migration",  # "Context impl SQLiteImpl." / "Will assume ..."
    "httpx",  # one line per Bot API request
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="groupbot", description="Community group-buying bot")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the bot (polling, or webhook when GROUPBOT_WEBHOOK_URL "
                         "is set)")
    run.add_argument("-v", "--verbose", action="store_true", help=VERBOSE_HELP)
    work = sub.add_parser("worker", help="run an evidence worker (GROUPBOT_EVIDENCE_QUEUE="
                          "procrastinate, PostgreSQL)")
    work.add_argument("--concurrency", type=int, default=None,
                      help="photos analysed at once (default: one per core)")
    sub.add_parser("status", help="running processes and workers, the leader, queue depths")
    demo = sub.add_parser("demo", help="play a scripted scenario against the built-in sandbox")
    demo.add_argument("--locale", default=None, choices=["zh-Hans", "en"])
    box = sub.add_parser("sandbox", help="the bot on the built-in sandbox, with a web page to "
                         "try it in a browser (and a control API for curl)")
    box.add_argument("--port", type=int, default=8088)
    box.add_argument("--locale", default=None, choices=["zh-Hans", "en"])
    box.add_argument("--demo", action="store_true",
                     help="replay the demo's scenario first, so the group is lived-in")
    box.add_argument("-v", "--verbose", action="store_true", help=VERBOSE_HELP)
    dbp = sub.add_parser("db", help="database schema")
    dbsub = dbp.add_subparsers(dest="db_command", required=True)
    dbsub.add_parser("upgrade", help="upgrade the schema to the latest revision")
    down = dbsub.add_parser("downgrade", help="downgrade the schema to a revision")
    down.add_argument("revision")
    dbsub.add_parser("current", help="print the current revision")
    add_orders_parser(sub)
    add_report_parser(sub)
    sub.add_parser("evidence", help="photo evidence checks (groupbot evidence check --help)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["evidence"]:
        from groupbot.evidence.cli import main as evidence_main

        return evidence_main(argv[1:])
    args = _parser().parse_args(argv)
    _configure_logging(args.command, getattr(args, "verbose", False))
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"groupbot: {exc}", file=sys.stderr)
        return 2
    if args.command == "run":
        return _run(settings)
    if args.command == "worker":
        if settings.evidence_queue != "procrastinate":
            print("groupbot: GROUPBOT_EVIDENCE_QUEUE is not procrastinate: the bot analyses "
                  "photos itself, so a worker would get no jobs", file=sys.stderr)
            return 2
        from groupbot.worker.run import run_worker

        return asyncio.run(run_worker(settings, concurrency=args.concurrency))
    if args.command == "status":
        return asyncio.run(_status(settings))
    if args.command == "demo":
        from groupbot.demo import run_demo

        return asyncio.run(run_demo(settings, locale=args.locale))
    if args.command == "sandbox":
        return _sandbox(settings, args)
    if args.command == "db":
        return asyncio.run(_db(settings, args))
    if args.command == "orders":
        from groupbot.intake.cli import run as run_orders

        return asyncio.run(run_orders(settings, args))
    if args.command == "report":
        from groupbot.analytics.cli import run as run_report

        return asyncio.run(run_report(settings, args))
    return 2


def _configure_logging(command: str, verbose: bool) -> None:
    """INFO for the bot's own news; the lines that repeat (the scheduler's every tick, every
    HTTP request) or only matter when debugging (Alembic's set-up) need ``--verbose``.
    Commands a person watches (demo, sandbox, orders) print their own output and only warnings.
    """
    quiet = command in ("demo", "sandbox", "orders", "report")
    logging.basicConfig(
        level=logging.INFO if verbose or not quiet else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.INFO if verbose else logging.WARNING)
    # A tick still running when the next is due is skipped on purpose (max_instances=1,
    # coalesce: handlers/ticks.py); APScheduler warns about each one.
    logging.getLogger("apscheduler.scheduler").setLevel(logging.INFO if verbose else logging.ERROR)
    if quiet and not verbose:  # a tick started late on a busy laptop is news to no one there
        logging.getLogger("apscheduler.executors.default").setLevel(logging.ERROR)


def _sandbox(settings: Settings, args: argparse.Namespace) -> int:
    from groupbot.demo.manual import serve

    try:
        return asyncio.run(serve(settings, port=args.port, locale=args.locale, demo=args.demo))
    except KeyboardInterrupt:
        return 0
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        print(f"groupbot: cannot serve on 127.0.0.1:{args.port}: {exc.strerror or exc} (is "
              "another `groupbot sandbox` running? try --port with another number)",
              file=sys.stderr)
        return 2


def _run(settings: Settings) -> int:
    if not settings.bot_token:
        print(
            "groupbot: GROUPBOT_BOT_TOKEN is not set: put the token from @BotFather in it "
            "(or try `groupbot demo`, which needs none)",
            file=sys.stderr,
        )
        return 2
    from telegram import Update

    from groupbot.app import build_application

    application = build_application(settings)
    if settings.webhook_url:
        if not settings.webhook_secret:
            print("groupbot: GROUPBOT_WEBHOOK_SECRET is not set: webhook mode needs a secret "
                  "token so only Telegram can post updates", file=sys.stderr)
            return 2
        asyncio.run(serve_webhook(application))
    else:
        application.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0


async def serve_webhook(application: Any, stop: asyncio.Event | None = None) -> None:
    """Webhook mode: one aiohttp server (the webhook and the storefront intake) and an
    Application without an Updater, until SIGINT/SIGTERM (or ``stop``)."""
    import signal

    from telegram import Update

    from groupbot.scale.web import WEB_KEY

    settings = application.bot_data["groupbot.runtime"].settings
    if stop is None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
    server = application.bot_data[WEB_KEY]
    await application.initialize()
    try:
        if application.post_init is not None:
            await application.post_init(application)
        await application.start()
        await server.start(settings.webhook_listen, settings.webhook_port)
        await application.bot.set_webhook(
            settings.webhook_url, secret_token=settings.webhook_secret,
            allowed_updates=Update.ALL_TYPES)
        await stop.wait()
    finally:
        await server.stop()  # answer nothing more before the Application stops
        if application.running:
            await application.stop()
        await application.shutdown()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)


async def _status(settings: Settings) -> int:
    from groupbot.runtime import Runtime
    from groupbot.scale.cli import status_command

    rt = Runtime.create(settings)
    try:
        return await status_command(rt)
    finally:
        await rt.engine.dispose()


async def _db(settings: Settings, args: argparse.Namespace) -> int:
    from groupbot import db

    engine = db.make_engine(settings.database_url)
    try:
        if args.db_command == "upgrade":
            await db.upgrade(engine)
        elif args.db_command == "downgrade":
            await db.downgrade(engine, args.revision)
        print(await db.current_revision(engine) or "base")
    finally:
        await engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
