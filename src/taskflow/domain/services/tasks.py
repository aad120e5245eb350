"""A user's own tasks: create, read, change, delete."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING, Final, TypeVar

from taskflow.domain.access.roles import Action
from taskflow.domain.errors import (
    InvalidValueError,
    PreconditionFailedError,
    ProjectNotFoundError,
    TaskChangingTooFastError,
    TaskIdTakenError,
    TaskNotFoundError,
)
from taskflow.domain.model.task_queries import PAGE_SIZE_MAX, TaskFilter, TaskOrder, TaskPage, TaskPosition, TaskStats
from taskflow.domain.model.tasks import Task, TaskChanges, TaskDraft, to_utc_millis
from taskflow.domain.ports.tasks import TaskRoute
from taskflow.domain.services.idempotency import keyed_id
from taskflow.domain.values import TaskId

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from taskflow.domain.access.grants import Grant
    from taskflow.domain.access.principal import Principal
    from taskflow.domain.access.service import AccessService
    from taskflow.domain.ports.tasks import TaskDirectory, TaskRepository
    from taskflow.domain.ports.time_and_ids import Clock, IdGenerator
    from taskflow.domain.values import ProjectId, UserId

UPDATE_ATTEMPTS: Final = 5
_T = TypeVar("_T")
_Work = Callable[["Grant"], Awaitable[_T]]
DONE_RECENTLY: Final = timedelta(days=7)


class TaskService:
    """Tasks, a user's own or a project's (`project`), reached through the access service.

    Rules:
    - a personal task is its creator's alone; a project's task is its members', each as
      their role allows: viewers read, doers also complete, reopen and take a task
      themselves, editors do the rest;
    - only a project's tasks are assigned, and only to its members;
    - a task moves between places (`project_id` in a change) for a caller who may edit in
      both; its id stays, its assignee must be a member where it goes;
    - a task outside the caller's reach and a missing one are the same `TaskNotFoundError`,
      whatever precondition the request carries (a project they are not in: 404 too);
    - a task's id alone reaches it: without `project`, the caller's own tasks are looked in
      first, then the project the directory names for the id, as the caller's role there allows
      (a project named is checked: the task must be in it);
    - every change is a compare-and-set on `version`: with `if_match`, a stale version is
      refused; without it, the change is re-applied to the newest version.
    """

    def __init__(
        self, tasks: TaskRepository, directory: TaskDirectory, access: AccessService, clock: Clock, ids: IdGenerator
    ) -> None:
        self._tasks = tasks
        self._directory = directory
        self._access = access
        self._clock = clock
        self._ids = ids

    async def create(
        self,
        principal: Principal,
        draft: TaskDraft,
        *,
        project: ProjectId | None = None,
        request_key: str | None = None,
    ) -> Task:
        """Creates once per `request_key`: a retry after an unknown outcome gets the first task.

        An outcome is unknown when the write may have landed but was not acknowledged (a
        write concern error, a timeout); the retry then finds the id taken and answers the
        task that is there. Without a key, a taken id can only be this write, retried.
        """
        grant = await self._access.where(principal, project, Action.EDIT)
        await self._check_assignee(grant, draft.assignee_id)
        owner = principal.id
        task_id = self._ids.new_task_id() if request_key is None else TaskId(keyed_id(owner, request_key))
        task = Task.create(
            task_id, grant.space, draft, now=self._clock.now(), project_id=grant.project, by=principal.id
        )
        if grant.project is not None:  # routed before it exists: its id alone reaches it at once
            await self._directory.note([TaskRoute(task_id, grant.project, task.version)])
        try:
            await self._tasks.add(grant, task)
        except TaskIdTakenError:
            return await self._tasks.get_latest(grant, task_id)
        return task

    async def get(self, principal: Principal, task_id: TaskId, *, project: ProjectId | None = None) -> Task:
        return await self._by_id(
            principal, task_id, project, Action.READ, lambda grant: self._tasks.get(grant, task_id)
        )

    async def _routed(self, principal: Principal, task_id: TaskId, action: Action) -> Grant:
        """The grant to the project the directory names for a task; not found in none the caller is in."""
        project = await self._directory.project_of(task_id)
        if project is None:
            raise TaskNotFoundError
        try:
            return await self._access.project(principal, project, action)
        except ProjectNotFoundError:
            raise TaskNotFoundError from None

    async def _by_id(
        self, principal: Principal, task_id: TaskId, project: ProjectId | None, action: Action, work: _Work[_T]
    ) -> _T:
        """`work` in the place the request names; named none, in the caller's own, else where the id is routed."""
        if project is not None:
            return await work(await self._access.project(principal, project, action))
        try:
            return await work(self._access.own(principal.id))
        except TaskNotFoundError:
            return await work(await self._routed(principal, task_id, action))

    async def list(
        self,
        principal: Principal,
        task_filter: TaskFilter,
        order: TaskOrder,
        *,
        after: TaskPosition | None,
        limit: int,
        project: ProjectId | None = None,
    ) -> TaskPage:
        """One page; `next_after` is set only when another page follows (one extra row tells).

        Filtered by assignee without a project, the page spans every project the caller is in.
        """
        if not 1 <= limit <= PAGE_SIZE_MAX:
            msg = f"limit must be between 1 and {PAGE_SIZE_MAX}"
            raise InvalidValueError(msg, field="limit")
        if project is None and task_filter.assignee is not None:  # assigned tasks are in projects: all of them
            grants = await self._access.memberships(principal)
            found = await self._tasks.list_across(grants, task_filter, order, after=after, limit=limit + 1)
        else:
            grant = await self._access.where(principal, project, Action.READ)
            found = await self._tasks.list_page(grant, task_filter, order, after=after, limit=limit + 1)
        if len(found) <= limit:
            return TaskPage(found, None)
        last = found[limit - 1]
        return TaskPage(found[:limit], TaskPosition(order.value_of(last), last.id))

    async def stats(self, principal: Principal, *, project: ProjectId | None = None) -> TaskStats:
        """Stored figures if a recompute left them after the place's last write; else live."""
        return await self._stats_of(await self._access.where(principal, project, Action.READ))

    async def own_stats(self, owner: UserId) -> TaskStats:
        """A user's own figures, as the worker recomputes them after their writes."""
        return await self._stats_of(self._access.own(owner))

    async def _stats_of(self, grant: Grant) -> TaskStats:
        now = to_utc_millis(self._clock.now(), field_name="now")
        return await self._tasks.stats(grant, now=now, done_since=now - DONE_RECENTLY)

    async def export(self, principal: Principal, *, project: ProjectId | None = None) -> AsyncIterator[Task]:
        """The place's tasks, oldest first; the access is checked before the first is read."""
        return self._tasks.stream(await self._access.where(principal, project, Action.READ))

    async def update(
        self,
        principal: Principal,
        task_id: TaskId,
        changes: TaskChanges,
        *,
        if_match: int | None,
        project: ProjectId | None = None,
    ) -> Task:
        action = Action.COMPLETE if changes.only_progress(principal.id) else Action.EDIT

        async def change(grant: Grant) -> Task:
            return await self._update_in(grant, principal, task_id, changes, if_match=if_match)

        return await self._by_id(principal, task_id, project, action, change)

    async def _update_in(
        self, grant: Grant, principal: Principal, task_id: TaskId, changes: TaskChanges, *, if_match: int | None
    ) -> Task:
        current = await self._tasks.get_latest(grant, task_id)  # not found here: before any other check
        target = grant
        if changes.moves and changes.to_project != grant.project:
            target = await self._access.where(principal, changes.to_project, Action.EDIT)
        await self._check_assignee(target, changes.assignee_id)
        for attempt in range(UPDATE_ATTEMPTS):
            if attempt:
                current = await self._tasks.get_latest(grant, task_id)
            if if_match is not None and current.version != if_match:
                raise PreconditionFailedError
            updated = current.changed(changes, now=self._clock.now(), by=principal.id)
            if target is not grant:
                updated = await self._moving(
                    current, updated, target, by=principal.id, keeps_assignee=changes.assignee_id is None
                )
                stored = await self._tasks.move(grant, target, updated, expected_version=current.version)
            elif updated is current:
                return updated
            else:
                stored = await self._tasks.replace(grant, updated, expected_version=current.version)
            if stored:
                return updated
            if if_match is not None:
                await self._tasks.get_latest(grant, task_id)  # deleted meanwhile: not found
                raise PreconditionFailedError
        raise TaskChangingTooFastError

    async def _moving(self, current: Task, updated: Task, target: Grant, *, by: UserId, keeps_assignee: bool) -> Task:
        """The changed task as it will be in `target`'s place, routed there before it moves."""
        if keeps_assignee:  # a new one was checked before: this is the one it keeps
            await self._check_assignee(target, updated.assignee_id)
        moved = replace(
            updated,
            owner_id=target.space,
            project_id=target.project,
            updated_at=self._clock.now(),
            version=current.version + 1,
            updated_by=by,
        )
        if target.project is not None:
            await self._directory.note([TaskRoute(moved.id, target.project, moved.version)])
        return moved

    async def delete(
        self, principal: Principal, task_id: TaskId, *, if_match: int | None, project: ProjectId | None = None
    ) -> None:
        async def delete_in(grant: Grant) -> None:
            if not await self._tasks.delete(grant, task_id, expected_version=if_match):
                await self._tasks.get_latest(grant, task_id)  # not found, unless only the version differed
                raise PreconditionFailedError

        await self._by_id(principal, task_id, project, Action.EDIT, delete_in)

    async def _check_assignee(self, grant: Grant, assignee: UserId | None) -> None:
        """Only a project's tasks are assigned, and only to its members."""
        if assignee is None:
            return
        if not await self._access.is_member(grant, assignee):
            msg = "a task is assigned to a member of its project only"
            raise InvalidValueError(msg, field="assignee_id")
