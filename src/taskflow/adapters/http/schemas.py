"""Request and response bodies. Requests reject unknown fields; limits come from the domain."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from http import HTTPStatus
from typing import Annotated, Final, Literal

import msgspec
from litestar.openapi import ResponseSpec

from taskflow.domain.audit import AuditEntry, AuditKind
from taskflow.domain.entities import Task, TaskChanges, TaskDraft, User
from taskflow.domain.jobs import ImportJob, JobState
from taskflow.domain.projects import MAX_MEMBERS, MAX_PROJECTS_PER_USER, Invitation, Member, ProjectRole
from taskflow.domain.services.projects import ProjectView
from taskflow.domain.services.sessions import TokenPair
from taskflow.domain.task_queries import TaskStats
from taskflow.domain.values import (
    DESCRIPTION_MAX_LENGTH,
    EMAIL_MAX_LENGTH,
    EMAIL_PATTERN,
    NAME_MAX_LENGTH,
    OBJECT_ID_PATTERN,
    PASSWORD_MAX_BYTES,
    TAG_MAX_LENGTH,
    TAGS_MAX_COUNT,
    TITLE_MAX_LENGTH,
    WHITE_SPACE,
    Priority,
    ProjectId,
    Role,
    TaskStatus,
    UserId,
)

# Not blank: at least one character that is not white space (the domain's rule, stated).
NOT_BLANK: Final = rf"[^{WHITE_SPACE}]"
Title = Annotated[
    str,
    msgspec.Meta(min_length=1, max_length=TITLE_MAX_LENGTH, pattern=NOT_BLANK, examples=["Write the report"]),
]
Description = Annotated[str, msgspec.Meta(max_length=DESCRIPTION_MAX_LENGTH)]
Tag = Annotated[str, msgspec.Meta(min_length=1, max_length=TAG_MAX_LENGTH, pattern=NOT_BLANK)]
Tags = Annotated[list[Tag], msgspec.Meta(max_length=TAGS_MAX_COUNT)]
# The domain's rule, around which white space is trimmed (the domain trims it too).
EmailField = Annotated[
    str,
    msgspec.Meta(
        max_length=EMAIL_MAX_LENGTH,
        pattern=rf"^[{WHITE_SPACE}]*{EMAIL_PATTERN}[{WHITE_SPACE}]*$",
        examples=["ada@example.com"],
    ),
]
# Characters, not bytes: the byte limit is checked by the password policy before hashing.
Password = Annotated[str, msgspec.Meta(min_length=1, max_length=PASSWORD_MAX_BYTES)]
# A password being chosen. The policy's minimum length is configured
# (TASKFLOW_PASSWORD_MIN_LENGTH): the document states it from there (StrictStructSchemaPlugin).
NewPassword = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=PASSWORD_MAX_BYTES,
        description=f"At most {PASSWORD_MAX_BYTES} bytes as UTF-8, and not one of the most common passwords "
        "(checked by the server; a schema cannot say it).",
    ),
]
Name = Annotated[
    str,
    msgspec.Meta(min_length=1, max_length=NAME_MAX_LENGTH, pattern=NOT_BLANK, examples=["Ada Lovelace"]),
]
AwareDatetime = Annotated[datetime, msgspec.Meta(tz=True, description="ISO 8601 with a time-zone offset")]


class RegisterRequest(msgspec.Struct, forbid_unknown_fields=True):
    email: EmailField
    password: NewPassword
    name: Name


class LoginRequest(msgspec.Struct, forbid_unknown_fields=True):
    email: EmailField
    password: Password


class TokenResponse(msgspec.Struct):
    """RFC 6749 §5.1 field names, so OAuth2 clients (and the docs UI) read it as they are."""

    access_token: str
    expires_in: int
    refresh_token: str
    token_type: str = "Bearer"  # noqa: S105 - RFC 6750 scheme name, not a secret

    @classmethod
    def of(cls, pair: TokenPair) -> TokenResponse:
        return cls(access_token=pair.access.token, expires_in=pair.access.expires_in, refresh_token=pair.refresh_token)


class AccessTokenResponse(msgspec.Struct):
    """What a web page gets: the access token only; its session stays in an HttpOnly cookie."""

    access_token: str
    expires_in: int
    token_type: str = "Bearer"  # noqa: S105 - RFC 6750 scheme name, not a secret

    @classmethod
    def of(cls, pair: TokenPair) -> AccessTokenResponse:
        return cls(access_token=pair.access.token, expires_in=pair.access.expires_in)


# Long enough that a mistaken access token gets a 401, not a 422.
RefreshToken = Annotated[str, msgspec.Meta(min_length=1, max_length=2048)]


class RefreshRequest(msgspec.Struct, forbid_unknown_fields=True):
    refresh_token: RefreshToken


class PasswordResetRequest(msgspec.Struct, forbid_unknown_fields=True):
    email: EmailField


class MembershipExport(msgspec.Struct):
    project_id: str
    name: str
    role: ProjectRole


class AccountExportHead(msgspec.Struct):
    """The account export before its tasks (which follow as `tasks`, each as `getTask` shows it)."""

    format: Literal["taskflow-account-export/1"]
    exported_at: datetime
    account: UserResponse
    projects: list[MembershipExport]


class AccountExport(AccountExportHead):
    """What `exportMe` streams, as one document."""

    tasks: list[TaskResponse]


class PasswordResetAccepted(msgspec.Struct):
    detail: str = "If an active account has this address, a mail with a token is on its way; it works for 30 minutes."


class VerificationSent(msgspec.Struct):
    detail: str = "A mail with a token is on its way to your address; it works for 7 days."


class EmailVerificationRequest(msgspec.Struct, forbid_unknown_fields=True):
    token: Annotated[str, msgspec.Meta(min_length=1, max_length=128, description="From the mail")]


class PasswordResetConfirmation(msgspec.Struct, forbid_unknown_fields=True):
    token: Annotated[str, msgspec.Meta(min_length=1, max_length=64, description="From the mail (43 characters)")]
    new_password: NewPassword


class PasswordChange(msgspec.Struct, forbid_unknown_fields=True):
    current_password: Password
    new_password: NewPassword


class AccountDeletionRequest(msgspec.Struct, forbid_unknown_fields=True):
    password: Password


class AccountDeletionResponse(msgspec.Struct):
    deleted_at: Annotated[
        datetime, msgspec.Meta(description="When the account stopped; the erasure follows within about a minute")
    ]


class UserResponse(msgspec.Struct):
    id: str
    email: str
    name: str
    role: Role
    is_active: bool
    email_verified: Annotated[
        bool, msgspec.Meta(description="The owner confirmed the address (the mailed token); unverified accounts work")
    ]
    created_at: datetime

    @classmethod
    def of(cls, user: User) -> UserResponse:
        return cls(
            id=user.id.value,
            email=user.email.value,
            name=user.name,
            role=user.role,
            is_active=user.is_active,
            email_verified=user.email_verified,
            created_at=user.created_at,
        )


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


class FieldError(msgspec.Struct):
    field: str
    message: str
    source: str | None = None


class Problem(msgspec.Struct, omit_defaults=True):
    """RFC 9457 problem details, as every error is answered."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = None


