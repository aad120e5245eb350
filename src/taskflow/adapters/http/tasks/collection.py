"""The task collection: create a task, list a page of them (the caller's own, or a project's)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Final, Literal

from litestar import Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED

from taskflow.adapters.http.dependencies import Caller
from taskflow.adapters.http.edge.idempotency import IdempotencyKey, IdempotencyMiddleware, request_key
from taskflow.adapters.http.edge.preconditions import etag
from taskflow.adapters.http.fields import NOT_BLANK
from taskflow.adapters.http.openapi.operations import ETAG, LOCATION, REPLAYED, documented, link
from taskflow.adapters.http.openapi.problem_answers import problem_responses
from taskflow.adapters.http.tasks.pages import TaskPages
from taskflow.adapters.http.tasks.parameters import (
    ANSWERS_CONSISTENCY_TOKEN,
    InProject,
    TaskRoutes,
    in_project,
)
from taskflow.adapters.http.tasks.schemas import TaskCreate, TaskPageResponse, TaskResponse
from taskflow.domain.model.task_queries import (
    PAGE_SIZE_DEFAULT,
    PAGE_SIZE_MAX,
    TEXT_QUERY_MAX_LENGTH,
    TaskFilter,
    TaskOrder,
    TaskSort,
)
from taskflow.domain.services.tasks import TaskService
from taskflow.domain.values import TAG_MAX_LENGTH, TAGS_MAX_COUNT, Priority, TaskStatus

# From a created task to what can be done with it; a change names the version it read.
CREATED_TASK_LINKS: Final = {
    "GetTask": link("getTask", task_id="$response.body#/id"),
    "UpdateTask": link("updateTask", task_id="$response.body#/id", **{"header.If-Match": "$response.header.ETag"}),
    "DeleteTask": link("deleteTask", task_id="$response.body#/id", **{"header.If-Match": "$response.header.ETag"}),
}


class TaskCollectionController(TaskRoutes):
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
        project = in_project(data.project_id)
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
            request.user, task_filter, order, cursor, limit=limit, project=in_project(project_id)
        )
