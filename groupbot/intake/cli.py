"""``groupbot orders import FILE.csv`` and ``groupbot orders ship FILE.csv``.

They run outside the bot, on their own engine: the schema is upgraded first, the file is
checked completely (a dry run), and only a clean file is written, in one transaction. The
messages they queue are sent by the bot at its next tick. Output is in the default locale.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from groupbot.runtime import Runtime
    from groupbot.settings import Settings


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    orders = sub.add_parser("orders", help="import orders or shipping updates from CSV files")
    osub = orders.add_subparsers(dest="orders_command", required=True)
    imp = osub.add_parser(
        "import",
        help="create orders: external_id, telegram_id, first_name, group_chat_id, product, "
        "unit, perishable, quantity, unit_price, discount[, order_discount]",
    )
    ship = osub.add_parser(
        "ship", help="mark orders shipped: external_id, courier, tracking_number"
    )
    for p in (imp, ship):
        p.add_argument("file", type=Path, help="a UTF-8 CSV file with a header row")
        p.add_argument("--dry-run", action="store_true", help="check and count; write nothing")
        p.add_argument(
            "--bot-username",
            help="the bot's @username for links in members' messages "
            "(default: asked from Telegram with GROUPBOT_BOT_TOKEN)",
        )


async def run(
    settings: Settings,
    args: argparse.Namespace,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    from groupbot.runtime import Runtime

    rt = Runtime.create(settings)
    try:
        return await run_with(rt, args, out=out, err=err)
    finally:
        await rt.engine.dispose()


async def run_with(
    rt: Runtime,
    args: argparse.Namespace,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """The command against a runtime (tests pass one on their own database)."""
    from groupbot import db
    from groupbot.intake import csvfile
    from groupbot.intake.fields import plain
    from groupbot.people import ensure_community

    out, err = out or sys.stdout, err or sys.stderr
    locale = rt.settings.default_locale

    def say(stream: TextIO, key: str, **values: object) -> None:
        print(plain(locale, f"intake.cli.{key}", **values), file=stream)

    action = csvfile.import_orders if args.orders_command == "import" else csvfile.ship_orders
    await db.upgrade(rt.engine)
    async with rt.tx() as session:
        rt.community_id = (await ensure_community(session, rt.settings)).id
    try:
        outcome = await action(rt, args.file, dry_run=True)
        if outcome.ok and not args.dry_run:
            try:
                given = (args.bot_username or "").lstrip("@")
                rt.bot_username = given or await fetch_bot_username(rt.settings)
            except LookupError as exc:
                say(err, "no_bot_username", reason=str(exc))
                return 1
            outcome = await action(rt, args.file, dry_run=False)
    except csvfile.CsvFileError as exc:
        say(err, "cannot_read", path=str(exc.path), reason=exc.reason)
        return 1
    if not outcome.ok:
        for line in csvfile.explain(locale, outcome.errors):
            print(line, file=err)
        say(err, "rejected", count=len(outcome.errors), path=str(args.file))
        return 1
    kind = "imported" if args.orders_command == "import" else "shipped"
    say(out, f"{kind}_dry" if args.dry_run else kind, done=outcome.done, already=outcome.already)
    if outcome.done and not args.dry_run:
        say(out, "queued")
    return 0


async def fetch_bot_username(settings: Settings) -> str:
    """Ask the Bot API who we are (getMe); LookupError with a printable reason if we cannot."""
    import aiohttp

    token = settings.bot_token
    if not token:
        raise LookupError("GROUPBOT_BOT_TOKEN is not set")
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15)) as http,
            http.get(f"{settings.base_url}{token}/getMe") as resp,
        ):
            data = await resp.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        reason = f"{type(exc).__name__}: {exc}".replace(token, "***")
        raise LookupError(reason) from exc
    if not isinstance(data, dict) or not data.get("ok"):
        description = data.get("description") if isinstance(data, dict) else None
        raise LookupError(str(description or f"HTTP {resp.status}").replace(token, "***"))
    return str(data["result"]["username"])
