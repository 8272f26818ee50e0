"""A rate with its denominator and its Wilson 95% interval.

Rates are statistics, not money, so floats are fine here. Below the minimum sample a rate has
no percentage to show (``enough`` is False): callers print the counts instead, never a bare
percentage that one more claim would swing by ten points.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

Z95 = 1.959963984540054  # the normal quantile for a two-sided 95% interval


def wilson(successes: int, trials: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of ``successes`` out of ``trials`` ((0, 1) with no trials)."""
    if trials <= 0:
        return 0.0, 1.0
    if not 0 <= successes <= trials:
        raise ValueError(f"{successes} successes out of {trials} trials")
    p = successes / trials
    z2 = z * z
    centre = p + z2 / (2 * trials)
    margin = z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials))
    denominator = 1 + z2 / trials
    low, high = (centre - margin) / denominator, (centre + margin) / denominator
    # At p = 0 or 1 the exact bound is 0 or 1; keep rounding noise from crossing it.
    return (0.0 if successes == 0 else max(0.0, low), 1.0 if successes == trials else min(1.0, high))


@dataclass(frozen=True)
class Rate:
    """``part`` out of ``whole`` (e.g. units claimed out of units delivered)."""

    part: int
    whole: int
    min_sample: int

    @property
    def enough(self) -> bool:
        return self.whole >= self.min_sample

    @property
    def value(self) -> float | None:
        return self.part / self.whole if self.whole else None

    @property
    def interval(self) -> tuple[float, float]:
        # Claims can exceed deliveries in a period (a claim on an older order): cap at 1.
        return wilson(min(self.part, self.whole), self.whole)

    @property
    def low(self) -> float:
        return self.interval[0]

    @property
    def high(self) -> float:
        return self.interval[1]


def percent(value: float) -> str:
    """12.3 for 0.1234: one decimal, the precision a sample of hundreds can carry."""
    return f"{value * 100:.1f}"
