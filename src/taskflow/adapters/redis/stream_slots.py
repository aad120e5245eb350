"""Live-stream slots: one sorted set per user in Redis (member: stream, score: lease end), shared by every process.

A process that dies leaves its leases to run out. While Redis is down each process
counts its own streams, as the rate limits do.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Final

from taskflow.adapters.redis_failures import REDIS_FALLBACKS, RedisHealth, translate_errors
from taskflow.domain.errors import UnavailableError
from taskflow.domain.ports.streams import StreamSlots

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from taskflow.domain.values import UserId

_PREFIX: Final = "taskflow:streams:"
# Drop the leases that ran out, then lease one if the user has room; the server's clock for all.
_TAKE: Final = """
local now = redis.call('TIME')
local now_ms = now[1] * 1000 + math.floor(now[2] / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now_ms)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], now_ms + tonumber(ARGV[1]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
"""
_RENEW: Final = """
local now = redis.call('TIME')
local now_ms = now[1] * 1000 + math.floor(now[2] / 1000)
redis.call('ZADD', KEYS[1], now_ms + tonumber(ARGV[1]), ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
"""


class RedisStreamSlots(StreamSlots):
    def __init__(self, redis: Redis, health: RedisHealth, *, lease_seconds: float) -> None:
        self._redis = redis
        self._health = health
        self._lease_ms = int(lease_seconds * 1000)
        self._take = redis.register_script(_TAKE)
        self._renew = redis.register_script(_RENEW)
        self._local: dict[UserId, dict[str, float]] = {}  # while Redis is down: stream -> lease end

    async def take(self, user: UserId, stream: str, *, limit: int) -> bool:
        try:
            with translate_errors(self._health):
                return bool(await self._take(keys=[_PREFIX + user.value], args=[self._lease_ms, limit, stream]))
        except UnavailableError:
            REDIS_FALLBACKS.labels(use="stream_slots").inc()
            now = time.monotonic()
            held = {name: end for name, end in self._local.get(user, {}).items() if end > now}
            if len(held) >= limit:
                return False
            held[stream] = now + self._lease_ms / 1000
            self._local[user] = held
            return True

    async def renew(self, user: UserId, stream: str) -> None:
        if stream in self._local.get(user, {}):
            self._local[user][stream] = time.monotonic() + self._lease_ms / 1000
            return
        try:
            with translate_errors(self._health):
                await self._renew(keys=[_PREFIX + user.value], args=[self._lease_ms, stream])
        except UnavailableError:
            REDIS_FALLBACKS.labels(use="stream_slots").inc()

    async def release(self, user: UserId, stream: str) -> None:
        held = self._local.get(user, {})
        if held.pop(stream, None) is not None:
            if not held:
                del self._local[user]
            return
        try:
            with translate_errors(self._health):
                await self._redis.zrem(_PREFIX + user.value, stream)
        except UnavailableError:
            REDIS_FALLBACKS.labels(use="stream_slots").inc()  # the lease runs out on its own
