"""Tasks with a Redis cache in front: cache-aside that never shows a writer their old data.

Every write, once MongoDB has it and before the caller answers, drops the owner's entries
and records the write's token (one Redis script). A read looks up its entry and the
owner's record in one script; on a miss it reads MongoDB no older than the owner's last
write (`afterClusterTime`), then stores the result only if no write came in meanwhile.
With Redis away, reads go to the primary and nothing is cached.
"""

from __future__ import annotations

import hashlib
import json
import struct
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Final, Generic, Protocol, TypeVar

import msgspec
from prometheus_client import Counter

from taskflow.adapters.redis_failures import RedisUnavailableError
from taskflow.adapters.stores.tasks.consistency import NEWEST, ReadRule, latest, presented, request_tokens
from taskflow.domain.errors import InvalidValueError
from taskflow.domain.model.task_queries import TaskStats
from taskflow.domain.model.tasks import Task
from taskflow.domain.ports.tasks import TaskRepository
from taskflow.domain.values import TaskId, UserId

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable
    from datetime import timedelta

    from taskflow.adapters.stores.tasks.cache import CacheView
    from taskflow.adapters.stores.tasks.consistency import WriteToken
    from taskflow.domain.access.grants import Grant
    from taskflow.domain.model.task_queries import TaskFilter, TaskOrder, TaskPosition
    from taskflow.domain.ports.time_and_ids import Clock

HITS: Final = Counter("taskflow_cache_hits_total", "Task reads answered from the cache", ["kind"])
MISSES: Final = Counter(
    "taskflow_cache_misses_total", "Task reads the cache could not answer (absent, expired or unreadable)", ["kind"]
)
T = TypeVar("T")
_EXPIRY: Final = struct.Struct(">Q")  # each entry starts with its expiry, epoch milliseconds


class RuledTaskRepository(TaskRepository, Protocol):
    """The store behind the cache: the port, with each read served by a `ReadRule`."""

    async def get(self, grant: Grant, task_id: TaskId, *, rule: ReadRule = ...) -> Task: ...

    async def list_page(
        self,
        grant: Grant,
        task_filter: TaskFilter,
        order: TaskOrder,
        *,
        after: TaskPosition | None,
        limit: int,
        rule: ReadRule = ...,
    ) -> list[Task]: ...

    async def stats(self, grant: Grant, *, now: datetime, done_since: datetime, rule: ReadRule = ...) -> TaskStats: ...

    def stream(self, grant: Grant, *, rule: ReadRule = ...) -> AsyncIterator[Task]: ...


class TaskCache(Protocol):
    """Per-owner entries and last writes; `view` raises RedisUnavailableError when the cache is away, the rest never."""

    async def view(self, owner: UserId, field: str) -> CacheView: ...

    async def fill(self, view: CacheView, value: bytes, *, ttl_ms: int) -> bool: ...

    async def bump(self, owner: UserId, written: WriteToken | None) -> None: ...


