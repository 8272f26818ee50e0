"""Spreading one refund amount over the claim's order lines (pure, integer minor units)."""

from __future__ import annotations

from collections.abc import Sequence


def split_amount(amount: int, computed: Sequence[int], caps: Sequence[int]) -> list[int]:
    """Shares of ``amount`` per line, each within its cap, summing to ``amount`` exactly.

    Up to the computed total the amount is shared in proportion to what each line's quote
    gave (floors, the leftover one unit at a time to lines still under their quote); above it,
    every line gets its quote and the rest fills lines up to their caps in order. Raises
    ValueError when the caps cannot hold the amount.
    """
    if amount < 0 or any(c < 0 for c in computed) or len(computed) != len(caps):
        raise ValueError("amounts must not be negative")
    if amount > sum(caps):
        raise ValueError("amount exceeds what is still refundable")
    base = [min(c, cap) for c, cap in zip(computed, caps, strict=True)]
    total = sum(base)
    if amount <= total and total > 0:
        shares = [amount * b // total for b in base]
        left = amount - sum(shares)
        while left:
            for i, b in enumerate(base):
                if left and shares[i] < b:
                    shares[i] += 1
                    left -= 1
        return shares
    shares, extra = list(base), amount - total
    for i, cap in enumerate(caps):
        add = min(extra, cap - shares[i])
        shares[i] += add
        extra -= add
    return shares
