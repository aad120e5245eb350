"""The account gate in Redis: facts, revocations and the budget in one script (decision 0024).

Keys, beside the epoch:
- `taskflow:gate:<user id>`: a hash {epoch, active, role, cut, changing}; counts only under
  the current epoch, only when whole, and not while `changing` (set before a write reaches
  MongoDB, cleared by its write-through: a process killed in between leaves the account read
  from MongoDB, not stale). A write sets the fields it changed (the cut-off only ever moves
  forward); a fill sets only fields no write has set, and none while `changing`, so a fill
  that read the record before a write cannot undo it.
- `taskflow:revoked:jti:<token id>`, `taskflow:revoked:sid:<session id>`: revocations, each
  expiring when the tokens it revokes would have.
- `taskflow:vouched:sid:<session id>`: the epoch under which the session was found live in
  MongoDB (a token older than the epoch's start needs that look once, not on every request).
- the per-user budget's counter, the same key `RedisRateLimiter` counts it under.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Final

from taskflow.adapters.redis.epoch import EPOCH_KEY, Epoch
from taskflow.adapters.redis.ratelimit import decide, limit_key
from taskflow.adapters.redis.write_through import ENTRY_TTL_MS, FILL_LUA, FRESH_ENTRY, READ_LUA, WRITE_LUA, WriteThrough
from taskflow.domain.ports.gates import AccountFacts, AccountGate, GateReading
from taskflow.domain.values import Role

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from taskflow.domain.ports.security import RateRule, TokenClaims
    from taskflow.domain.ports.time_and_ids import Clock
    from taskflow.domain.values import SessionId, UserId

_GATE: Final = "taskflow:gate:"
_REVOKED: Final = "taskflow:revoked:"
_VOUCHED: Final = "taskflow:vouched:sid:"
_EPOCH_START: Final = datetime(1970, 1, 1, tzinfo=UTC)

# KEYS: epoch, gate entry, revoked token, revoked session, budget, vouched session. ARGV: budget window ms ('' = none).
_READ: Final = (
    READ_LUA
    + """
local revoked = redis.call('EXISTS', KEYS[3], KEYS[4])
local vouched = redis.call('GET', KEYS[6]) == n
local g = redis.call('HMGET', KEYS[2], 'epoch', 'active', 'role', 'cut', 'changing')
local count, ttl = false, false
if ARGV[1] ~= '' then
  count = redis.call('INCR', KEYS[5])
  ttl = redis.call('PTTL', KEYS[5])
  if ttl < 0 then
    redis.call('PEXPIRE', KEYS[5], ARGV[1])
    ttl = tonumber(ARGV[1])
  end
end
if g[1] ~= n or g[5] then g = {false, false, false, false} end
return {n, started, revoked, g[2], g[3], g[4], count, ttl, vouched and 1 or 0}
"""
)
# KEYS: epoch, vouched session. ARGV: epoch seen, ttl ms.
_VOUCH: Final = (
    FILL_LUA
    + """
redis.call('SET', KEYS[2], n, 'PX', ARGV[2])
return 1
"""
)
# KEYS: epoch, gate entry. ARGV: epoch seen, active, role, cut, ttl ms.
_FILL: Final = (
    FILL_LUA
    + FRESH_ENTRY
    + """