class CachedTaskRepository(TaskRepository):
    def __init__(
        self, tasks: RuledTaskRepository, cache: TaskCache, clock: Clock, *, ttl: timedelta, stats_ttl: timedelta
    ) -> None:
        self._tasks = tasks
        self._cache = cache
        self._clock = clock
        self._ttl = ttl
        self._stats_ttl = stats_ttl

    async def add(self, grant: Grant, task: Task) -> None:
        await self._write(grant, lambda: self._tasks.add(grant, task))

    async def add_many(self, grant: Grant, tasks: list[Task]) -> None:
        await self._write(grant, lambda: self._tasks.add_many(grant, tasks))

    async def replace(self, grant: Grant, task: Task, *, expected_version: int) -> bool:
        return await self._write(grant, lambda: self._tasks.replace(grant, task, expected_version=expected_version))

    async def move(self, source: Grant, target: Grant, task: Task, *, expected_version: int) -> bool:
        """The entries of the space it left and of the one it arrived in go (one bump when they are the same)."""

        async def move() -> bool:
            return await self._tasks.move(source, target, task, expected_version=expected_version)

        if source.space == target.space:
            return await self._write(source, move)
        return await self._write(target, lambda: self._write(source, move))

    async def delete(self, grant: Grant, task_id: TaskId, *, expected_version: int | None) -> bool:
        return await self._write(grant, lambda: self._tasks.delete(grant, task_id, expected_version=expected_version))

    async def delete_all(self, grant: Grant) -> int:
        return await self._write(grant, lambda: self._tasks.delete_all(grant))

    async def unassign(self, grant: Grant, user: UserId, *, now: datetime) -> int:
        return await self._write(grant, lambda: self._tasks.unassign(grant, user, now=now))

    async def get(self, grant: Grant, task_id: TaskId) -> Task:
        return await self._read(
            grant,
            f"task:{task_id.value}",
            lambda rule: self._tasks.get(grant, task_id, rule=rule),
            _TASK,
            self._ttl,
        )

    async def get_latest(self, grant: Grant, task_id: TaskId) -> Task:
        return await self._tasks.get_latest(grant, task_id)

    async def list_page(
        self, grant: Grant, task_filter: TaskFilter, order: TaskOrder, *, after: TaskPosition | None, limit: int
    ) -> list[Task]:
        query = [str(order), task_filter.canonical, limit, *(after.plain() if after else [])]
        digest = hashlib.sha256(json.dumps(query).encode()).hexdigest()[:32]
        return await self._read(
            grant,
            f"page:{digest}",
            lambda rule: self._tasks.list_page(grant, task_filter, order, after=after, limit=limit, rule=rule),
            _PAGE,
            self._ttl,
        )

    async def list_across(
        self, grants: list[Grant], task_filter: TaskFilter, order: TaskOrder, *, after: TaskPosition | None, limit: int
    ) -> list[Task]:
        """Not cached: it spans several spaces, each with its own record of writes."""
        return await self._tasks.list_across(grants, task_filter, order, after=after, limit=limit)

    async def stats(self, grant: Grant, *, now: datetime, done_since: datetime) -> TaskStats:
        """Cached for `stats_ttl` only: `overdue` also changes as time passes, not just on writes."""
        return await self._read(
            grant,
            "stats",
            lambda rule: self._tasks.stats(grant, now=now, done_since=done_since, rule=rule),
            _STATS,
            self._stats_ttl,
        )

    async def stream(self, grant: Grant) -> AsyncIterator[Task]:
        view = await self._view(grant, "export")
        async for task in self._tasks.stream(grant, rule=_rule(view)):
            yield task

    async def _write(self, grant: Grant, write: Callable[[], Awaitable[T]]) -> T:
        """Drops the owner's entries even when the write failed: its outcome may be unknown."""
        with request_tokens() as tokens:
            try:
                return await write()
            finally:
                await self._cache.bump(grant.space, tokens.written)

    async def _read(
        self, grant: Grant, field: str, read: Callable[[ReadRule], Awaitable[T]], kind: _Kind[T], ttl: timedelta
    ) -> T:
        view = await self._view(grant, field)
        if view is not None and (cached := self._cached(view.value, kind)) is not None:
            HITS.labels(kind=kind.name).inc()
            return cached
        MISSES.labels(kind=kind.name).inc()
        found = await read(_rule(view))
        if view is not None:
            expires = self._clock.now() + ttl
            entry = _EXPIRY.pack(int(expires.timestamp() * 1000)) + kind.encode(found)
            await self._cache.fill(view, entry, ttl_ms=int(ttl.total_seconds() * 1000))
        return found

    async def _view(self, grant: Grant, field: str) -> CacheView | None:
        """Entries and write records are per space; each entry's field names its place in it.

        So a task cached for one place is never an answer in another (a project's task is
        not its space owner's own task), and one write drops every place's entries.
        """
        place = "own" if grant.project is None else f"project:{grant.project.value}"
        try:
            return await self._cache.view(grant.space, f"{place}/{field}")
        except RedisUnavailableError:
            return None

    def _cached(self, entry: bytes | None, kind: _Kind[T]) -> T | None:
        """None for an absent, expired or unreadable entry: each is a miss."""
        if entry is None or len(entry) <= _EXPIRY.size:
            return None
        (expires_ms,) = _EXPIRY.unpack_from(entry)
        if expires_ms <= self._clock.now().timestamp() * 1000:
            return None
        try:
            return kind.decode(entry[_EXPIRY.size :])
        except (msgspec.DecodeError, InvalidValueError):  # unreadable, or a value the domain refuses
            return None


def _rule(view: CacheView | None) -> ReadRule:
    """The primary (while there is one) if the owner's last write is unknown; else members that have it."""
    if view is None or view.young:
        return NEWEST
    return ReadRule(after=latest(view.last_write, presented()))


@dataclass(frozen=True, slots=True)
class _Kind(Generic[T]):
    """What one kind of entry is called in `/metrics`, and how it is stored."""

    name: str
    encode: Callable[[T], bytes]
    decode: Callable[[bytes], T]


# Entries are the domain's own dataclasses in MessagePack, decoded straight into them by
# msgspec (their checks run): BSON documents walked and mapped on every hit were a fifth
# of a cached page. An entry from before a change of their fields reads as a miss.
_ENCODER: Final = msgspec.msgpack.Encoder()
_TASK: Final[_Kind[Task]] = _Kind("task", _ENCODER.encode, msgspec.msgpack.Decoder(Task).decode)
_PAGE: Final[_Kind[list[Task]]] = _Kind("page", _ENCODER.encode, msgspec.msgpack.Decoder(list[Task]).decode)
_STATS: Final[_Kind[TaskStats]] = _Kind("stats", _ENCODER.encode, msgspec.msgpack.Decoder(TaskStats).decode)
