"""Reading the organizer's time, the length limits, the notice blanks."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from groupbot.broadcasts import compose
from groupbot.broadcasts.schedule import local, parse_when
from groupbot.refusal import Refused

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


@pytest.mark.parametrize(("typed", "expected"), [
    ("2026-11-25 18:00", "2026-11-25 18:00"),
    ("2026/11/25 18:00", "2026-11-25 18:00"),
    ("11-25 18:00", "2026-11-25 18:00"),
    ("11月25日 18:00", "2026-11-25 18:00"),
    ("明天 18:00", "2026-11-21 18:00"),
    ("明天18：00", "2026-11-21 18:00"),
    ("tomorrow 18:00", "2026-11-21 18:00"),
    ("Tomorrow 9:05", "2026-11-21 09:05"),
    ("18:00", "2026-11-20 18:00"),
    ("01-05 08:00", "2027-01-05 08:00"),
])
def test_times_are_read_in_the_community_time_zone(typed, expected):
    assert local(parse_when(typed, NOW, SH), SH) == expected


@pytest.mark.parametrize(("typed", "code"), [
    ("09:00", "when_past"), ("2026-11-19 18:00", "when_past"), ("今天 10:00", "when_past"),
    ("下周", "when_bad"), ("2026-02-30 10:00", "when_bad"), ("25:00", "when_bad"),
])
def test_past_and_unreadable_times_are_refused(typed, code):
    with pytest.raises(Refused) as err:
        parse_when(typed, NOW, SH)
    assert err.value.code == code


def test_lengths_count_what_the_reader_sees_in_utf16():
    assert compose.length("<b>你好</b> &amp; 🍑") == 7
    assert compose.check("x" * 4096, None) == 4096
    with pytest.raises(Refused) as err:
        compose.check("x" * 4097, None)
    assert (err.value.code, err.value.params) == ("too_long_text", {"limit": 4096,
                                                                    "length": 4097})
    with pytest.raises(Refused) as err:
        compose.check("x" * 1025, "photo-id")
    assert err.value.code == "too_long_caption"
    assert compose.check(None, "photo-id") == 0
    with pytest.raises(Refused):
        compose.check("  ", None)


def test_notice_blanks_are_asked_in_order_and_escaped():
    values: dict[str, str] = {}
    for answer in ("水蜜桃", "3号楼 <大堂>", "今天 18:00"):
        values = compose.fill_blank("pickup", values, answer)
    assert compose.next_blank("pickup", values) is None
    text = compose.notice_html("zh-Hans", "pickup", values)
    assert "水蜜桃" in text and "3号楼 &lt;大堂&gt;" in text and "今天 18:00" in text
