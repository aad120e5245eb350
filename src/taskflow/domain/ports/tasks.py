"""Ports for tasks."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from taskflow.domain.values import UserId

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from taskflow.domain.entities import Task
    from taskflow.domain.task_queries import TaskFilter, TaskOrder, TaskPosition, TaskStats
    from taskflow.domain.values import TaskId, TaskStatus


class TaskRepository(Protocol):
    """Tasks. The owner is part of every call: it is the shard key."""

    async def add(self, task: Task) -> None:
        """TaskIdTakenError if a task with this id exists (ids are never reused otherwise)."""
        ...

    async def add_many(self, owner: UserId, tasks: list[Task]) -> None:
        """All of `owner`'s `tasks`; those whose id is taken already are skipped (a re-run)."""
        ...

    async def get(self, owner: UserId, task_id: TaskId) -> Task:
        """TaskNotFoundError if the task does not exist or belongs to someone else.

        Never older than the owner's own last write; may lag other writers a little.
        """
        ...

    async def get_latest(self, owner: UserId, task_id: TaskId) -> Task:
        """As `get`, but the newest version there is: it decides a compare-and-set."""
        ...

    async def replace(self, task: Task, *, expected_version: int) -> bool:
        """Store `task` if the stored one is still at `expected_version`: one compare-and-set.

        False when it is not (changed or deleted meanwhile); the caller decides which.
        """
        ...

    async def delete(self, owner: UserId, task_id: TaskId, *, expected_version: int | None) -> bool:
        """Delete the task (only at `expected_version`, when given); False if nothing matched."""
        ...

    async def list_page(
        self, owner: UserId, task_filter: TaskFilter, order: TaskOrder, *, after: TaskPosition | None, limit: int
    ) -> list[Task]:
        """Up to `limit` of the owner's tasks matching the filter, in `order`, after `after`."""
        ...

    def stream(self, owner: UserId) -> AsyncIterator[Task]:
        """Every task of the owner, oldest first, read in batches: memory stays flat."""
        ...

    async def stats(self, owner: UserId, *, now: datetime, done_since: datetime) -> TaskStats:
        """The owner's counts, from one pass over their tasks."""
        ...

    async def coming_due_across_users(self, *, after: datetime, until: datetime, limit: int) -> list[Task]:
        """Tasks not done whose `due_at` is in (after, until], soonest first. Every user's: scatter-gather."""
        ...

    async def count_by_status_across_users(self) -> dict[TaskStatus, int]:
        """Admin only, and the one scatter-gather query: it reads every shard."""
        ...
