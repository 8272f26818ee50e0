"""`groupbot report --since DATE [--csv FILE] [--png FILE]`."""

from __future__ import annotations

import io
from datetime import timedelta

from PIL import Image

import messages
from groupbot.analytics.chart import HEIGHT, WIDTH
from groupbot.analytics.cli import plain, run_with
from groupbot.analytics.csvfile import COLUMNS
from groupbot.cli import _parser
from tests.analytics.factories import batch


async def test_report_on_the_command_line_writes_csv_and_png(runtime, tmp_path):
    rt = runtime
    async with rt.tx() as s:
        await batch(rt, s, "芒果", orders=10, claimed=3, delivered_at=rt.clock.now()
                    - timedelta(days=2))
    csv_path, png_path = tmp_path / "r.csv", tmp_path / "r.png"
    args = _parser().parse_args(["report", "--since", "2026-11-01", "--csv", str(csv_path),
                                 "--png", str(png_path), "--locale", "en"])
    out, err = io.StringIO(), io.StringIO()
    assert await run_with(rt, args, out=out, err=err) == 0
    lines = out.getvalue().splitlines()
    assert lines[0] == "📊 After-sales report 2026-11-01 to 2026-11-20"
    assert lines[2] == plain(messages.t(
        "en", "reports.totals", units=100, batches=1, claims=3, claimed=6,
        rate=messages.t("en", "reports.rate.enough", rate="6.0", low="2.8", high="12.5")))
    assert lines[-2:] == [f"→ {csv_path}", f"→ {png_path}"]
    header = csv_path.read_bytes().decode("utf-8-sig").splitlines()[0]
    assert header.split(",") == list(COLUMNS)
    with Image.open(png_path) as image:
        assert (image.format, image.size) == ("PNG", (WIDTH, HEIGHT))


async def test_a_bad_date_is_one_line_on_stderr(runtime):
    args = _parser().parse_args(["report", "--since", "2026-13-01"])
    out, err = io.StringIO(), io.StringIO()
    assert await run_with(runtime, args, out=out, err=err) == 2
    assert err.getvalue() == "groupbot report: " + plain(messages.t(
        "zh-Hans", "reports.period_error.bad_date", text="2026-13-01")) + "\n"
    assert out.getvalue() == ""


async def test_rebuild_lines_then_the_report(runtime):
    """--rebuild-lines rebuilds report_lines where the database keeps them (PostgreSQL) and
    says there is nothing to rebuild elsewhere; without --since it stops there."""
    rt = runtime
    async with rt.tx() as s:
        await batch(rt, s, "芒果", orders=10, claimed=3, delivered_at=rt.clock.now()
                    - timedelta(days=2))
    out, err = io.StringIO(), io.StringIO()
    args = _parser().parse_args(["report", "--rebuild-lines", "--locale", "en"])
    assert await run_with(rt, args, out=out, err=err) == 0
    said = (messages.t("en", "reports.cli.rebuilt", lines=10)
            if rt.engine.dialect.name == "postgresql" else messages.t("en", "reports.cli.not_kept"))
    assert out.getvalue().splitlines() == [plain(said)] and err.getvalue() == ""
    out = io.StringIO()
    args = _parser().parse_args(["report", "--rebuild-lines", "--since", "2026-11-01"])
    assert await run_with(rt, args, out=out, err=err) == 0
    assert out.getvalue().splitlines()[1] == plain(messages.t(
        "zh-Hans", "reports.title", first="2026-11-01", last="2026-11-20")).splitlines()[0]


async def test_no_since_and_no_rebuild_is_one_line_on_stderr(runtime):
    out, err = io.StringIO(), io.StringIO()
    args = _parser().parse_args(["report", "--locale", "en"])
    assert await run_with(runtime, args, out=out, err=err) == 2
    assert err.getvalue() == "groupbot report: " + plain(
        messages.t("en", "reports.cli.since_required")) + "\n"
    assert out.getvalue() == ""
