"""``groupbot report --since DATE [--until DATE] [--csv FILE] [--png FILE] [--locale L]``:
the organizer's report on the command line — the text on stdout, the CSV and the chart written
where asked. Read in one transaction on its own engine (the schema is upgraded first).

``groupbot report --rebuild-lines`` rebuilds ``report_lines`` (PostgreSQL: the per-line facts
its triggers keep, groupbot/models/report_lines.py) in one transaction, e.g. after a bulk load
made with triggers off; with ``--since`` the report follows."""

from __future__ import annotations

import argparse
import html
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from groupbot.runtime import Runtime
    from groupbot.settings import Settings

TAG = re.compile(r"<[^>]+>")


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("report", help="claim and refund rates since a day, as text, CSV and PNG")
    p.add_argument("--since", metavar="DATE", help="first day, e.g. 2026-11-01")
    p.add_argument("--until", metavar="DATE", help="last day, included (default: today)")
    p.add_argument("--csv", type=Path, metavar="FILE", help="write the details as CSV here")
    p.add_argument("--png", type=Path, metavar="FILE", help="write the chart as PNG here")
    p.add_argument("--locale", choices=["zh-Hans", "en"], help="default: the community's")
    p.add_argument("--rebuild-lines", action="store_true",
                   help="rebuild report_lines from the orders (PostgreSQL) first")


def plain(text: str) -> str:
    """Catalog HTML (for Telegram) as terminal text."""
    return html.unescape(TAG.sub("", text))


async def run(settings: Settings, args: argparse.Namespace, *, out: TextIO | None = None,
              err: TextIO | None = None) -> int:
    from groupbot.runtime import Runtime

    rt = Runtime.create(settings)
    try:
        return await run_with(rt, args, out=out, err=err)
    finally:
        await rt.engine.dispose()


async def rebuild_lines(rt: Runtime) -> int | None:
    """Rebuild report_lines in one transaction; its rows, or None where it is not kept."""
    from sqlalchemy import text

    if rt.engine.dialect.name != "postgresql":
        return None
    async with rt.tx() as session:
        return int(await session.scalar(text("SELECT report_lines_rebuild()")) or 0)


async def run_with(rt: Runtime, args: argparse.Namespace, *, out: TextIO | None = None,
                   err: TextIO | None = None) -> int:
    import messages
    from groupbot import db
    from groupbot.analytics import documents
    from groupbot.analytics.period import PeriodError, parse_period
    from groupbot.people import ensure_community

    out, err = out or sys.stdout, err or sys.stderr
    locale = args.locale or rt.settings.default_locale
    if args.rebuild_lines:
        await db.upgrade(rt.engine)
        lines = await rebuild_lines(rt)
        print(plain(messages.t(locale, "reports.cli.not_kept") if lines is None else
                    messages.t(locale, "reports.cli.rebuilt", lines=lines)), file=out)
        if not args.since:
            return 0
    if not args.since:
        print("groupbot report: " + plain(messages.t(locale, "reports.cli.since_required")),
              file=err)
        return 2
    typed = args.since + (f"..{args.until}" if args.until else "")
    try:
        period = parse_period(typed, rt.settings.tz, rt.clock.now())
    except PeriodError as exc:
        print("groupbot report: " + plain(messages.t(locale, f"reports.period_error.{exc.code}",
                                                     **exc.params)), file=err)
        return 2
    await db.upgrade(rt.engine)
    async with rt.tx() as session:
        rt.community_id = (await ensure_community(session, rt.settings)).id
    report = await documents.read(rt, period)
    docs = await documents.render(rt, locale, report)
    print(plain(docs.text), file=out)
    for path, data in ((args.csv, docs.csv), (args.png, docs.png)):
        if path is not None:
            try:
                path.write_bytes(data)
            except OSError as exc:
                print(f"groupbot report: {path}: {exc.strerror}", file=err)
                return 1
            print(f"→ {path}", file=out)
    return 0
