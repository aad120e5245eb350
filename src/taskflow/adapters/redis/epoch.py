"""The epoch: what Redis-held state is still to be trusted, shared by the cache and the gate.

`taskflow:epoch` is a hash {n, at}. Entries (cache entries, gate facts) are stamped with
the `n` they were stored under and count only while it is current. `n` changes, and `at`
records when, in two cases: Redis lost its data (the hash is missing, and the first
script to find it so starts a new one), or a process could not write a change through
(it owes a raise, and pays it before its next use of Redis, or sooner in the background).
"""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager, suppress
from typing import TYPE_CHECKING, Final

from taskflow.adapters.redis_failures import REDIS_FALLBACKS, RedisHealth, RedisUnavailableError, translate_errors

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from redis.asyncio import Redis

EPOCH_KEY: Final = "taskflow:epoch"

# Shared by the scripts that take the epoch as KEYS[1]: the epoch, started now if Redis has
# none (it lost its data).
EPOCH_LUA: Final = """
local function now_ms()
  local t = redis.call('TIME')
  return t[1] * 1000 + math.floor(t[2] / 1000)
end
local function epoch()
  local e = redis.call('HMGET', KEYS[1], 'n', 'at')
  if not e[1] then
    local started = now_ms()
    redis.call('HSET', KEYS[1], 'n', 1, 'at', started)
    return '1', started
  end
  return e[1], tonumber(e[2])
end
"""
_RAISE: Final = (
    EPOCH_LUA
    + """
epoch()
redis.call('HINCRBY', KEYS[1], 'n', 1)
redis.call('HSET', KEYS[1], 'at', now_ms())
return 1
"""
)
_RETRY_SECONDS: Final = 0.25


class Epoch:
    """One per process, shared by its Redis adapters: what it owes the epoch, and paying it."""

    def __init__(self, redis: Redis, health: RedisHealth) -> None:
        self.health = health
        self._raise = redis.register_script(_RAISE)
        self._owed = False
        self._settling: asyncio.Task[None] | None = None

    def owe(self) -> None:
        """A change could not be written through: until the epoch moves, Redis may hold what it replaced."""
        self._owed = True
        if self._settling is None or self._settling.done():
            with suppress(RuntimeError):  # no running loop (a synchronous caller): the next call pays
                self._settling = asyncio.get_running_loop().create_task(self._settle_soon())

    @asynccontextmanager
    async def calling(self, use: str) -> AsyncIterator[None]:
        """One use of Redis: settle what is owed first; count it as a fallback (`use`) if Redis is down."""
        try:
            with translate_errors(self.health):
                await self._settle()
                yield
        except RedisUnavailableError:
            REDIS_FALLBACKS.labels(use=use).inc()
            raise

    async def _settle(self) -> None:
        if self._owed:
            await self._raise(keys=[EPOCH_KEY])
            self._owed = False

    async def _settle_soon(self) -> None:
        """Other processes read Redis too: pay as soon as it answers, not at this process's next request."""
        while self._owed:
            try:
                with translate_errors(self.health):
                    await self._settle()
            except RedisUnavailableError:
                await asyncio.sleep(_RETRY_SECONDS)
