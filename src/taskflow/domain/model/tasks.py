"""Tasks: what a client may set, a change to one, and the task itself with the behaviour that keeps its invariants."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Final

from taskflow.domain.errors import InvalidValueError
from taskflow.domain.values import (
    Priority,
    ProjectId,
    TaskId,
    TaskStatus,
    UserId,
    check_description,
    check_tags,
    check_title,
)

CONTENT: Final = ("title", "description", "status", "priority", "due_at", "tags", "assignee_id")
"""The fields of a task a client sets, in this order; the rest the server keeps."""


def to_utc_millis(moment: datetime, *, field_name: str) -> datetime:
    """Instants are kept in UTC at millisecond precision, as MongoDB stores them.

    So what a write returns is exactly what a later read returns.
    """
    if moment.utcoffset() is None:
        msg = f"{field_name} must carry a time-zone offset"
        raise InvalidValueError(msg, field=field_name)
    moment = moment.astimezone(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskDraft:
    """What a client may set on a new task; validated on construction."""

    title: str
    description: str = ""
    status: TaskStatus = TaskStatus.TODO
    priority: Priority = Priority.MEDIUM
    due_at: datetime | None = None
    tags: tuple[str, ...] = ()
    assignee_id: UserId | None = None

    def __post_init__(self) -> None:
        check_title(self.title)
        check_description(self.description)
        object.__setattr__(self, "tags", check_tags(self.tags))
        if self.due_at is not None:
            object.__setattr__(self, "due_at", to_utc_millis(self.due_at, field_name="due_at"))


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskChanges:
    """A merge patch: `None` leaves a field as it is; `clear_*` empties an optional one."""

    title: str | None = None
    description: str | None = None
    status: TaskStatus | None = None
    priority: Priority | None = None
    due_at: datetime | None = None
    tags: tuple[str, ...] | None = None
    clear_due_at: bool = False
    assignee_id: UserId | None = None
    clear_assignee: bool = False
    moves: bool = False
    """Whether the task goes to another place: `to_project`, or the caller's own tasks when None."""
    to_project: ProjectId | None = None

    def only_progress(self, user: UserId) -> bool:
        """Completing, reopening or taking the task oneself, nothing else: what a project's doers may do."""
        content = (self.title, self.description, self.priority, self.due_at, self.tags)
        return (
            content == (None,) * 5
            and not self.clear_due_at
            and not self.clear_assignee
            and (self.assignee_id in {None, user})
        )

    def __post_init__(self) -> None:
        if self.title is not None:
            check_title(self.title)
        if self.description is not None:
            check_description(self.description)
        if self.tags is not None:
            object.__setattr__(self, "tags", check_tags(self.tags))
        if self.due_at is not None:
            object.__setattr__(self, "due_at", to_utc_millis(self.due_at, field_name="due_at"))


@dataclass(slots=True, eq=False, kw_only=True)
class Task:
    """A unit of work; `version` grows by one on every change.

    `owner_id` is where it is stored (the shard key): its user's id for a personal task, the
    project's space for a project's task (decision 0028). `updated_by` made this version (None:
    the system, or a version from before it was kept): the actor rides in the document, so
    whatever reads the change feed knows who did it.
    """

    id: TaskId
    owner_id: UserId
    project_id: ProjectId | None = None
    assignee_id: UserId | None = None
    title: str
    description: str = ""
    status: TaskStatus = TaskStatus.TODO
    priority: Priority = Priority.MEDIUM
    due_at: datetime | None = None
    tags: tuple[str, ...] = field(default=())
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None = None
    version: int = 1
    updated_by: UserId | None = None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Task) and other.id == self.id

    def __hash__(self) -> int:
        return hash(self.id)

    @classmethod
    def create(
        cls,
        task_id: TaskId,
        owner_id: UserId,
        draft: TaskDraft,
        *,
        now: datetime,
        project_id: ProjectId | None = None,
        by: UserId | None = None,
    ) -> Task:
        """A new task at version 1; one created as `done` is completed now."""
        return cls(
            id=task_id,
            owner_id=owner_id,
            project_id=project_id,
            assignee_id=draft.assignee_id,
            title=draft.title,
            description=draft.description,
            status=draft.status,
            priority=draft.priority,
            due_at=draft.due_at,
            tags=draft.tags,
            created_at=now,
            updated_at=now,
            completed_at=now if draft.status is TaskStatus.DONE else None,
            updated_by=by,
        )

    def changed(self, changes: TaskChanges, *, now: datetime, by: UserId | None = None) -> Task:
        """The next version, or this very task when the changes change nothing.

        Becoming `done` stamps `completed_at`; leaving `done` clears it. A patch that sets
        every field to what it already is makes no new version (RFC 7396: `{}` is a no-op),
        so ETags and caches stay valid.
        """
        candidate = replace(
            self,
            title=self.title if changes.title is None else changes.title,
            description=self.description if changes.description is None else changes.description,
            status=changes.status or self.status,
            priority=changes.priority or self.priority,
            due_at=None if changes.clear_due_at else (changes.due_at or self.due_at),
            tags=self.tags if changes.tags is None else changes.tags,
            assignee_id=None if changes.clear_assignee else (changes.assignee_id or self.assignee_id),
        )
        if candidate.content() == self.content():
            return self
        completed_at = self.completed_at
        if candidate.status is TaskStatus.DONE and self.status is not TaskStatus.DONE:
            completed_at = now
        elif candidate.status is not TaskStatus.DONE:
            completed_at = None
        return replace(candidate, updated_at=now, completed_at=completed_at, version=self.version + 1, updated_by=by)

    def content(self) -> tuple[object, ...]:
        """What a client sets (`CONTENT`); a change is a new version only if it changes this."""
        return tuple(getattr(self, name) for name in CONTENT)
