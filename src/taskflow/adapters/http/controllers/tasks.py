"""Tasks: the caller's own, or a project's (`project_id`), each reached through the access service."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Final, Literal

from litestar import Controller, Response, delete, get, patch, post
from litestar.datastructures import ResponseHeader
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody, QueryParameter
from litestar.response import ServerSentEvent, Stream
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT, HTTP_304_NOT_MODIFIED

from taskflow.adapters.http.consistency import HEADER as CONSISTENCY_HEADER
from taskflow.adapters.http.consistency import MAX_LENGTH as CONSISTENCY_TOKEN_MAX_LENGTH
from taskflow.adapters.http.deadline import NO_DEADLINE
from taskflow.adapters.http.dependencies import Caller
from taskflow.adapters.http.export import csv_chunks, jsonl_chunks, started
from taskflow.adapters.http.idempotency import IdempotencyMiddleware, request_key
from taskflow.adapters.http.operations import ETAG, LOCATION, REPLAYED, documented, link
from taskflow.adapters.http.paths import path_id
from taskflow.adapters.http.preconditions import etag, if_match_parameter, if_match_version, none_match
from taskflow.adapters.http.schemas import (
    NOT_BLANK,
    ExportFormat,
    TaskCreate,
    TaskPageResponse,
    TaskPatch,
    TaskResponse,
    TaskStatsResponse,
    problem_responses,
)
from taskflow.adapters.http.task_events import EVENT_ID_MAX_LENGTH, TaskEventStreams
from taskflow.adapters.http.task_pages import TaskPages
from taskflow.domain.errors import TaskNotFoundError
from taskflow.domain.services.idempotency import KEY_MAX_LENGTH, KEY_PATTERN
from taskflow.domain.services.tasks import TaskService
from taskflow.domain.task_queries import (
    PAGE_SIZE_DEFAULT,
    PAGE_SIZE_MAX,
    TEXT_QUERY_MAX_LENGTH,
    TaskFilter,
    TaskOrder,
    TaskSort,
)
from taskflow.domain.values import (
    OBJECT_ID_PATTERN,
    TAG_MAX_LENGTH,
    TAGS_MAX_COUNT,
    Priority,
    ProjectId,
    TaskId,
    TaskStatus,
)

IfMatch = Annotated[str | None, if_match_parameter("task")]
IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        required=False,
        min_length=1,
        max_length=KEY_MAX_LENGTH,
        pattern=KEY_PATTERN,
        description="A unique value per operation (a UUID, say). Retries with the same key and the same request "
        "get the first answer again (`Idempotent-Replayed: true`) for 24 hours (`TASKFLOW_IDEMPOTENCY_HOURS`); another "
        "request with the key is a 422, and a retry while the first still runs a 409. Error answers are not "
        "kept: a corrected retry may reuse the key. After a 503 the write may have landed; retry with the same key: "
        "a create then answers the task it stored, never a second one.",
    ),
]
ANSWERS_CONSISTENCY_TOKEN = [
    ResponseHeader(
        name=CONSISTENCY_HEADER,
        documentation_only=True,
        value="",  # only its type is used: the document gives the header a string schema
        description="Where this write landed: present it on a later read to see the write there.",
    )
]
LastEventId = Annotated[
    str | None,
    HeaderParameter(
        name="Last-Event-ID",
        required=False,
        max_length=EVENT_ID_MAX_LENGTH,
        description="The `id` of the last event received: the stream resumes just after it.",
    ),
]
IfNoneMatch = Annotated[
    str | None,
    HeaderParameter(name="If-None-Match", required=False, description="An ETag you hold: 304 if it is still current."),
]


# From a created task to what can be done with it; a change names the version it read.
CREATED_TASK_LINKS: Final = {
    "GetTask": link("getTask", task_id="$response.body#/id"),
    "UpdateTask": link("updateTask", task_id="$response.body#/id", **{"header.If-Match": "$response.header.ETag"}),
    "DeleteTask": link("deleteTask", task_id="$response.body#/id", **{"header.If-Match": "$response.header.ETag"}),
}
EXPORT_MEDIA_TYPES = {ExportFormat.CSV: "text/csv", ExportFormat.JSONL: "application/jsonl"}


def _task_id(raw: str) -> TaskId:
    return path_id(raw, TaskId, TaskNotFoundError)


def _project(raw: str | None) -> ProjectId | None:
    return None if raw is None else ProjectId(raw)


InProject = Annotated[
    str | None,
    QueryParameter(
        pattern=OBJECT_ID_PATTERN,
        description="The project the task is in; absent: your own tasks. A project you are not in answers 404, "
        "one where your role is too low 403.",
    ),
]


class TasksController(Controller):
    path = "/api/v1/tasks"
    tags = ["tasks"]  # noqa: RUF012 - Litestar's declared attribute type
    security = [{"BearerToken": []}]  # noqa: RUF012 - Litestar's declared attribute type
    # Read by RequestGate; declared here so every task route documents it.
    parameters = {  # noqa: RUF012 - Litestar's declared attribute type
        "consistency_token": HeaderParameter(
            annotation=str | None,
            name=CONSISTENCY_HEADER,
            required=False,
            max_length=CONSISTENCY_TOKEN_MAX_LENGTH,
            description=f"The `{CONSISTENCY_HEADER}` of an earlier write, unchanged: this request then sees that "
            "write even on a replica that is behind. Optional for your own writes (the server remembers your "
            "last one); useful to pass a write on to another client. Anything else is a 400.",
        )
    }

    @post(
        "/",
        operation_id="createTask",
        status_code=HTTP_201_CREATED,
        summary="Create a task",
        responses=problem_responses(400, 401, 403, 404, 409, 413, 415, 422, 503),
        middleware=[IdempotencyMiddleware],
        response_headers=ANSWERS_CONSISTENCY_TOKEN,
        operation_class=documented(
            links={HTTP_201_CREATED: CREATED_TASK_LINKS},
            headers={HTTP_201_CREATED: {"Location": LOCATION, "ETag": ETAG, "Idempotent-Replayed": REPLAYED}},
        ),
    )
    async def create(
        self,
        data: JSONBody[TaskCreate],
        request: Caller,
        task_service: NamedDependency[TaskService],
        idempotency_key: IdempotencyKey = None,  # noqa: ARG002 - IdempotencyMiddleware reads it; declared for OpenAPI
    ) -> Response[TaskResponse]:
        project = _project(data.project_id)
        task = await task_service.create(
            request.user, data.to_draft(), project=project, request_key=request_key(request)
        )
        where = "" if project is None else f"?project_id={project}"
        return Response(
            TaskResponse.of(task),
            status_code=HTTP_201_CREATED,
            headers={"Location": f"{self.path}/{task.id}{where}", "ETag": etag(task.version)},
        )

    @get(
        "/",
        operation_id="listTasks",
        operation_class=documented(),
        summary="List your tasks, or a project's (keyset pages)",
        description="Filters combine with AND. `status`, `priority` and `tag` may repeat and then match any "
        "of their values; every other parameter may appear once (a repeat, or a parameter not listed here, is "
        "a 422 naming it). Pass `next_cursor` back as `cursor`, with the same filters and sort, for the next "
        "page; it is `null` on the last page. A cursor is signed and bound to you, the project, the sort and the "
        "filters: any other use is a 422 `invalid-cursor`. It carries no permission: each page checks yours.",
        responses=problem_responses(400, 401, 403, 404, 422, 503),
    )
    async def list_tasks(
        self,
        *,
        request: Caller,
        task_pages: NamedDependency[TaskPages],
        status: Annotated[list[TaskStatus] | None, QueryParameter(max_items=len(TaskStatus))] = None,
        priority: Annotated[list[Priority] | None, QueryParameter(max_items=len(Priority))] = None,
        tag: Annotated[
            list[str] | None,
            QueryParameter(
                max_items=TAGS_MAX_COUNT,
                description=f"1 to {TAG_MAX_LENGTH} characters each",
                schema_extra={
                    "items": {"type": "string", "minLength": 1, "maxLength": TAG_MAX_LENGTH, "pattern": NOT_BLANK}
                },
            ),
        ] = None,
        due_before: Annotated[
            datetime | None, QueryParameter(description="Due strictly before this instant (with offset)")
        ] = None,
        due_after: Annotated[
            datetime | None,
            QueryParameter(description="Due at or after this instant (with offset); earlier than `due_before`"),
        ] = None,
        q: Annotated[
            str | None,
            QueryParameter(
                min_length=1,
                max_length=TEXT_QUERY_MAX_LENGTH,
                description="Text in the title or description, matched literally and case-insensitively",
            ),
        ] = None,
        sort: FromQuery[TaskSort] = TaskSort.CREATED_AT_DESC,
        limit: Annotated[int, QueryParameter(ge=1, le=PAGE_SIZE_MAX)] = PAGE_SIZE_DEFAULT,
        cursor: Annotated[str | None, QueryParameter(max_length=512)] = None,
        project_id: InProject = None,
        assignee: Annotated[
            Literal["me"] | None,
            QueryParameter(
                description="`me`: the tasks assigned to you; without `project_id`, across every project you are in"
            ),
        ] = None,
    ) -> TaskPageResponse:
        task_filter = TaskFilter(
            statuses=frozenset(status or ()),
            priorities=frozenset(priority or ()),
            tags=frozenset(tag or ()),
            due_before=due_before,
            due_after=due_after,
            text=q,
            assignee=request.user.id if assignee == "me" else None,
        )
        order = TaskOrder.parse(sort.value)
        return await task_pages.page(
            request.user, task_filter, order, cursor, limit=limit, project=_project(project_id)
        )

    @get(
        "/stats",
        operation_id="getTaskStats",
        operation_class=documented(),
        summary="Counts of your tasks, or of a project's",
        description="By status and priority; `overdue` is unfinished tasks past `due_at`; "
        "`done_last_7_days` counts tasks completed in the last 7 days. `computed_at` says when: the worker "
        "recomputes the figures a few seconds after your writes and keeps them briefly; otherwise they are "
        "computed for this request. Never older than your own last write. A project's (`project_id`) are "
        "computed when asked and kept briefly, never older than its last write.",
        responses=problem_responses(400, 401, 403, 404, 422, 503),
    )
    async def stats(
        self, request: Caller, task_service: NamedDependency[TaskService], project_id: InProject = None
    ) -> TaskStatsResponse:
        return TaskStatsResponse.of(await task_service.stats(request.user, project=_project(project_id)))

    @get(
        "/export",
        operation_id="exportTasks",
        summary="Download all your tasks, or a project's",
        description="Streamed, oldest first. CSV (RFC 4180, a header row, `tags` as a JSON array; cells "
        "starting with `=`, `+`, `-`, `@`, tab or carriage return get a leading `'` so spreadsheets do not "
        "run them) or JSON lines (one task per line, as the API shows it).",
        responses=problem_responses(400, 401, 403, 404, 422, 503),
        operation_class=documented(answers=(HTTP_200_OK, tuple(EXPORT_MEDIA_TYPES.values()))),
        opt={NO_DEADLINE: True},
    )
    async def export(
        self,
        request: Caller,
        task_service: NamedDependency[TaskService],
        format: FromQuery[ExportFormat] = ExportFormat.CSV,  # noqa: A002 - the query parameter's public name
        project_id: InProject = None,
    ) -> Stream:
        tasks = await started(await task_service.export(request.user, project=_project(project_id)))
        encode = csv_chunks if format is ExportFormat.CSV else jsonl_chunks
        return Stream(
            encode(tasks),
            media_type=EXPORT_MEDIA_TYPES[format],
            headers={"Content-Disposition": f'attachment; filename="tasks.{format.value}"'},
        )

    @get(
        "/events",
        operation_id="streamTaskEvents",
        summary="Follow changes to your tasks and your projects' tasks, live",
        description="Server-sent events (`text/event-stream`), one per change, in commit order: "
        "`event: task.created`, `task.updated` or `task.deleted`; `data:` the task as `getTask` shows it (a "
        'deletion: `{"id", "version"}`, its last version); `id:` where the change is, opaque. A task '
        "moved into your sight arrives as created, one moved out of it (or out of a project you left) as "
        "deleted. Reconnect with `Last-Event-ID` (EventSource does) to get exactly the changes after that "
        "event, then the live ones, on any server; an id older than the history kept gets one `event: reset` "
        "(reload the list), any other value a 400. A comment every 15 s keeps the connection open "
        "(`TASKFLOW_EVENT_HEARTBEAT_SECONDS`); the stream ends, with a `retry:` hint, when the client falls "
        "behind, the server stops or the token runs out (then sign in again and reconnect). At most 5 streams "
        "per user at once (`TASKFLOW_EVENT_STREAMS_PER_USER`), 429 beyond.",
        responses=problem_responses(400, 401, 422, 429, 503),
        operation_class=documented(answers=(HTTP_200_OK, ("text/event-stream",))),
        opt={NO_DEADLINE: True},
    )
    async def events(
        self, request: Caller, task_event_streams: NamedDependency[TaskEventStreams], last_event_id: LastEventId = None
    ) -> ServerSentEvent:
        # The gate took the token from this header already.
        token = request.headers.get("authorization", "").partition(" ")[2].strip()
        return await task_event_streams.open(request.user.id, token, last_event_id)

    @get(
        "/{task_id:str}",
        operation_id="getTask",
        operation_class=documented(headers={HTTP_200_OK: {"ETag": ETAG}}),
        summary="One of your tasks, or of a project you are in",
        description="Answers an `ETag`; with a current `If-None-Match`, 304 and no body.",
        responses=problem_responses(400, 401, 403, 404, 422, 503),
    )
    async def get(
        self,
        *,
        task_id: FromPath[str],
        request: Caller,
        task_service: NamedDependency[TaskService],
        if_none_match: IfNoneMatch = None,
        project_id: InProject = None,
    ) -> Response[TaskResponse | None]:
        task = await task_service.get(request.user, _task_id(task_id), project=_project(project_id))
        headers = {"ETag": etag(task.version)}
        if none_match(if_none_match, task.version):
            return Response(None, status_code=HTTP_304_NOT_MODIFIED, headers=headers)
        return Response(TaskResponse.of(task), headers=headers)

    @patch(
        "/{task_id:str}",
        operation_id="updateTask",
        operation_class=documented(headers={HTTP_200_OK: {"ETag": ETAG, "Idempotent-Replayed": REPLAYED}}),
        summary="Change one of your tasks, or of a project you are in",
        description="A JSON merge patch: absent fields stay, `null` clears `description`, `due_at` or `tags`. "
        "With `If-Match`, only the version named is changed (412 otherwise). Becoming `done` stamps "
        "`completed_at`; leaving `done` clears it. In a project, doers may change `status` only; editors anything.",
        responses=problem_responses(400, 401, 403, 404, 409, 412, 413, 415, 422, 503),
        middleware=[IdempotencyMiddleware],
        response_headers=ANSWERS_CONSISTENCY_TOKEN,
    )
    async def update(
        self,
        *,
        task_id: FromPath[str],
        data: JSONBody[TaskPatch],
        request: Caller,
        task_service: NamedDependency[TaskService],
        if_match: IfMatch = None,
        idempotency_key: IdempotencyKey = None,  # noqa: ARG002 - IdempotencyMiddleware reads it; declared for OpenAPI
        project_id: InProject = None,
    ) -> Response[TaskResponse]:
        task = await task_service.update(
            request.user,
            _task_id(task_id),
            data.to_changes(),
            if_match=if_match_version(if_match),
            project=_project(project_id),
        )
        return Response(TaskResponse.of(task), headers={"ETag": etag(task.version)})

    @delete(
        "/{task_id:str}",
        operation_id="deleteTask",
        operation_class=documented(headers={HTTP_204_NO_CONTENT: {"Idempotent-Replayed": REPLAYED}}),
        status_code=HTTP_204_NO_CONTENT,
        summary="Delete one of your tasks, or of a project you are in",
        description="With `If-Match`, only the version named is deleted (412 otherwise).",
        responses=problem_responses(400, 401, 403, 404, 409, 412, 422, 503),
        middleware=[IdempotencyMiddleware],
        response_headers=ANSWERS_CONSISTENCY_TOKEN,
    )
    async def remove(
        self,
        *,
        task_id: FromPath[str],
        request: Caller,
        task_service: NamedDependency[TaskService],
        if_match: IfMatch = None,
        idempotency_key: IdempotencyKey = None,  # noqa: ARG002 - IdempotencyMiddleware reads it; declared for OpenAPI
        project_id: InProject = None,
    ) -> None:
        await task_service.delete(
            request.user, _task_id(task_id), if_match=if_match_version(if_match), project=_project(project_id)
        )
