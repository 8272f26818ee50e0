"""Tracking-number normalisation: confusions are forgiven, a different number never is."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from groupbot.evidence.tracking import (
    looks_like_tracking,
    match_in_text,
    match_number,
    normalize,
    tokens_from_text,
)


@pytest.mark.parametrize(
    ("read", "expected"),
    [
        ("SF 7751 6719 05686", "SF7751671905686"),
        ("sf-7751-6719-05686", "SF7751671905686"),
        ("ＳＦ７７５１６７１９０５６８６", "SF7751671905686"),  # full-width
        ("SF775I67I9O5686", "SF7751671905686"),  # I/1 and O/0
        ("M0O969549237", "M00969549237"),
        ("7751671905686", "SF7751671905686"),  # label without the courier prefix
        ("SF7751671905686", "7751671905686"),  # order entered without it
        ("1T8513926833876", "YT8513926833876"),  # prefix misread by OCR
        ("R1278512336FFL", "R1278512336FPL"),  # P/F in small print
    ],
)
def test_matches(read: str, expected: str):
    assert match_number(read, [expected]) == expected


@pytest.mark.parametrize(
    ("read", "expected"),
    [
        ("SF7751671905687", "SF7751671905686"),  # last digit differs
        ("SF77516719056861", "SF7751671905686"),  # longer number
        ("775167190568", "SF7751671905686"),  # digits missing
        ("JD7751671905686", "SF7751671905686"),  # another courier's parcel
        ("97751671905686", "7751671905686"),  # extra digit in front
        ("1234567", "123456"),
        ("", "SF7751671905686"),
    ],
)
def test_mismatches(read: str, expected: str):
    assert match_number(read, [expected]) is None


def test_several_expected_numbers():
    assert match_number("JD0012345678", ["SF7751671905686", "JD0012345678"]) == "JD0012345678"


@settings(max_examples=300, deadline=None)
@given(
    prefix=st.sampled_from(["", "SF", "JD", "YT", "JT", "M"]),
    digits=st.text(alphabet="0123456789", min_size=8, max_size=18),
    pos=st.integers(min_value=0, max_value=17),
    new=st.sampled_from("0123456789"),
)
def test_one_wrong_digit_is_never_a_match(prefix: str, digits: str, pos: int, new: str):
    pos %= len(digits)
    if digits[pos] == new:
        return
    wrong = digits[:pos] + new + digits[pos + 1 :]
    assert match_number(prefix + wrong, [prefix + digits]) is None


def test_text_lines():
    assert tokens_from_text("运单号：SF 7751 6719 05686 寄件") == ["SF7751671905686"]
    assert match_in_text("AWB: M00969549237", ["M00969549237"]) == ("M00969549237",) * 2
    assert match_in_text("NO.SF7751671905686", ["SF7751671905686"]) is not None
    assert match_in_text("订单号：DD4602130096", ["SF7751671905686"]) is None


def test_tracking_shape():
    assert looks_like_tracking(normalize("SF7751671905686"))
    assert looks_like_tracking("R1278512336FPL")
    assert not looks_like_tracking("395010")  # a postcode
    assert not looks_like_tracking("HTTP:WEIXINQQCOM")
