"""The Wilson interval and the minimum sample."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

import messages
from groupbot.analytics import labels
from groupbot.analytics.intervals import Rate, wilson


@pytest.mark.parametrize(("k", "n", "low", "high"), [
    # Reference values (Wilson score interval, z = 1.95996), e.g. Newcombe (1998), table I.
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0, 0.1611),
    (1, 29, 0.0061, 0.1718),
    (20, 20, 0.8389, 1.0),
])
def test_wilson_matches_reference_values(k, n, low, high):
    lo, hi = wilson(k, n)
    assert math.isclose(lo, low, abs_tol=5e-4) and math.isclose(hi, high, abs_tol=5e-4)


@given(st.integers(min_value=1, max_value=10_000).flatmap(
    lambda n: st.tuples(st.integers(min_value=0, max_value=n), st.just(n))))
def test_wilson_contains_the_estimate_and_stays_in_0_1(kn):
    k, n = kn
    lo, hi = wilson(k, n)
    assert 0.0 <= lo <= k / n <= hi <= 1.0


def test_wilson_narrows_as_the_sample_grows():
    widths = [wilson(n // 10, n)[1] - wilson(n // 10, n)[0] for n in (30, 300, 3000)]
    assert widths[0] > widths[1] > widths[2]


def test_no_trials_is_the_whole_range_and_bad_counts_are_refused():
    assert wilson(0, 0) == (0.0, 1.0)
    with pytest.raises(ValueError):
        wilson(5, 4)


def test_under_the_minimum_sample_only_counts_are_shown():
    assert labels.rate("zh-Hans", Rate(3, 29, 30)) == messages.t(
        "zh-Hans", "reports.rate.small", part=3, whole=29, min=30)
    assert labels.rate("en", Rate(3, 30, 30)) == "10.0% (3.5–25.6%)"
    assert labels.rate("en", Rate(0, 0, 30)) == "—"
    assert "%" not in labels.rate("en", Rate(29, 29, 30))
