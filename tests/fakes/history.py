"""A task's history without MongoDB; tests/contract/test_task_activity.py holds it to the real one."""

from __future__ import annotations

from collections.abc import Sequence

from taskflow.domain.errors import UnavailableError
from taskflow.domain.ports.activity import ActivityEntry, TaskActivity
from taskflow.domain.values import TaskId


class InMemoryTaskActivity(TaskActivity):
    """Entries by id; `down` plays a database that takes nothing (the consumer must replay)."""

    def __init__(self) -> None:
        self.entries: dict[str, ActivityEntry] = {}
        self.down = False

    async def record(self, entries: Sequence[ActivityEntry]) -> None:
        self._check()
        for entry in entries:
            self.entries.setdefault(entry.id, entry)

    async def page(self, task_id: TaskId, *, before_version: int | None, limit: int) -> Sequence[ActivityEntry]:
        self._check()
        entries = sorted(
            (entry for entry in self.entries.values() if entry.task_id == task_id),
            key=lambda entry: entry.version,
            reverse=True,
        )
        return [entry for entry in entries if before_version is None or entry.version < before_version][:limit]

    async def forget(self, task_id: TaskId) -> None:
        self._check()
        self.entries = {key: entry for key, entry in self.entries.items() if entry.task_id != task_id}

    def _check(self) -> None:
        if self.down:
            raise UnavailableError
