"""The caller's own tasks."""

from __future__ import annotations

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from taskflow.adapters.http.paths import path_id
from taskflow.adapters.http.schemas import TaskCreate, TaskResponse, etag_of, problem_responses
from taskflow.domain.entities import User
from taskflow.domain.errors import TaskNotFoundError
from taskflow.domain.services.tasks import TaskService
from taskflow.domain.values import TaskId


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
            headers={"Location": f"{self.path}/{task.id}", "ETag": etag_of(task)},
        )

    @get("/{task_id:str}", summary="One of your tasks", responses=problem_responses(401, 404, 503))
    async def get(
        self,
        task_id: FromPath[str],
        current_user: NamedDependency[User],
        task_service: NamedDependency[TaskService],
    ) -> Response[TaskResponse]:
        task = await task_service.get(current_user.id, path_id(task_id, TaskId, TaskNotFoundError))
        return Response(TaskResponse.of(task), headers={"ETag": etag_of(task)})
