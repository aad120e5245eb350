"""What happened to a task in one change, worked out once from the task before and after it.

Every reaction to a change (the task's history, notifications, webhooks) reads this, so
they agree on what happened: created, updated, completed, reopened, assigned, unassigned,
moved, deleted, with the fields that changed, their values before and after, and who did it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from taskflow.domain.changes.feed import Place
from taskflow.domain.model.tasks import CONTENT
from taskflow.domain.values import TaskStatus

if TYPE_CHECKING:
    from taskflow.domain.changes.feed import FeedPosition, TaskChanged
    from taskflow.domain.model.tasks import Task
    from taskflow.domain.values import TaskId, UserId


class ChangeKind(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    """Any of the watched fields changed, or the task moved."""
    COMPLETED = "completed"
    REOPENED = "reopened"
    ASSIGNED = "assigned"
    """To someone: on creation, or a new assignee."""
    UNASSIGNED = "unassigned"
    MOVED = "moved"
    """To another place (a project, or its space owner's own tasks)."""
    DELETED = "deleted"


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    before: object
    after: object


@dataclass(frozen=True, slots=True)
class TaskChange:
    """One change to one task, classified.

    `fields` is empty when the feed did not keep the task as it was (a creation, a deletion,
    or a change from before pre-images were kept). `actor` is who made the version (None:
    the system, or a deletion, which the database does not attribute).
    """

    position: FeedPosition
    task_id: TaskId
    version: int
    kinds: frozenset[ChangeKind]
    fields: tuple[FieldChange, ...]
    actor: UserId | None
    before: Place | None
    after: Place | None
    task: Task | None


def classify(change: TaskChanged) -> TaskChange:
    task, previous = change.task, change.previous
    fields: tuple[FieldChange, ...] = ()
    if task is None:
        kinds, actor = frozenset({ChangeKind.DELETED}), None
    elif change.before is None:
        kinds = frozenset({ChangeKind.CREATED} | ({ChangeKind.ASSIGNED} if task.assignee_id else set()))
        actor = task.updated_by
    else:
        fields = _differing(previous, task) if previous is not None else ()
        kinds = _kinds_of(change.before, task, previous, fields)
        actor = task.updated_by
    return TaskChange(
        change.position, change.task_id, change.version, kinds, fields, actor, change.before, change.after, task
    )


def _differing(previous: Task, task: Task) -> tuple[FieldChange, ...]:
    return tuple(
        FieldChange(name, getattr(previous, name), getattr(task, name))
        for name in CONTENT  # what a client sets: the fields whose changes are told
        if getattr(previous, name) != getattr(task, name)
    )


def _kinds_of(
    before: Place, task: Task, previous: Task | None, fields: tuple[FieldChange, ...]
) -> frozenset[ChangeKind]:
    moved = before != Place.of(task)
    kinds = {ChangeKind.UPDATED} if fields or moved or previous is None else set()
    if moved:
        kinds.add(ChangeKind.MOVED)
    changed = {change.field: change for change in fields}
    if "status" in changed:
        if changed["status"].before is TaskStatus.DONE:
            kinds.add(ChangeKind.REOPENED)
        elif task.status is TaskStatus.DONE:
            kinds.add(ChangeKind.COMPLETED)
    if "assignee_id" in changed:
        kinds.add(ChangeKind.ASSIGNED if task.assignee_id is not None else ChangeKind.UNASSIGNED)
    return frozenset(kinds)
