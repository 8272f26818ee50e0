"""The chart is a PNG that decodes at its size, with or without data; periods as typed."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from groupbot.analytics import documents
from groupbot.analytics.chart import HEIGHT, WIDTH, render_png
from groupbot.analytics.period import PeriodError, last_days, parse_period
from tests.analytics.factories import batch

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # Friday 10:00 in Shanghai


def _decoded(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


async def test_chart_renders_a_png_of_the_expected_size(runtime):
    rt = runtime
    async with rt.tx() as s:
        await batch(rt, s, "芒果", orders=10, claimed=3, delivered_at=rt.clock.now())
        await batch(rt, s, "沃柑", orders=2, claimed=1, reason="crushed",
                    delivered_at=rt.clock.now())
    report = await documents.read(rt, last_days(7, rt.settings.tz, rt.clock.now()))
    for locale in ("zh-Hans", "en"):
        image = _decoded(render_png(locale, report))
        assert (image.format, image.size) == ("PNG", (WIDTH, HEIGHT))
        # Something was drawn: a bar chart has many colours, a blank canvas one.
        assert len(image.convert("RGB").getcolors(maxcolors=100_000) or []) > 50


async def test_chart_without_data_still_renders(runtime):
    rt = runtime
    report = await documents.read(rt, last_days(7, rt.settings.tz, rt.clock.now()))
    image = _decoded(render_png("zh-Hans", report))
    assert (image.format, image.size) == ("PNG", (WIDTH, HEIGHT))


@pytest.mark.parametrize(("typed", "first", "last"), [
    ("", date(2026, 11, 14), date(2026, 11, 20)),
    ("week", date(2026, 11, 14), date(2026, 11, 20)),
    ("30d", date(2026, 10, 22), date(2026, 11, 20)),
    ("90天", date(2026, 8, 23), date(2026, 11, 20)),
    ("月", date(2026, 10, 22), date(2026, 11, 20)),
    ("2026-11-01", date(2026, 11, 1), date(2026, 11, 20)),
    ("2026-11-01..2026-11-07", date(2026, 11, 1), date(2026, 11, 7)),
    ("2026-10-01 至 2026-12-31", date(2026, 10, 1), date(2026, 11, 20)),
])
def test_periods_as_typed(typed, first, last):
    period = parse_period(typed, TZ, NOW)
    assert (period.first_day, period.last_day) == (first, last)
    assert period.since == datetime(first.year, first.month, first.day, tzinfo=TZ)
    assert period.until == datetime(last.year, last.month, last.day, tzinfo=TZ) + timedelta(days=1)


@pytest.mark.parametrize(("typed", "code"), [
    ("下个月", "unknown"), ("2026-02-30", "bad_date"), ("2026-12-01", "in_future"),
    ("2026-11-07..2026-11-01", "backwards"), ("999d", "too_long"), ("0d", "unknown"),
])
def test_bad_periods_are_refused_with_a_reason(typed, code):
    with pytest.raises(PeriodError) as caught:
        parse_period(typed, TZ, NOW)
    assert caught.value.code == code
