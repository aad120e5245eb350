"""A user's own tasks: create, read, change, delete."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Final

from taskflow.domain.entities import Task, TaskChanges, TaskDraft, to_utc_millis
from taskflow.domain.errors import (
    InvalidValueError,
    PreconditionFailedError,
    TaskChangingTooFastError,
    TaskIdTakenError,
)
from taskflow.domain.task_queries import PAGE_SIZE_MAX, TaskFilter, TaskOrder, TaskPage, TaskPosition, TaskStats

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from taskflow.domain.access import AccessService
    from taskflow.domain.ports.tasks import TaskRepository
    from taskflow.domain.ports.time_and_ids import Clock, IdGenerator
    from taskflow.domain.services.stats_refresh import StatsRefresh
    from taskflow.domain.values import TaskId, UserId

UPDATE_ATTEMPTS: Final = 5
DONE_RECENTLY: Final = timedelta(days=7)


class TaskService:
    """A user's own tasks.

    Rules:
    - a task belongs to the user who created it, and only that user sees it;
    - another user's task and a missing one are the same `TaskNotFoundError`, whatever
      precondition the request carries;
    - every change is a compare-and-set on `version`: with `if_match`, a stale version is
      refused; without it, the change is re-applied to the newest version.
    """

    def __init__(
        self, tasks: TaskRepository, access: AccessService, clock: Clock, ids: IdGenerator, stats: StatsRefresh
    ) -> None:
        self._tasks = tasks
        self._access = access
        self._clock = clock
        self._ids = ids
        self._stats = stats

    async def create(self, owner: UserId, draft: TaskDraft, *, request_key: str | None = None) -> Task:
        """Creates once per `request_key`: a retry after an unknown outcome gets the first task.

        An outcome is unknown when the write may have landed but was not acknowledged (a
        write concern error, a timeout); the retry then finds the id taken and answers the
        task that is there. Without a key, a taken id can only be this write, retried.
        """
        grant = self._access.own(owner)
        task_id = self._ids.new_task_id() if request_key is None else self._ids.task_id_for(owner, request_key)
        task = Task.create(task_id, owner, draft, now=self._clock.now())
        try:
            await self._tasks.add(grant, task)
        except TaskIdTakenError:
            return await self._tasks.get_latest(grant, task_id)
        await self._stats.schedule(owner)
        return task

    async def get(self, owner: UserId, task_id: TaskId) -> Task:
        return await self._tasks.get(self._access.own(owner), task_id)

    async def list(
        self, owner: UserId, task_filter: TaskFilter, order: TaskOrder, *, after: TaskPosition | None, limit: int
    ) -> TaskPage:
        """One page; `next_after` is set only when another page follows (one extra row tells)."""
        if not 1 <= limit <= PAGE_SIZE_MAX:
            msg = f"limit must be between 1 and {PAGE_SIZE_MAX}"
            raise InvalidValueError(msg, field="limit")
        grant = self._access.own(owner)
        found = await self._tasks.list_page(grant, task_filter, order, after=after, limit=limit + 1)
        if len(found) <= limit:
            return TaskPage(found, None)
        last = found[limit - 1]
        return TaskPage(found[:limit], TaskPosition(order.value_of(last), last.id))

    async def stats(self, owner: UserId) -> TaskStats:
        """Stored figures if a recompute left them after the owner's last write; else live."""
        now = to_utc_millis(self._clock.now(), field_name="now")
        return await self._tasks.stats(self._access.own(owner), now=now, done_since=now - DONE_RECENTLY)

    def export(self, owner: UserId) -> AsyncIterator[Task]:
        return self._tasks.stream(self._access.own(owner))

    async def update(self, owner: UserId, task_id: TaskId, changes: TaskChanges, *, if_match: int | None) -> Task:
        grant = self._access.own(owner)
        for _ in range(UPDATE_ATTEMPTS):
            current = await self._tasks.get_latest(grant, task_id)
            if if_match is not None and current.version != if_match:
                raise PreconditionFailedError
            updated = current.changed(changes, now=self._clock.now())
            if updated is current:
                return updated
            if await self._tasks.replace(grant, updated, expected_version=current.version):
                await self._stats.schedule(owner)
                return updated
            if if_match is not None:
                await self._tasks.get_latest(grant, task_id)  # deleted meanwhile: not found
                raise PreconditionFailedError
        raise TaskChangingTooFastError

    async def delete(self, owner: UserId, task_id: TaskId, *, if_match: int | None) -> None:
        grant = self._access.own(owner)
        if not await self._tasks.delete(grant, task_id, expected_version=if_match):
            await self._tasks.get_latest(grant, task_id)  # not found, unless only the version differed
            raise PreconditionFailedError
        await self._stats.schedule(owner)
