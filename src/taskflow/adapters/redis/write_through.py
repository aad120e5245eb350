"""Copies of records in Redis, stamped with the epoch and written through: one mechanism for every copy.

The task cache (decision 0017), the account gate (0024) and the membership gate (0029)
each keep, per user, an entry copied from MongoDB. They share the rules of such a copy:
- a read raises RedisUnavailableError when Redis is away, and the caller reads the record;
- a fill (what a read of the record found) never raises, and is stored only under the
  epoch the read saw;
- a write-through never raises: when Redis cannot take it, this process owes an epoch
  change, so what Redis holds stops counting as soon as it answers (`Epoch.owe`).
Each script starts with the Lua below for its kind, then says only what is its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from taskflow.adapters.redis.epoch import EPOCH_LUA
from taskflow.adapters.redis_failures import RedisUnavailableError

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from redis.commands.core import AsyncScript

    from taskflow.adapters.redis.epoch import Epoch

ENTRY_TTL_MS: Final = 24 * 3600 * 1000
"""A gate's entry unused for a day is read from MongoDB again on its next use."""

# Every script takes the epoch as KEYS[1]. A read or a write finds the current epoch (`n`,
# started now if Redis lost its data); a fill stops unless the epoch is still the one its
# read saw (ARGV[1]).
READ_LUA: Final = EPOCH_LUA + "local n, started = epoch()\n"
WRITE_LUA: Final = EPOCH_LUA + "local n = epoch()\n"
FILL_LUA: Final = """
local n = ARGV[1]
if redis.call('HGET', KEYS[1], 'n') ~= n then return 0 end
"""
# For a gate's entry, a hash at KEYS[2] stamped with its epoch: one from another epoch starts afresh.
FRESH_ENTRY: Final = """
if redis.call('HGET', KEYS[2], 'epoch') ~= n then
  redis.call('DEL', KEYS[2])
  redis.call('HSET', KEYS[2], 'epoch', n)
end
"""


class WriteThrough:
    """One copy's scripts, called by its rules; `use` names the copy in the fallback metric."""

    def __init__(self, redis: Redis, epoch: Epoch, use: str) -> None:
        self._redis = redis
        self._epoch = epoch
        self._use = use

    def script(self, lua: str) -> AsyncScript:
        return self._redis.register_script(lua)

    async def read(self, script: AsyncScript, keys: list[str], args: list[Any]) -> Any:  # noqa: ANN401 - what the script returns
        """RedisUnavailableError when Redis is away."""
        async with self._epoch.calling(self._use):
            return await script(keys=keys, args=args)

    async def fill(self, script: AsyncScript, keys: list[str], args: list[Any]) -> bool:
        """Whether the script stored it; False too when Redis is away (the next read reads the record again)."""
        try:
            async with self._epoch.calling(self._use):
                return bool(await script(keys=keys, args=args))
        except RedisUnavailableError:
            return False

    async def write(self, script: AsyncScript, keys: list[str], args: list[Any]) -> None:
        """Never raises: a write Redis could not take leaves this process owing an epoch change."""
        try:
            async with self._epoch.calling(self._use):
                await script(keys=keys, args=args)
        except RedisUnavailableError:
            self._epoch.owe()
