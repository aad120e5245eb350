"""Tasks in memory, reached by grants as the MongoDB store reaches them."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from datetime import datetime

from taskflow.domain.access.grants import Grant
from taskflow.domain.changes.feed import Place, TaskChanged
from taskflow.domain.errors import (
    TaskIdTakenError,
    TaskNotFoundError,
)
from taskflow.domain.model.task_queries import TaskFilter, TaskOrder, TaskPosition, TaskSortKey, TaskStats
from taskflow.domain.model.tasks import Task
from taskflow.domain.ports.tasks import TaskDirectory, TaskRepository, TaskRoute, TaskScans
from taskflow.domain.values import Priority, ProjectId, TaskId, TaskStatus, UserId
from tests.fakes.changes import InMemoryChangeFeed


def _check_place(grant: Grant, task: Task) -> None:
    if not grant.holds(task):
        msg = "the task is not in the grant's place"
        raise ValueError(msg)


class InMemoryTaskRepository(TaskRepository):
    """With a `feed`, every write publishes its change there, as MongoDB's change stream carries it."""

    def __init__(self, feed: InMemoryChangeFeed | None = None) -> None:
        self._by_id: dict[TaskId, Task] = {}
        self._feed = feed

    def _store(self, task: Task) -> None:
        previous = self._by_id.get(task.id)
        self._by_id[task.id] = copy.deepcopy(task)
        if self._feed is not None:
            before = None if previous is None else Place.of(previous)
            self._feed.publish(
                TaskChanged(self._feed.next_position(), task.id, before, copy.deepcopy(task), task.version, previous)
            )

    def _remove(self, task_id: TaskId) -> None:
        gone = self._by_id.pop(task_id)
        if self._feed is not None:
            self._feed.publish(
                TaskChanged(self._feed.next_position(), task_id, Place.of(gone), None, gone.version, gone)
            )

    def all(self) -> list[Task]:
        """Every task stored, in every place (what a test checks is gone)."""
        return list(self._by_id.values())

    async def add(self, grant: Grant, task: Task) -> None:
        _check_place(grant, task)
        if task.id in self._by_id:
            raise TaskIdTakenError
        self._store(task)

    async def add_many(self, grant: Grant, tasks: list[Task]) -> None:
        for task in tasks:
            if grant.holds(task) and task.id not in self._by_id:
                self._store(task)

    async def get(self, grant: Grant, task_id: TaskId) -> Task:
        task = self._by_id.get(task_id)
        if task is None or not grant.holds(task):
            raise TaskNotFoundError
        return copy.deepcopy(task)

    async def get_latest(self, grant: Grant, task_id: TaskId) -> Task:
        return await self.get(grant, task_id)

    async def replace(self, grant: Grant, task: Task, *, expected_version: int) -> bool:
        _check_place(grant, task)
        stored = self._by_id.get(task.id)
        if stored is None or not grant.holds(stored) or stored.version != expected_version:
            return False
        self._store(task)
        return True

    async def move(self, source: Grant, target: Grant, task: Task, *, expected_version: int) -> bool:
        _check_place(target, task)
        stored = self._by_id.get(task.id)
        if stored is None or not source.holds(stored) or stored.version != expected_version:
            return False
        self._store(task)
        return True

    async def delete(self, grant: Grant, task_id: TaskId, *, expected_version: int | None) -> bool:
        stored = self._by_id.get(task_id)
        if stored is None or not grant.holds(stored) or expected_version not in {None, stored.version}:
            return False
        self._remove(task_id)
        return True

    def __len__(self) -> int:
        """Every task stored, in every place."""
        return len(self._by_id)

    async def delete_all(self, grant: Grant) -> int:
        gone = [task_id for task_id, task in self._by_id.items() if grant.holds(task)]
        for task_id in gone:
            self._remove(task_id)
        return len(gone)

    async def unassign(self, grant: Grant, user: UserId, *, now: datetime) -> int:
        theirs = [task for task in self._by_id.values() if grant.holds(task) and task.assignee_id == user]
        for task in theirs:
            self._store(replace(task, assignee_id=None, updated_at=now, version=task.version + 1, updated_by=None))
        return len(theirs)

    async def list_page(
        self, grant: Grant, task_filter: TaskFilter, order: TaskOrder, *, after: TaskPosition | None, limit: int
    ) -> list[Task]:
        return await self.list_across([grant], task_filter, order, after=after, limit=limit)

    async def list_across(
        self, grants: list[Grant], task_filter: TaskFilter, order: TaskOrder, *, after: TaskPosition | None, limit: int
    ) -> list[Task]:
        found = sorted(
            (t for t in self._by_id.values() if any(g.holds(t) for g in grants) and task_filter.matches(t)),
            key=order.sort_key,
            reverse=order.descending,
        )
        if after is not None:
            mark = (after.value is not None, after.value, after.task_id.value)
            found = [t for t in found if (order.sort_key(t) < mark if order.descending else order.sort_key(t) > mark)]
        return [copy.deepcopy(task) for task in found[:limit]]

    async def stream(self, grant: Grant) -> AsyncIterator[Task]:
        oldest_first = TaskOrder(TaskSortKey.CREATED_AT, descending=False)
        for task in sorted((t for t in self._by_id.values() if grant.holds(t)), key=oldest_first.sort_key):
            yield copy.deepcopy(task)

    async def stats(self, grant: Grant, *, now: datetime, done_since: datetime) -> TaskStats:
        tasks = [t for t in self._by_id.values() if grant.holds(t)]
        open_tasks = [t for t in tasks if t.status is not TaskStatus.DONE]
        done = [t for t in tasks if t.status is TaskStatus.DONE]
        return TaskStats(
            total=len(tasks),
            by_status={status: sum(t.status is status for t in tasks) for status in TaskStatus},
            by_priority={priority: sum(t.priority is priority for t in tasks) for priority in Priority},
            overdue=sum(t.due_at is not None and t.due_at < now for t in open_tasks),
            done_since=sum(t.completed_at is not None and t.completed_at >= done_since for t in done),
            computed_at=now,
        )


