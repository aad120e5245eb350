"""A task's history: written from the change feed, one entry per version; read by whoever may read the task.

Rules:
- every version of a task, whatever wrote it (the API, an import, a job, an erasure's
  unassignment), makes one entry, keyed by task and version: a replayed change stores
  nothing new;
- an entry names who made the version, its leading kind, and each field a client sets that
  changed, with its values before and after (a move adds `project_id`); a text longer
  than `TEXT_LIMIT` characters is cut, and says so;
- a deleted task's history goes with it;
- reading it is reading the task: the same 404 for a task one may not see.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Final

from taskflow.domain.changes.classification import ChangeKind, classify
from taskflow.domain.changes.feed import TaskChanged
from taskflow.domain.ports.activity import ActivityEntry, Plain, RecordedField
from taskflow.domain.services.names import names_of
from taskflow.domain.values import ProjectId, UserId

if TYPE_CHECKING:
    from collections.abc import Sequence

    from taskflow.domain.access.principal import Principal
    from taskflow.domain.changes.classification import TaskChange
    from taskflow.domain.changes.feed import Change
    from taskflow.domain.ports.accounts import UserRepository
    from taskflow.domain.ports.activity import TaskActivity
    from taskflow.domain.services.tasks import TaskService
    from taskflow.domain.values import TaskId

TEXT_LIMIT: Final = 1_000
LEADING: Final = (
    ChangeKind.CREATED,
    ChangeKind.MOVED,
    ChangeKind.COMPLETED,
    ChangeKind.REOPENED,
    ChangeKind.ASSIGNED,
    ChangeKind.UNASSIGNED,
)
"""Which kind names an entry when a version did several things; none of these: `updated`."""


class HistoryOnChange:
    """The history as a reaction to the change feed."""

    name = "history"

    def __init__(self, activity: TaskActivity) -> None:
        self._activity = activity

    async def handle(self, changes: Sequence[Change]) -> None:
        """The entries of the batch in one write; then the deleted tasks' histories go (ids are never reused)."""
        tasks = [change for change in changes if isinstance(change, TaskChanged)]
        entries = [entry_of(classify(change)) for change in tasks if change.task is not None]
        if entries:
            await self._activity.record(entries)
        for deleted in {change.task_id for change in tasks if change.task is None}:
            await self._activity.forget(deleted)


def entry_of(change: TaskChange) -> ActivityEntry:
    assert change.task is not None  # noqa: S101 - a deletion makes no entry
    fields = [_recorded(field.field, field.before, field.after) for field in change.fields]
    if ChangeKind.MOVED in change.kinds and change.before is not None and change.after is not None:
        fields.append(_recorded("project_id", change.before.project, change.after.project))
    return ActivityEntry(
        task_id=change.task_id,
        version=change.version,
        at=change.task.updated_at,
        actor=change.actor,
        kind=next((kind for kind in LEADING if kind in change.kinds), ChangeKind.UPDATED).value,
        changes=tuple(fields),
    )


def _recorded(name: str, before: object, after: object) -> RecordedField:
    (before_plain, cut_before), (after_plain, cut_after) = _plain(before), _plain(after)
    return RecordedField(name, before_plain, after_plain, truncated=cut_before or cut_after)


def _plain(value: object) -> tuple[Plain, bool]:
    """The value as JSON and BSON hold it, and whether it was cut."""
    match value:
        case str() if len(value) > TEXT_LIMIT:
            return value[:TEXT_LIMIT], True
        case Enum():
            return str(value.value), False
        case UserId() | ProjectId():
            return value.value, False
        case tuple():
            return [str(item) for item in value], False
        case None | str() | int() | float() | datetime():
            return value, False
    msg = f"no plain form for {type(value).__name__}"
    raise TypeError(msg)


@dataclass(frozen=True, slots=True)
class ActivityPage:
    items: Sequence[ActivityEntry]
    names: dict[UserId, str]
    """The actors' names now; an actor missing here has no account any more."""
    next_before: int | None


class TaskHistory:
    def __init__(self, tasks: TaskService, activity: TaskActivity, users: UserRepository) -> None:
        self._tasks = tasks
        self._activity = activity
        self._users = users

    async def page(
        self,
        principal: Principal,
        task_id: TaskId,
        *,
        before_version: int | None,
        limit: int,
        project: ProjectId | None = None,
    ) -> ActivityPage:
        await self._tasks.get(principal, task_id, project=project)
        entries = await self._activity.page(task_id, before_version=before_version, limit=limit + 1)
        items = entries[:limit]
        names = await names_of(self._users, (entry.actor for entry in items))
        return ActivityPage(items, names, items[-1].version if len(entries) > limit else None)
