"""One task by its id: read, change, delete; each reached through the access service."""

from __future__ import annotations

from litestar import Response, delete, get, patch
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_204_NO_CONTENT, HTTP_304_NOT_MODIFIED

from taskflow.adapters.http.dependencies import Caller
from taskflow.adapters.http.edge.idempotency import IdempotencyKey, IdempotencyMiddleware
from taskflow.adapters.http.edge.paths import path_id
from taskflow.adapters.http.edge.preconditions import etag, if_match_version, none_match
from taskflow.adapters.http.openapi.operations import ETAG, REPLAYED, documented
from taskflow.adapters.http.openapi.problem_answers import problem_responses
from taskflow.adapters.http.tasks.parameters import (
    ANSWERS_CONSISTENCY_TOKEN,
    IfMatch,
    IfNoneMatch,
    TaskInProject,
    TaskRoutes,
    in_project,
)
from taskflow.adapters.http.tasks.schemas import TaskPatch, TaskResponse
from taskflow.domain.errors import TaskNotFoundError
from taskflow.domain.services.tasks import TaskService
from taskflow.domain.values import TaskId


def _task_id(raw: str) -> TaskId:
    return path_id(raw, TaskId, TaskNotFoundError)


class TaskController(TaskRoutes):
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
        project_id: TaskInProject = None,
    ) -> Response[TaskResponse | None]:
        task = await task_service.get(request.user, _task_id(task_id), project=in_project(project_id))
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
        project_id: TaskInProject = None,
    ) -> Response[TaskResponse]:
        task = await task_service.update(
            request.user,
            _task_id(task_id),
            data.to_changes(),
            if_match=if_match_version(if_match),
            project=in_project(project_id),
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
        project_id: TaskInProject = None,
    ) -> None:
        await task_service.delete(
            request.user, _task_id(task_id), if_match=if_match_version(if_match), project=in_project(project_id)
        )
