"""Rate limits: atomic counters in Redis shared by every process, a local one when it is down."""

from __future__ import annotations

import functools
import hashlib
import math
import time
from typing import TYPE_CHECKING, Final, cast

from taskflow.adapters.redis_failures import REDIS_FALLBACKS, RedisHealth, translate_errors
from taskflow.domain.errors import UnavailableError
from taskflow.domain.ports.security import RateDecision, RateLimiter, RateRule

if TYPE_CHECKING:
    from collections.abc import Callable

    from redis.asyncio import Redis


_PREFIX: Final = "taskflow:rl:"
# One round trip, atomic: count the hit, start the window on the first one, report its age.
_HIT: Final = """
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
"""
_REFUND: Final = """
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count > 0 then return redis.call('DECR', KEYS[1]) end
return 0
"""


@functools.lru_cache(maxsize=4096)  # a signed-in user's key is made on every request
def limit_key(rule: RateRule, key: str) -> str:
    # Keys name e-mail addresses and client addresses: store a digest, not the value.
    return _PREFIX + rule.name + ":" + hashlib.sha256(key.encode()).hexdigest()[:32]


def decide(rule: RateRule, count: int, ttl_ms: int) -> RateDecision:
    return RateDecision(
        allowed=count <= rule.limit,
        remaining=max(0, rule.limit - count),
        reset_after=max(1, math.ceil(ttl_ms / 1000)),
    )


class RedisRateLimiter(RateLimiter):
    """Fixed windows that open at a key's first hit; raises UnavailableError when Redis is."""

    def __init__(self, redis: Redis, health: RedisHealth) -> None:
        self._redis = redis
        self._health = health
        self._hit = redis.register_script(_HIT)
        self._refund = redis.register_script(_REFUND)

    async def hit(self, rule: RateRule, key: str) -> RateDecision:
        with translate_errors(self._health):
            count, ttl_ms = cast(
                "list[int]", await self._hit(keys=[limit_key(rule, key)], args=[rule.window_seconds * 1000])
            )
        return decide(rule, int(count), int(ttl_ms))

    async def refund(self, rule: RateRule, key: str) -> None:
        with translate_errors(self._health):
            await self._refund(keys=[limit_key(rule, key)])

    async def reset(self, rule: RateRule, key: str) -> None:
        with translate_errors(self._health):
            await self._redis.delete(limit_key(rule, key))


class LocalRateLimiter(RateLimiter):
    """The same windows in this process's memory, bounded in size: the fallback."""

    def __init__(self, *, max_keys: int = 100_000, clock: Callable[[], float] = time.monotonic) -> None:
        self._windows: dict[str, tuple[int, float]] = {}
        self._max_keys = max_keys
        self._clock = clock

    async def hit(self, rule: RateRule, key: str) -> RateDecision:
        now = self._clock()
        name = limit_key(rule, key)
        count, ends = self._windows.get(name, (0, 0.0))
        if ends <= now:
            count, ends = 0, now + rule.window_seconds
            self._make_room(now)
        self._windows[name] = (count + 1, ends)
        return decide(rule, count + 1, int((ends - now) * 1000))

    async def refund(self, rule: RateRule, key: str) -> None:
        name = limit_key(rule, key)
        if name in self._windows:
            count, ends = self._windows[name]
            self._windows[name] = (max(0, count - 1), ends)

    async def reset(self, rule: RateRule, key: str) -> None:
        self._windows.pop(limit_key(rule, key), None)

    def _make_room(self, now: float) -> None:
        if len(self._windows) < self._max_keys:
            return
        self._windows = {name: entry for name, entry in self._windows.items() if entry[1] > now}
        while len(self._windows) >= self._max_keys:  # all live: drop the oldest windows
            self._windows.pop(next(iter(self._windows)))


class StandInRateLimiter(RateLimiter):
    """The process's own windows standing in for Redis: each hit is counted as a fallback.

    Also what a caller whose own Redis call just failed counts on (the gate), without asking
    Redis again.
    """

    def __init__(self, local: LocalRateLimiter) -> None:
        self._local = local

    async def hit(self, rule: RateRule, key: str) -> RateDecision:
        REDIS_FALLBACKS.labels(use="rate_limit").inc()  # RedisHealth logged the outage once
        return await self._local.hit(rule, key)

    async def refund(self, rule: RateRule, key: str) -> None:
        await self._local.refund(rule, key)

    async def reset(self, rule: RateRule, key: str) -> None:
        await self._local.reset(rule, key)


class FallbackRateLimiter(RateLimiter):
    """Redis first; while it cannot answer, each process limits on its own."""

    def __init__(self, primary: RedisRateLimiter, fallback: StandInRateLimiter) -> None:
        self._primary = primary
        self._fallback = fallback

    async def hit(self, rule: RateRule, key: str) -> RateDecision:
        try:
            return await self._primary.hit(rule, key)
        except UnavailableError:
            return await self._fallback.hit(rule, key)

    async def refund(self, rule: RateRule, key: str) -> None:
        try:
            await self._primary.refund(rule, key)
        except UnavailableError:
            await self._fallback.refund(rule, key)

    async def reset(self, rule: RateRule, key: str) -> None:
        try:
            await self._primary.reset(rule, key)
        except UnavailableError:
            await self._fallback.reset(rule, key)
