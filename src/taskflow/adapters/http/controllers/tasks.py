"""The caller's own tasks."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, HeaderParameter, JSONBody
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT, HTTP_304_NOT_MODIFIED

from taskflow.adapters.http.paths import path_id
from taskflow.adapters.http.preconditions import etag, if_match_version, none_match
from taskflow.adapters.http.schemas import TaskCreate, TaskPatch, TaskResponse, problem_responses
from taskflow.domain.entities import User
from taskflow.domain.errors import TaskNotFoundError
from taskflow.domain.services.tasks import TaskService
from taskflow.domain.values import TaskId

IfMatch = Annotated[
    str | None,
    HeaderParameter(
        name="If-Match",
        required=False,
        description='The task\'s ETag (`"<version>"`): the change applies only to that version (412 otherwise).',
    ),
]
IfNoneMatch = Annotated[
    str | None,
    HeaderParameter(name="If-None-Match", required=False, description="An ETag you hold: 304 if it is still current."),
]


def _task_id(raw: str) -> TaskId:
    return path_id(raw, TaskId, TaskNotFoundError)


class TasksController(Controller):
    path = "/api/v1/tasks"
    tags = ["tasks"]  # noqa: RUF012 - Litestar's declared attribute type
    security = [{"BearerToken": []}]  # noqa: RUF012 - Litestar's declared attribute type

    @post(
        "/",
        status_code=HTTP_201_CREATED,
        summary="Create a task",
        responses=problem_responses(400, 401, 413, 415, 422, 503),
    )
    async def create(
        self,
        data: JSONBody[TaskCreate],
        current_user: NamedDependency[User],
        task_service: NamedDependency[TaskService],
    ) -> Response[TaskResponse]:
        task = await task_service.create(current_user.id, data.to_draft())
        return Response(
            TaskResponse.of(task),
            status_code=HTTP_201_CREATED,
            headers={"Location": f"{self.path}/{task.id}", "ETag": etag(task.version)},
        )

    @get(
        "/{task_id:str}",
        summary="One of your tasks",
        description="Answers an `ETag`; with a current `If-None-Match`, 304 and no body.",
        responses=problem_responses(401, 404, 503),
    )
    async def get(
        self,
        task_id: FromPath[str],
        current_user: NamedDependency[User],
        task_service: NamedDependency[TaskService],
        if_none_match: IfNoneMatch = None,
    ) -> Response[TaskResponse | None]:
        task = await task_service.get(current_user.id, _task_id(task_id))
        headers = {"ETag": etag(task.version)}
        if none_match(if_none_match, task.version):
            return Response(None, status_code=HTTP_304_NOT_MODIFIED, headers=headers)
        return Response(TaskResponse.of(task), headers=headers)

    @patch(
        "/{task_id:str}",
        summary="Change one of your tasks",
        description="A JSON merge patch: absent fields stay, `null` clears `description`, `due_at` or `tags`. "
        "With `If-Match`, only the version named is changed (412 otherwise). Becoming `done` stamps "
        "`completed_at`; leaving `done` clears it.",
        responses=problem_responses(400, 401, 404, 409, 412, 413, 415, 422, 503),
    )
    async def update(
        self,
        task_id: FromPath[str],
        data: JSONBody[TaskPatch],
        current_user: NamedDependency[User],
        task_service: NamedDependency[TaskService],
        if_match: IfMatch = None,
    ) -> Response[TaskResponse]:
        task = await task_service.update(
            current_user.id, _task_id(task_id), data.to_changes(), if_match=if_match_version(if_match)
        )
        return Response(TaskResponse.of(task), headers={"ETag": etag(task.version)})

    @delete(
        "/{task_id:str}",
        status_code=HTTP_204_NO_CONTENT,
        summary="Delete one of your tasks",
        description="With `If-Match`, only the version named is deleted (412 otherwise).",
        responses=problem_responses(401, 404, 412, 503),
    )
    async def remove(
        self,
        task_id: FromPath[str],
        current_user: NamedDependency[User],
        task_service: NamedDependency[TaskService],
        if_match: IfMatch = None,
    ) -> None:
        await task_service.delete(current_user.id, _task_id(task_id), if_match=if_match_version(if_match))