if redis.call('HEXISTS', KEYS[2], 'changing') == 1 then return 0 end
redis.call('HSETNX', KEYS[2], 'active', ARGV[2])
redis.call('HSETNX', KEYS[2], 'role', ARGV[3])
redis.call('HSETNX', KEYS[2], 'cut', ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
return 1
"""
)
# KEYS: epoch, gate entry. ARGV: ttl ms, then field, value pairs.
_RECORD: Final = (
    WRITE_LUA
    + FRESH_ENTRY
    + """
for i = 2, #ARGV, 2 do
  local field, value = ARGV[i], ARGV[i + 1]
  if field ~= 'cut' or tonumber(value) > tonumber(redis.call('HGET', KEYS[2], 'cut') or '-1') then
    redis.call('HSET', KEYS[2], field, value)
  end
end
redis.call('HDEL', KEYS[2], 'changing')
redis.call('PEXPIRE', KEYS[2], ARGV[1])
return 1
"""
)
# KEYS: epoch, gate entry. ARGV: ttl ms. Until the next write, readers find the entry unknown and fills are refused.
_BEGIN: Final = (
    WRITE_LUA
    + FRESH_ENTRY
    + """
redis.call('HSET', KEYS[2], 'changing', 1)
redis.call('PEXPIRE', KEYS[2], ARGV[1])
return 1
"""
)


class RedisAccountGate(AccountGate):
    """Reads and revocations raise RedisUnavailableError when Redis is down; `fill`, `begin` and `record` never do."""

    def __init__(self, redis: Redis, epoch: Epoch, clock: Clock) -> None:
        self._redis = redis
        self._epoch = epoch
        self._clock = clock
        self._through = WriteThrough(redis, epoch, "revocation")
        self._read = self._through.script(_READ)
        self._fill = self._through.script(_FILL)
        self._record = self._through.script(_RECORD)
        self._begin = self._through.script(_BEGIN)
        self._vouch = self._through.script(_VOUCH)

    async def read(self, claims: TokenClaims, budget: RateRule | None) -> GateReading:
        user = claims.subject.value
        keys = [
            EPOCH_KEY,
            _GATE + user,
            _token_key(claims.token_id),
            _session_key(claims.session_id),
            limit_key(budget, user) if budget else "",
            _VOUCHED + claims.session_id.value,
        ]
        n, started, revoked, active, role, cut, count, ttl, vouched = await self._through.read(
            self._read, keys, [budget.window_seconds * 1000 if budget else ""]
        )
        return GateReading(
            account=_facts(active, role, cut),
            revoked=bool(revoked),
            complete_since=_instant(int(started)),
            session_checked=bool(vouched),
            budget=decide(budget, int(count), int(ttl)) if budget else None,
            seen=n.decode(),
        )

    async def fill(self, user_id: UserId, facts: AccountFacts, *, seen: str) -> None:
        args = [seen, _flag(facts.is_active), facts.role.value, _millis(facts.tokens_valid_after), ENTRY_TTL_MS]
        await self._through.fill(self._fill, [EPOCH_KEY, _GATE + user_id.value], args)

    async def vouch(self, session_id: SessionId, *, seen: str, until: datetime) -> None:
        ttl_ms = max(1, math.ceil((until - self._clock.now()).total_seconds() * 1000))
        await self._through.fill(self._vouch, [EPOCH_KEY, _VOUCHED + session_id.value], [seen, ttl_ms])

    async def begin(self, user_id: UserId) -> None:
        await self._through.write(self._begin, [EPOCH_KEY, _GATE + user_id.value], [ENTRY_TTL_MS])

    async def record(
        self,
        user_id: UserId,
        *,
        is_active: bool | None = None,
        role: Role | None = None,
        tokens_valid_after: datetime | None = None,
    ) -> None:
        args: list[str | int] = [ENTRY_TTL_MS]
        if is_active is not None:
            args += ["active", _flag(is_active)]
        if role is not None:
            args += ["role", role.value]
        if tokens_valid_after is not None:
            args += ["cut", _millis(tokens_valid_after)]
        await self._through.write(self._record, [EPOCH_KEY, _GATE + user_id.value], args)

    async def revoke(self, *, token_id: str | None, session_id: SessionId, until: datetime) -> None:
        ttl_ms = max(1, math.ceil((until - self._clock.now()).total_seconds() * 1000))
        async with self._epoch.calling("revocation"), self._redis.pipeline(transaction=True) as pipe:
            pipe.set(_session_key(session_id), 1, px=ttl_ms)
            if token_id is not None:
                pipe.set(_token_key(token_id), 1, px=ttl_ms)
            await pipe.execute()


def _facts(active: bytes | None, role: bytes | None, cut: bytes | None) -> AccountFacts | None:
    """Whole entries only: a write may have set one field of an entry no fill has completed."""
    if active is None or role is None or cut is None:
        return None
    try:
        cut_ms = int(cut)
        return AccountFacts(
            is_active=active == b"1",
            role=Role(role.decode()),
            tokens_valid_after=_instant(cut_ms) if cut_ms else None,
        )
    except ValueError:
        return None


def _flag(value: bool) -> str:
    return "1" if value else "0"


def _millis(moment: datetime | None) -> int:
    return 0 if moment is None else round(moment.timestamp() * 1000)


def _instant(millis: int) -> datetime:
    return _EPOCH_START + timedelta(milliseconds=millis)


def _token_key(token_id: str) -> str:
    return f"{_REVOKED}jti:{token_id}"


def _session_key(session_id: SessionId) -> str:
    return f"{_REVOKED}sid:{session_id.value}"
