"""Ports for tasks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Sequence

    from taskflow.domain.access.grants import Grant
    from taskflow.domain.model.task_queries import TaskFilter, TaskOrder, TaskPosition, TaskStats
    from taskflow.domain.model.tasks import Task
    from taskflow.domain.values import ProjectId, TaskId, TaskStatus, UserId


class TaskRepository(Protocol):
    """Tasks, reached only through a `Grant` (decision 0028): its space is the shard key.

    A task outside the grant's place and a missing one are the same TaskNotFoundError.
    """

    async def add(self, grant: Grant, task: Task) -> None:
        """TaskIdTakenError if a task with this id exists (ids are never reused otherwise)."""
        ...

    async def add_many(self, grant: Grant, tasks: list[Task]) -> None:
        """All of these tasks; those whose id is taken already are skipped (a re-run)."""
        ...

    async def get(self, grant: Grant, task_id: TaskId) -> Task:
        """TaskNotFoundError if there is no such task in the grant's place.

        Never older than the place's own last write; may lag other writers a little.
        """
        ...

    async def get_latest(self, grant: Grant, task_id: TaskId) -> Task:
        """As `get`, but the newest version there is: it decides a compare-and-set."""
        ...

    async def replace(self, grant: Grant, task: Task, *, expected_version: int) -> bool:
        """Store `task` if the stored one is still at `expected_version`: one compare-and-set.

        False when it is not (changed or deleted meanwhile); the caller decides which.
        """
        ...

    async def move(self, source: Grant, target: Grant, task: Task, *, expected_version: int) -> bool:
        """Put `task` (in `target`'s place) where the source's task is at `expected_version`.

        One compare-and-set that also changes the task's place (its shard key's value):
        False when the source's task is not at that version (changed, moved or deleted).
        """
        ...

    async def delete(self, grant: Grant, task_id: TaskId, *, expected_version: int | None) -> bool:
        """Delete the task (only at `expected_version`, when given); False if nothing matched."""
        ...

    async def delete_all(self, grant: Grant) -> int:
        """Every task of the grant's place (a project being deleted); how many there were."""
        ...

    async def unassign(self, grant: Grant, user: UserId, *, now: datetime) -> int:
        """Clear `user` as the assignee of every task of the grant's place, each a new version; how many."""
        ...

    async def list_page(
        self, grant: Grant, task_filter: TaskFilter, order: TaskOrder, *, after: TaskPosition | None, limit: int
    ) -> list[Task]:
        """Up to `limit` of the place's tasks matching the filter, in `order`, after `after`."""
        ...

    async def list_across(
        self, grants: list[Grant], task_filter: TaskFilter, order: TaskOrder, *, after: TaskPosition | None, limit: int
    ) -> list[Task]:
        """As `list_page`, over several places at once (each of a user's projects), as new as the primary."""
        ...

    def stream(self, grant: Grant) -> AsyncIterator[Task]:
        """Every task of the place, oldest first, read in batches: memory stays flat."""
        ...

    async def stats(self, grant: Grant, *, now: datetime, done_since: datetime) -> TaskStats:
        """The place's counts, from one pass over its tasks."""
        ...


@dataclass(frozen=True, slots=True)
class TaskRoute:
    """A task's project at one of its versions; None: in no project (its owner's own tasks)."""

    task_id: TaskId
    project: ProjectId | None
    version: int


class TaskDirectory(Protocol):
    """Which project a task is in, by the task's id alone, so an id is enough to reach it (decision 0039).

    A route is kept only for a task in a project (a personal task is found in its caller's
    own place). Routes are noted before the task is written there, and settled again from the
    change feed, so a route may name a newer place than the task has only for a moment, and
    never an older one for longer than the consumer lags.
    """

    async def note(self, routes: Sequence[TaskRoute]) -> None:
        """Each task's project at its version, unless a newer version is noted; None forgets it."""
        ...

    async def project_of(self, task_id: TaskId) -> ProjectId | None:
        """The project noted for the task; None for a personal, deleted or unknown task. As new as the primary."""
        ...

    async def forget(self, task_ids: Sequence[TaskId]) -> None:
        """The tasks were deleted (ids are never reused): their routes go, whatever version."""
        ...


class TaskScans(Protocol):
    """Reads across every user's tasks, for the worker and for admins.

    Scatter-gather on a sharded cluster (no shard key in them), named as such, and never
    behind the task cache: nothing here is one user's.
    """

    async def coming_due(self, *, after: datetime, until: datetime, limit: int) -> list[Task]:
        """Tasks not done whose `due_at` is in (after, until], soonest first."""
        ...

    async def count_by_status(self) -> dict[TaskStatus, int]: ...