_PROBLEM_DESCRIPTIONS = {
    400: "The body is not valid JSON (or is nested too deeply), or X-Consistency-Token is not one this API handed out",
    401: "No valid bearer token (or, on login, wrong credentials); carries WWW-Authenticate",
    403: "The account may not do this (or, on a password change, the current password is wrong)",
    404: "No such resource for this caller: another user's looks the same as a missing one",
    409: "Conflicts with the current state",
    412: "If-Match names a version that is no longer current",
    413: "The body is larger than TASKFLOW_MAX_BODY_BYTES",
    415: "The Content-Type is not the one this operation takes",
    422: "The body parses but breaks the schema or a rule; `errors` names the fields",
    429: "A request budget or rate limit is spent; retry after Retry-After seconds (RateLimit fields say more)",
    503: "A dependency did not answer in time; retry after Retry-After seconds",
}


def problem_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI entries for the problem+json answers an operation can give.

    An operation that can answer 401 draws on a request budget, so it can answer 429 too.
    """
    if HTTPStatus.UNAUTHORIZED in statuses:
        statuses = tuple(dict.fromkeys((*statuses, HTTPStatus.TOO_MANY_REQUESTS.value)))
    return {
        status: ResponseSpec(
            data_container=Problem,
            description=_PROBLEM_DESCRIPTIONS[status],
            media_type="application/problem+json",
            generate_examples=False,
        )
        for status in statuses
    }


class ProfileUpdate(msgspec.Struct, forbid_unknown_fields=True):
    name: Name


class ProjectCreate(msgspec.Struct, forbid_unknown_fields=True):
    name: Name


class ProjectRename(msgspec.Struct, forbid_unknown_fields=True):
    name: Name


class ProjectResponse(msgspec.Struct):
    """A project as you see it: `role` is yours in it."""

    id: str
    name: str
    owner_id: str
    role: ProjectRole
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def of(cls, view: ProjectView) -> ProjectResponse:
        project = view.project
        return cls(
            id=project.id.value,
            name=project.name,
            owner_id=project.owner_id.value,
            role=view.role,
            created_at=project.created_at,
            updated_at=project.updated_at,
            version=project.version,
        )


class ProjectListResponse(msgspec.Struct):
    items: Annotated[
        list[ProjectResponse],
        msgspec.Meta(max_length=MAX_PROJECTS_PER_USER, description="Every project you are in, oldest membership first"),
    ]


class MemberResponse(msgspec.Struct):
    user_id: str
    name: Annotated[str, msgspec.Meta(description="The member's display name")]
    role: ProjectRole
    joined_at: datetime

    @classmethod
    def of(cls, member: Member) -> MemberResponse:
        joined = member.membership
        return cls(user_id=joined.user_id.value, name=member.name, role=joined.role, joined_at=joined.joined_at)


class MemberListResponse(msgspec.Struct):
    items: Annotated[list[MemberResponse], msgspec.Meta(max_length=MAX_MEMBERS, description="Earliest joined first")]


class MemberUpdate(msgspec.Struct, forbid_unknown_fields=True):
    role: Annotated[
        ProjectRole,
        msgspec.Meta(description="Below your own role; `owner` only by a transfer"),
    ]


class InvitationCreate(msgspec.Struct, forbid_unknown_fields=True):
    email: EmailField
    role: Annotated[ProjectRole, msgspec.Meta(description="Below your own role")]


class InvitationResponse(msgspec.Struct):
    """What was sent, the same for every address: whether it has an account is not said."""

    email: str
    role: ProjectRole
    expires_at: datetime

    @classmethod
    def of(cls, invitation: Invitation) -> InvitationResponse:
        return cls(email=invitation.email.value, role=invitation.role, expires_at=invitation.expires_at)


class ProjectTransfer(msgspec.Struct, forbid_unknown_fields=True):
    user_id: Annotated[str, msgspec.Meta(description="Another member of the project", pattern=OBJECT_ID_PATTERN)]


class AdminUserUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """Omitted fields are left as they are."""

    role: Role | None = None
    is_active: bool | None = None


class AuditEntryResponse(msgspec.Struct):
    id: str
    kind: AuditKind
    actor_id: Annotated[str | None, msgspec.Meta(description="Who acted; null: not signed in, or the system")]
    target_id: Annotated[str | None, msgspec.Meta(description="Whose account it concerns")]
    at: datetime
    address: Annotated[str | None, msgspec.Meta(description="The client address the request came from")]
    request_id: str | None
    detail: dict[str, str]

    @classmethod
    def of(cls, entry: AuditEntry) -> AuditEntryResponse:
        return cls(
            id=entry.id,
            kind=entry.kind,
            actor_id=None if entry.actor is None else entry.actor.value,
            target_id=None if entry.target is None else entry.target.value,
            at=entry.at,
            address=entry.address,
            request_id=entry.request_id,
            detail=entry.detail,
        )


class AuditPageResponse(msgspec.Struct):
    items: list[AuditEntryResponse]
    next_cursor: str | None


class UserPageResponse(msgspec.Struct):
    items: list[UserResponse]
    next_cursor: str | None


class UserCountsResponse(msgspec.Struct):
    total: int
    active: int
    admins: int


class TaskCountsResponse(msgspec.Struct):
    total: int
    by_status: dict[TaskStatus, int]


class AdminStatsResponse(msgspec.Struct):
    users: UserCountsResponse
    tasks: TaskCountsResponse
