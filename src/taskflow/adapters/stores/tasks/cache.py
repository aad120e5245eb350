"""Per-user cache entries and write records in Redis; each step is one atomic script.

Three kinds of key, beside the epoch (`adapters/redis/epoch.py`: for `window` after it
moved, misses read the primary):
- `taskflow:cache:user:<id>`: the user's write record {epoch, gen, pos, token}: `gen`
  changes on every write, `token` is the newest write's (ordered by `pos`).
- `taskflow:cache:entries:<id>`: the user's entries, all of the record's current `gen`:
  a write deletes them, and a fill stores only if `gen` is still what its read saw.
Generations come from one counter, so a record that expired and came back never reuses one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from taskflow.adapters.redis.epoch import EPOCH_KEY as EPOCH_KEY  # noqa: PLC0414 - re-exported: tests move the epoch
from taskflow.adapters.redis.epoch import Epoch
from taskflow.adapters.redis.write_through import FILL_LUA, READ_LUA, WRITE_LUA, WriteThrough
from taskflow.adapters.stores.tasks.consistency import WriteToken

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from taskflow.domain.values import UserId

_GENERATIONS: Final = "taskflow:cache:generations"
_RECORD: Final = "taskflow:cache:user:"
_ENTRIES: Final = "taskflow:cache:entries:"

# KEYS: epoch, record, entries. ARGV: field, window ms.
_VIEW: Final = (
    READ_LUA
    + """
local young = (now_ms() - started) < tonumber(ARGV[2]) and 1 or 0
local rec = redis.call('HMGET', KEYS[2], 'epoch', 'gen', 'pos', 'token')
if rec[1] ~= n then
  return {n, young, false, rec[3], rec[4], false}
end
return {n, young, rec[2], rec[3], rec[4], redis.call('HGET', KEYS[3], ARGV[1])}
"""
)
# KEYS: epoch, record, entries, generations. ARGV: epoch, gen ('' = none seen), field,
# value, entries ttl ms, record ttl ms, max fields.
_FILL: Final = (
    FILL_LUA
    + """
local rec = redis.call('HMGET', KEYS[2], 'epoch', 'gen')
if ARGV[2] == '' then
  if rec[1] == ARGV[1] then return 0 end
  redis.call('DEL', KEYS[3])
  redis.call('HSET', KEYS[2], 'epoch', ARGV[1], 'gen', redis.call('INCR', KEYS[4]))
elseif rec[1] ~= ARGV[1] or rec[2] ~= ARGV[2] then
  return 0
elseif redis.call('HLEN', KEYS[3]) >= tonumber(ARGV[7]) then
  return 0
end
redis.call('HSET', KEYS[3], ARGV[3], ARGV[4])
redis.call('PEXPIRE', KEYS[3], ARGV[5])
redis.call('PEXPIRE', KEYS[2], ARGV[6])
return 1
"""
)
# KEYS: epoch, record, entries, generations. ARGV: pos ('' = unknown), token, record ttl ms.
_BUMP: Final = (
    WRITE_LUA
    + """
redis.call('DEL', KEYS[3])
local pos = redis.call('HGET', KEYS[2], 'pos')
redis.call('HSET', KEYS[2], 'epoch', n, 'gen', redis.call('INCR', KEYS[4]))
if ARGV[1] ~= '' and (not pos or pos < ARGV[1]) then
  redis.call('HSET', KEYS[2], 'pos', ARGV[1], 'token', ARGV[2])
end
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return 1
"""
)


@dataclass(frozen=True, slots=True)
class CacheView:
    """What one look-up saw: the entry, the user's last write, and what a fill must still find."""

    owner: UserId
    field: str
    epoch: str
    generation: str | None
    last_write: WriteToken | None
    young: bool
    value: bytes | None


@dataclass(frozen=True, slots=True)
class CacheLimits:
    """Bounds on entries, and how long a write may be missing from a secondary.

    `window` covers how far a secondary may lag (the driver's `maxStalenessSeconds` plus
    heartbeats): a write older than that is on every member a read may use.
    """

    window_ms: int
    record_ttl_ms: int
    max_fields: int = 256
    max_value_bytes: int = 1 << 20


class RedisTaskCache:
    """`view` raises RedisUnavailableError when Redis is away (the caller then reads the primary); the rest never."""

    def __init__(self, redis: Redis, epoch: Epoch, limits: CacheLimits) -> None:
        self._limits = limits
        self._through = WriteThrough(redis, epoch, "cache")
        self._view = self._through.script(_VIEW)
        self._fill = self._through.script(_FILL)
        self._bump = self._through.script(_BUMP)

    async def view(self, owner: UserId, field: str) -> CacheView:
        epoch, young, generation, position, token, value = await self._through.read(
            self._view, _keys(owner), [field, self._limits.window_ms]
        )
        return CacheView(
            owner=owner,
            field=field,
            epoch=epoch.decode(),
            generation=None if generation is None else generation.decode(),
            last_write=_token(position, token),
            young=bool(young),
            value=value,
        )

    async def fill(self, view: CacheView, value: bytes, *, ttl_ms: int) -> bool:
        """Store `value` only if the user's record is still as `view` saw it; False if not."""
        if len(value) > self._limits.max_value_bytes:
            return False
        args = [
            view.epoch,
            view.generation or "",
            view.field,
            value,
            ttl_ms,
            max(ttl_ms, self._limits.record_ttl_ms),
            self._limits.max_fields,
        ]
        return await self._through.fill(self._fill, _keys(view.owner), args)

    async def bump(self, owner: UserId, written: WriteToken | None) -> None:
        """Drop the user's entries and remember their newest write; if Redis cannot be told, the epoch is owed."""
        args: list[str | bytes | int] = ["", b"", self._limits.record_ttl_ms]
        if written is not None:
            args[:2] = [f"{written.position:016x}", written.payload]
        await self._through.write(self._bump, _keys(owner), args)


def _keys(owner: UserId) -> list[str]:
    """Every script's KEYS, in this order; the view uses the first three."""
    return [EPOCH_KEY, _RECORD + owner.value, _ENTRIES + owner.value, _GENERATIONS]


def _token(position: bytes | None, payload: bytes | None) -> WriteToken | None:
    if position is None or payload is None:
        return None
    try:
        return WriteToken(int(position, 16), payload)
    except ValueError:
        return None
