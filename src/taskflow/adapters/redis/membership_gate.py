"""The membership gate in Redis: one look-up answers "is this user in this project, as what" (decision 0029).

`taskflow:members:<user id>` is a hash {epoch, <project id>: "<role> <space> <joined ms>",
"-" for a membership a write ended, or "?" while a change is being made}. Like the account
gate's entries (decision 0024) it counts only under the current epoch and lives a day past
its last write or fill; a write sets its field, a fill only a field no write has set.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Final

from taskflow.adapters.redis.epoch import EPOCH_KEY
from taskflow.adapters.redis.write_through import ENTRY_TTL_MS, FILL_LUA, FRESH_ENTRY, READ_LUA, WRITE_LUA, WriteThrough
from taskflow.domain.access.roles import ProjectRole
from taskflow.domain.model.projects import Membership
from taskflow.domain.ports.gates import MembershipGate, MembershipReading
from taskflow.domain.values import UserId

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from taskflow.adapters.redis.epoch import Epoch
    from taskflow.domain.values import ProjectId

_MEMBERS: Final = "taskflow:members:"
_ENDED: Final = "-"
_CHANGING: Final = "?"
_EPOCH_START: Final = datetime(1970, 1, 1, tzinfo=UTC)

# KEYS: epoch, entry. ARGV: project id.
_READ: Final = (
    READ_LUA
    + """
local e = redis.call('HMGET', KEYS[2], 'epoch', ARGV[1])
if e[1] ~= n then return {n, false} end
return {n, e[2]}
"""
)
# KEYS: epoch, entry. ARGV: epoch seen, project id, value, ttl ms.
_FILL: Final = (
    FILL_LUA
    + FRESH_ENTRY
    + """
redis.call('HSETNX', KEYS[2], ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return 1
"""
)
# KEYS: epoch, entry. ARGV: project id, value, ttl ms.
_RECORD: Final = (
    WRITE_LUA
    + FRESH_ENTRY
    + """
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return 1
"""
)


class RedisMembershipGate(MembershipGate):
    """`read` raises RedisUnavailableError when Redis is down; `fill`, `begin` and `record` never do."""

    def __init__(self, redis: Redis, epoch: Epoch) -> None:
        self._through = WriteThrough(redis, epoch, "membership")
        self._read = self._through.script(_READ)
        self._fill = self._through.script(_FILL)
        self._record = self._through.script(_RECORD)

    async def read(self, user_id: UserId, project_id: ProjectId) -> MembershipReading:
        n, value = await self._through.read(self._read, [EPOCH_KEY, _MEMBERS + user_id.value], [project_id.value])
        if value is None or value.decode() == _CHANGING:  # a fill cannot replace "?" (HSETNX)
            return MembershipReading(known=False, membership=None, seen=n.decode())
        return MembershipReading(known=True, membership=_membership(user_id, project_id, value), seen=n.decode())

    async def fill(self, membership: Membership, *, seen: str) -> None:
        args: list[str | int] = [seen, membership.project_id.value, _value(membership), ENTRY_TTL_MS]
        await self._through.fill(self._fill, [EPOCH_KEY, _MEMBERS + membership.user_id.value], args)

    async def begin(self, user_id: UserId, project_id: ProjectId) -> None:
        await self._write(user_id, project_id, _CHANGING)

    async def record(self, user_id: UserId, project_id: ProjectId, membership: Membership | None) -> None:
        await self._write(user_id, project_id, _ENDED if membership is None else _value(membership))

    async def _write(self, user_id: UserId, project_id: ProjectId, value: str) -> None:
        args: list[str | int] = [project_id.value, value, ENTRY_TTL_MS]
        await self._through.write(self._record, [EPOCH_KEY, _MEMBERS + user_id.value], args)


def _value(membership: Membership) -> str:
    joined = round((membership.joined_at - _EPOCH_START).total_seconds() * 1000)
    return f"{membership.role.value} {membership.space.value} {joined}"


def _membership(user_id: UserId, project_id: ProjectId, value: bytes) -> Membership | None:
    if value.decode() == _ENDED:
        return None
    role, space, joined = value.decode().split(" ")
    return Membership(
        user_id=user_id,
        project_id=project_id,
        space=UserId(space),
        role=ProjectRole(role),
        joined_at=_EPOCH_START + timedelta(milliseconds=int(joined)),
    )
