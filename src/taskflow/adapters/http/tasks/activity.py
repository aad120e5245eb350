"""A task's history over HTTP: who changed what, newest first, readable by whoever may read the task."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Final

import msgspec
from litestar import get
from litestar.di import NamedDependency
from litestar.params import FromPath, Parameter

from taskflow.adapters.http.dependencies import Caller
from taskflow.adapters.http.edge.cursors import decode_cursor, encode_cursor
from taskflow.adapters.http.edge.paths import path_id
from taskflow.adapters.http.fields import ActorResponse
from taskflow.adapters.http.openapi.operations import documented
from taskflow.adapters.http.openapi.problem_answers import problem_responses
from taskflow.adapters.http.tasks.parameters import TaskInProject, TaskRoutes, in_project
from taskflow.domain.errors import TaskNotFoundError
from taskflow.domain.ports.activity import ACTIVITY_PAGE_MAX, ActivityEntry, Plain, RecordedField
from taskflow.domain.services.history import TEXT_LIMIT, ActivityPage, TaskHistory
from taskflow.domain.values import TaskId, UserId

_VERSION_BYTES: Final = 8

Value = str | list[str] | None


class FieldChangeResponse(msgspec.Struct):
    field: str
    from_: Value = msgspec.field(name="from")
    to: Value = None
    truncated: bool = False

    @classmethod
    def of(cls, change: RecordedField) -> FieldChangeResponse:
        return cls(change.field, _shown(change.before), _shown(change.after), change.truncated)


class ActivityEntryResponse(msgspec.Struct):
    id: str
    at: datetime
    actor: ActorResponse | None
    kind: Annotated[
        str,
        msgspec.Meta(
            description="What the version did, first of: created, moved, completed, reopened, assigned, "
            "unassigned; otherwise updated."
        ),
    ]
    version: int
    changes: list[FieldChangeResponse]

    @classmethod
    def of(cls, entry: ActivityEntry, names: dict[UserId, str]) -> ActivityEntryResponse:
        return cls(
            id=entry.id,
            at=entry.at,
            actor=ActorResponse.of(entry.actor, names),
            kind=entry.kind,
            version=entry.version,
            changes=[FieldChangeResponse.of(change) for change in entry.changes],
        )


class ActivityPageResponse(msgspec.Struct):
    items: list[ActivityEntryResponse]
    next_cursor: str | None

    @classmethod
    def of(cls, page: ActivityPage) -> ActivityPageResponse:
        return cls(
            items=[ActivityEntryResponse.of(entry, page.names) for entry in page.items],
            next_cursor=None if page.next_before is None else _encode(page.next_before),
        )


def _shown(value: Plain) -> Value:
    """Instants as the API writes them everywhere (RFC 3339, UTC); the rest is a string, a list or null."""
    if isinstance(value, datetime):
        shown: str = msgspec.to_builtins(value)
        return shown
    if value is None or isinstance(value, str | list):
        return value
    return str(value)


def _encode(version: int) -> str:
    return encode_cursor(version.to_bytes(_VERSION_BYTES, "big"))


def _decode(cursor: str) -> int:
    return int.from_bytes(decode_cursor(cursor, length=_VERSION_BYTES), "big")


class TaskActivityController(TaskRoutes):
    @get(
        "/{task_id:str}/activity",
        operation_id="getTaskActivity",
        operation_class=documented(),
        summary="A task's history: who changed what, newest first",
        description="One entry per version of the task, written in the background a moment after the change "
        "(the worker reads the database's change feed). Each names who made it (`actor`: null for the system, "
        "or an account that no longer exists), what it did (`kind`) and each field that changed, its values "
        f"before (`from`) and after (`to`); a text longer than {TEXT_LIMIT} characters is cut and marked "
        "`truncated`. A move adds `project_id`. Readable by whoever may read the task (the same 404 otherwise); "
        "the history goes when the task is deleted. Pages follow `next_cursor`.",
        responses=problem_responses(400, 401, 403, 404, 422, 503),
    )
    async def activity(
        self,
        *,
        task_id: FromPath[str],
        request: Caller,
        task_history: NamedDependency[TaskHistory],
        limit: Annotated[int, Parameter(ge=1, le=ACTIVITY_PAGE_MAX)] = 20,
        cursor: Annotated[str | None, Parameter(max_length=32)] = None,
        project_id: TaskInProject = None,
    ) -> ActivityPageResponse:
        page = await task_history.page(
            request.user,
            path_id(task_id, TaskId, TaskNotFoundError),
            before_version=_decode(cursor) if cursor else None,
            limit=limit,
            project=in_project(project_id),
        )
        return ActivityPageResponse.of(page)
