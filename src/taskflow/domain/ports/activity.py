"""A task's history: one entry per version, written by the durable change consumer (issue 30)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Final, Protocol

if TYPE_CHECKING:
    from collections.abc import Sequence

    from taskflow.domain.values import TaskId, UserId

ACTIVITY_PAGE_MAX: Final = 100

Plain = str | int | float | bool | None | list[str] | datetime
"""A field's value as an entry keeps it: what JSON and BSON both hold."""


@dataclass(frozen=True, slots=True)
class RecordedField:
    """One field's value before and after; `truncated` when a long text was cut to keep the entry small."""

    field: str
    before: Plain
    after: Plain
    truncated: bool = False


@dataclass(frozen=True, slots=True)
class ActivityEntry:
    """What one version of a task did: `kind` the leading change (created, completed, moved...), `actor` who."""

    task_id: TaskId
    version: int
    at: datetime
    actor: UserId | None
    kind: str
    changes: tuple[RecordedField, ...]

    @property
    def id(self) -> str:
        """The task and the version: the effect's key, so a replayed change stores nothing new."""
        return f"{self.task_id.value}:{self.version}"


class TaskActivity(Protocol):
    """Entries by task, targeted by the task's id (its place can change; its id cannot)."""

    async def record(self, entries: Sequence[ActivityEntry]) -> None:
        """Each stored once: an entry whose id is there already is kept as it was."""
        ...

    async def page(self, task_id: TaskId, *, before_version: int | None, limit: int) -> Sequence[ActivityEntry]:
        """Newest first, the versions below `before_version` (all, when None)."""
        ...

    async def forget(self, task_id: TaskId) -> None:
        """Every entry of the task (deleted): its history goes with it."""
        ...
