"""Telegram's flood limits, as token buckets: off unless ``enforce_limits`` is set.

Telegram documents ~30 messages/s overall, 20/min per group and ~1/s per private chat, with
short bursts tolerated. A bucket per scope refills at that rate; a send needs a token in every
bucket it touches, else 429 with ``retry_after`` = seconds until it would pass (at least 1).
``jitter`` (seconds) enlarges every bucket by what its rate refills in that time: a client that
paces at exactly the documented rate (PTB's AIORateLimiter) sees its requests arrive bunched up
by connection set-up and event-loop delays, and must not get 429s for that. Real bursts do.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

# methods that create messages; value: parameter whose length is the number of messages
SEND_METHODS = {
    "sendmessage": None,
    "sendphoto": None,
    "senddocument": None,
    "sendmediagroup": "media",
    "copymessage": None,
    "forwardmessage": None,
    "sendvoice": None,
    "sendsticker": None,
}


@dataclass
class Bucket:
    capacity: float
    rate: float  # tokens per second
    tokens: float
    stamp: float

    def wait(self, now: float, need: float) -> float:
        """Seconds until ``need`` tokens are there (0: now). Refills as a side effect."""
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        return 0.0 if self.tokens >= need else (need - self.tokens) / self.rate


class FloodLimiter:
    def __init__(
        self,
        *,
        overall_per_second: float = 30,
        overall_burst: float = 30,
        group_per_minute: float = 20,
        group_burst: float = 20,
        private_per_second: float = 1,
        private_burst: float = 5,
        jitter: float = 0.2,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.clock = clock
        group_rate = group_per_minute / 60
        self.overall = (overall_burst + overall_per_second * jitter, overall_per_second)
        self.group = (group_burst + group_rate * jitter, group_rate)
        self.private = (private_burst + private_per_second * jitter, private_per_second)
        self._buckets: dict[int | None, Bucket] = {}

    def _bucket(self, key: int | None, spec: tuple[float, float], now: float) -> Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = Bucket(spec[0], spec[1], spec[0], now)
        return bucket

    def check(self, chat_id: int, count: int = 1) -> int | None:
        """Take ``count`` sends into chat_id; None if allowed, else retry_after seconds."""
        now = self.clock()
        buckets = [
            self._bucket(None, self.overall, now),
            self._bucket(chat_id, self.group if chat_id < 0 else self.private, now),
        ]
        need = min(count, min(b.capacity for b in buckets))
        wait = max(b.wait(now, need) for b in buckets)
        if wait > 0:
            return max(1, math.ceil(wait))
        for b in buckets:
            b.tokens -= need
        return None

    def reset(self) -> None:
        self._buckets.clear()
