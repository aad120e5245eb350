"""Creating and reading one's own tasks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from taskflow.domain.entities import Task, TaskDraft

if TYPE_CHECKING:
    from taskflow.domain.ports import Clock, IdGenerator, TaskRepository
    from taskflow.domain.values import TaskId, UserId


class TaskService:
    """A user's own tasks.

    Rules:
    - a task belongs to the user who created it, and only that user sees it;
    - another user's task and a missing one are the same `TaskNotFoundError`.
    """

    def __init__(self, tasks: TaskRepository, clock: Clock, ids: IdGenerator) -> None:
        self._tasks = tasks
        self._clock = clock
        self._ids = ids

    async def create(self, owner: UserId, draft: TaskDraft) -> Task:
        task = Task.create(self._ids.new_task_id(), owner, draft, now=self._clock.now())
        await self._tasks.add(task)
        return task

    async def get(self, owner: UserId, task_id: TaskId) -> Task:
        return await self._tasks.get(owner, task_id)