class InMemoryTaskScans(TaskScans):
    """Reads across every user's tasks in an in-memory repository."""

    def __init__(self, tasks: InMemoryTaskRepository) -> None:
        self._tasks = tasks

    async def coming_due(self, *, after: datetime, until: datetime, limit: int) -> list[Task]:
        due = [
            copy.deepcopy(task)
            for task in self._tasks.all()
            if task.due_at is not None and after < task.due_at <= until and task.status is not TaskStatus.DONE
        ]
        return sorted(due, key=lambda task: (task.due_at, task.id.value))[:limit]

    async def count_by_status(self) -> dict[TaskStatus, int]:
        counts: dict[TaskStatus, int] = {}
        for task in self._tasks.all():
            counts[task.status] = counts.get(task.status, 0) + 1
        return counts


class InMemoryTaskDirectory(TaskDirectory):
    """Routes by task id, each at its version; tests/contract/test_task_directory.py holds it to MongoDB's."""

    def __init__(self) -> None:
        self.routes: dict[TaskId, TaskRoute] = {}

    async def note(self, routes: Sequence[TaskRoute]) -> None:
        for route in routes:
            noted = self.routes.get(route.task_id)
            if noted is not None and noted.version > route.version:
                continue
            if route.project is None:
                self.routes.pop(route.task_id, None)
            else:
                self.routes[route.task_id] = route

    async def project_of(self, task_id: TaskId) -> ProjectId | None:
        route = self.routes.get(task_id)
        return None if route is None else route.project

    async def forget(self, task_ids: Sequence[TaskId]) -> None:
        for task_id in task_ids:
            self.routes.pop(task_id, None)
