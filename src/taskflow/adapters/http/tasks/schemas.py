"""Task bodies: what a client sends to create or change a task; tasks, pages, statistics and import jobs."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

import msgspec

from taskflow.adapters.http.fields import NOT_BLANK, AwareDatetime
from taskflow.domain.model.jobs import ImportJob, JobState
from taskflow.domain.model.task_queries import TaskStats
from taskflow.domain.model.tasks import Task, TaskChanges, TaskDraft
from taskflow.domain.values import (
    DESCRIPTION_MAX_LENGTH,
    OBJECT_ID_PATTERN,
    TAG_MAX_LENGTH,
    TAGS_MAX_COUNT,
    TITLE_MAX_LENGTH,
    Priority,
    ProjectId,
    TaskStatus,
    UserId,
)

Title = Annotated[
    str,
    msgspec.Meta(min_length=1, max_length=TITLE_MAX_LENGTH, pattern=NOT_BLANK, examples=["Write the report"]),
]
Description = Annotated[str, msgspec.Meta(max_length=DESCRIPTION_MAX_LENGTH)]
Tag = Annotated[str, msgspec.Meta(min_length=1, max_length=TAG_MAX_LENGTH, pattern=NOT_BLANK)]
Tags = Annotated[list[Tag], msgspec.Meta(max_length=TAGS_MAX_COUNT)]


ProjectIdField = Annotated[
    str,
    msgspec.Meta(
        pattern=OBJECT_ID_PATTERN,
        description="A project you are in; absent or null: your own tasks. One you are not in answers 404.",
    ),
]


AssigneeField = Annotated[
    str,
    msgspec.Meta(
        pattern=OBJECT_ID_PATTERN,
        description="A member of the task's project (a 422 otherwise; your own tasks are not assigned). A doer "
        "may assign only themselves.",
    ),
]


class TaskCreate(msgspec.Struct, forbid_unknown_fields=True):
    title: Title
    description: Description = ""
    status: TaskStatus = TaskStatus.TODO
    priority: Priority = Priority.MEDIUM
    due_at: AwareDatetime | None = None
    tags: Tags = msgspec.field(default_factory=list)
    project_id: ProjectIdField | None = None
    assignee_id: AssigneeField | None = None

    def to_draft(self) -> TaskDraft:
        return TaskDraft(
            title=self.title,
            description=self.description,
            status=self.status,
            priority=self.priority,
            due_at=self.due_at,
            tags=tuple(self.tags),
            assignee_id=None if self.assignee_id is None else UserId(self.assignee_id),
        )


MoveTo = Annotated[
    str,
    msgspec.Meta(
        pattern=OBJECT_ID_PATTERN,
        description="Moves the task to this project, or with null to your own tasks. You must be an editor where "
        "it is and where it goes; its id stays.",
    ),
]


class TaskPatch(msgspec.Struct, forbid_unknown_fields=True):
    """A JSON merge patch (RFC 7396): absent fields stay; `null` clears an optional one.

    `title`, `status` and `priority` cannot be cleared: `null` for them is a 422.
    """

    title: Title | msgspec.UnsetType = msgspec.UNSET
    description: Description | msgspec.UnsetType | None = msgspec.UNSET
    status: TaskStatus | msgspec.UnsetType = msgspec.UNSET
    priority: Priority | msgspec.UnsetType = msgspec.UNSET
    due_at: AwareDatetime | msgspec.UnsetType | None = msgspec.UNSET
    tags: Tags | msgspec.UnsetType | None = msgspec.UNSET
    assignee_id: AssigneeField | msgspec.UnsetType | None = msgspec.UNSET
    project_id: MoveTo | msgspec.UnsetType | None = msgspec.UNSET

    def to_changes(self) -> TaskChanges:
        unset = msgspec.UnsetType
        description = self.description
        tags = self.tags
        assignee = self.assignee_id
        return TaskChanges(
            title=None if isinstance(self.title, unset) else self.title,
            description=None if isinstance(description, unset) else (description or ""),
            status=None if isinstance(self.status, unset) else self.status,
            priority=None if isinstance(self.priority, unset) else self.priority,
            due_at=None if isinstance(self.due_at, unset) else self.due_at,
            clear_due_at=self.due_at is None,
            tags=None if isinstance(tags, unset) else tuple(tags or ()),
            assignee_id=None if isinstance(assignee, unset) or assignee is None else UserId(assignee),
            clear_assignee=assignee is None,
            moves=not isinstance(self.project_id, unset),
            to_project=ProjectId(self.project_id) if isinstance(self.project_id, str) else None,
        )


class TaskResponse(msgspec.Struct):
    id: str
    project_id: str | None
    assignee_id: str | None
    title: str
    description: str
    status: TaskStatus
    priority: Priority
    due_at: datetime | None
    tags: list[str]
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    version: int

    @classmethod
    def of(cls, task: Task) -> TaskResponse:
        """Every field by name: one left out is a TypeError on the first answer (no field has a default).

        Written out, not worked out from the types: every task answered passes here, cache hits too.
        """
        return cls(
            id=task.id.value,
            project_id=None if task.project_id is None else task.project_id.value,
            assignee_id=None if task.assignee_id is None else task.assignee_id.value,
            title=task.title,
            description=task.description,
            status=task.status,
            priority=task.priority,
            due_at=task.due_at,
            tags=list(task.tags),
            created_at=task.created_at,
            updated_at=task.updated_at,
            completed_at=task.completed_at,
            version=task.version,
        )


class TaskPageResponse(msgspec.Struct):
    items: list[TaskResponse]
    next_cursor: str | None


class StatusCounts(msgspec.Struct):
    todo: int
    in_progress: int
    done: int


class PriorityCounts(msgspec.Struct):
    low: int
    medium: int
    high: int
    urgent: int


class TaskStatsResponse(msgspec.Struct):
    total: int
    by_status: StatusCounts
    by_priority: PriorityCounts
    overdue: int
    done_last_7_days: int
    computed_at: datetime

    @classmethod
    def of(cls, stats: TaskStats) -> TaskStatsResponse:
        return cls(
            total=stats.total,
            by_status=StatusCounts(**{status.value: n for status, n in stats.by_status.items()}),
            by_priority=PriorityCounts(**{priority.value: n for priority, n in stats.by_priority.items()}),
            overdue=stats.overdue,
            done_last_7_days=stats.done_since,
            computed_at=stats.computed_at,
        )


class RowErrorResponse(msgspec.Struct):
    row: int
    field: str | None
    message: str


class JobProgress(msgspec.Struct):
    processed: int
    total: int | None


class JobResponse(msgspec.Struct):
    """An import job.

    `created` counts the rows written (in a dry run: that would be written), `failed` the
    rows refused; `errors` lists the first 100 of those.
    """

    id: str
    kind: str
    state: JobState
    dry_run: bool
    progress: JobProgress
    created: int
    failed: int
    errors: list[RowErrorResponse]
    reason: str | None
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None

    @classmethod
    def of(cls, job: ImportJob) -> JobResponse:
        return cls(
            id=job.id,
            kind="import",
            state=job.state,
            dry_run=job.dry_run,
            progress=JobProgress(processed=job.processed, total=job.total),
            created=job.created,
            failed=job.failed,
            errors=[RowErrorResponse(row=e.row, field=e.field, message=e.message) for e in job.errors],
            reason=job.reason,
            created_at=job.created_at,
            updated_at=job.updated_at,
            finished_at=job.finished_at,
        )


class ExportFormat(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"
