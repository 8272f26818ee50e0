"""One send budget for every process of a bot token, kept in Redis.

Telegram's flood limits are per token — about 30 messages a second in all, 20 a minute into one
group, about one a second into one private chat — so N processes must share one budget. Each
limit is a token bucket in Redis, refilled and taken by one Lua script (atomic; Redis's own
clock, so the processes' clocks don't matter). Replies stay ahead of broadcasts across
processes: a broadcast send may only take from the overall bucket while ``reserve`` tokens are
left in it, so a reply arriving anywhere finds a token at once. A 429 seen by any process pauses
every process's broadcast sends for ``retry_after``.

If Redis stops answering, each process falls back to its own limiter (logged): the bot slows
down to what one process may send instead of stopping.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

log = logging.getLogger(__name__)

# KEYS[1]: bucket, KEYS[2]: broadcast pause. ARGV: rate/s, capacity, cost, reserve.
# Returns 0 when the tokens were taken, else the milliseconds to wait before asking again.
_TAKE = """
local rate, capacity = tonumber(ARGV[1]), tonumber(ARGV[2])
local cost, reserve = tonumber(ARGV[3]), tonumber(ARGV[4])
if reserve > 0 then
  local paused = redis.call('PTTL', KEYS[2])
  if paused > 0 then return paused end
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 'tokens', 'stamp')
local tokens, stamp = tonumber(b[1]), tonumber(b[2])
if tokens == nil then tokens, stamp = capacity, now end
tokens = math.min(capacity, tokens + (now - stamp) * rate / 1000)
local need = math.min(cost, capacity) + reserve
local wait = 0
if tokens >= need then
  tokens = tokens - cost
else
  wait = math.max(1, math.ceil((need - tokens) * 1000 / rate))
end
redis.call('HSET', KEYS[1], 'tokens', tokens, 'stamp', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity * 1000 / rate) + 60000)
return wait
"""


class SharedBudget:
    """Token buckets shared by all processes sending for one bot (``prefix`` names it)."""

    def __init__(self, url: str, prefix: str, *, client: Any = None) -> None:
        from redis import asyncio as redis

        self.prefix = prefix
        self.redis = client or redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._script = self.redis.register_script(_TAKE)
        self.available = True
        self._warned = False

    def _key(self, name: str) -> str:
        return f"{self.prefix}:{name}"

    async def take(self, bucket: str, rate: float, capacity: float, cost: float = 1.0,
                   reserve: float = 0.0) -> bool:
        """Wait until ``cost`` tokens of ``bucket`` are ours. False: Redis is unreachable
        and the caller must limit on its own."""
        while True:
            wait = await self.try_take(bucket, rate, capacity, cost, reserve)
            if wait is None:
                return False
            if wait <= 0:
                return True
            await asyncio.sleep(wait)

    async def try_take(self, bucket: str, rate: float, capacity: float, cost: float = 1.0,
                       reserve: float = 0.0) -> float | None:
        """One try: 0 when the tokens are ours, else the seconds before asking again; None when
        Redis is unreachable (the caller limits on its own)."""
        from redis.exceptions import RedisError

        try:
            wait = int(await self._script(
                keys=[self._key(bucket), self._key("broadcast-pause")],
                args=[rate, capacity, cost, reserve]))
        except (RedisError, OSError) as exc:
            if not self._warned:
                log.warning("shared send budget unavailable (%s): limiting locally", exc)
            self._warned, self.available = True, False
            return None
        if self._warned:
            log.info("shared send budget back")
        self._warned, self.available = False, True
        return max(0, wait) / 1000

    async def pause_broadcasts(self, seconds: float) -> None:
        from redis.exceptions import RedisError

        try:
            key = self._key("broadcast-pause")
            current = await self.redis.pttl(key)
            if int(current or 0) < seconds * 1000:
                await self.redis.set(key, "1", px=max(1, int(seconds * 1000)))
        except (RedisError, OSError) as exc:
            log.warning("could not share a 429 pause: %s", exc)

    async def close(self) -> None:
        await self.redis.aclose()
