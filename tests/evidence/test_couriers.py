"""Courier number grammars: what each courier's number looks like, and what breaks it."""

from __future__ import annotations

import numpy as np
import pytest

from groupbot.evidence.couriers import (
    fits_any,
    fits_strong,
    grammars_for,
    has_label_words,
    misread,
    s10_check_digit,
)
from tools.evidence.layouts import COURIERS, tracking_number


def test_s10_check_digit_of_the_upu_example():
    assert s10_check_digit("47312482") == 9  # AA 47312482 9 GB, UPU S10's own example
    assert fits_strong("AA473124829GB")
    assert not fits_strong("AA473124828GB")  # one digit off: the check digit says no


@pytest.mark.parametrize(
    ("number", "courier"),
    [
        ("SF775167190568", "SF"),  # SF + 12 digits
        ("SF7751671905686", "SF"),  # SF + 13 digits
        ("YT8513926833876", "YTO"),
        ("JT8194359697209", "JT"),
        ("JD2753432653974", "JD"),
        ("EA123456785CN", "EMS"),
        ("70568395425024", "ZTO"),
        ("1640201769354", "EMS"),
    ],
)
def test_each_courier_has_its_grammar(number: str, courier: str):
    assert courier in {g.courier for g in grammars_for(number)}


def test_prefixed_numbers_are_strong_digit_only_ones_weak():
    assert fits_strong("SF7751671905686") and fits_strong("YT8513926833876")
    assert fits_any("70568395425024") and not fits_strong("70568395425024")
    assert not fits_any("6901234567892123456")  # 19 digits: no courier's


@pytest.mark.parametrize(
    "read", ["JT8194359607", "SF77516719056861", "YT851392683387", "EA123456784CN"]
)
def test_a_prefixed_read_that_breaks_its_grammar_is_a_misread(read: str):
    assert misread(read)


@pytest.mark.parametrize("read", ["JT8194359697209", "M00969549237", "234095365873953"])
def test_numbers_of_other_shapes_are_not_misreads(read: str):
    assert not misread(read)


def test_generated_numbers_fit_their_grammar():
    rng = np.random.default_rng(0)
    for courier in COURIERS:
        for _ in range(20):
            assert courier.code in {g.courier for g in grammars_for(tracking_number(courier.code, rng))}


def test_label_words():
    assert has_label_words(["顺丰速运 标快"]) and has_label_words(["Ship To: ...", "AWB 123"])
    assert not has_label_words(["合计 ¥23.50", "交易号 1234"]) and not has_label_words([])
