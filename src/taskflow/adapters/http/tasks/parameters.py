"""What every task route declares: its path, tags and security, and the parameters several share."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request
from litestar.datastructures import ResponseHeader
from litestar.di import Provide
from litestar.params import HeaderParameter, QueryParameter

from taskflow.adapters.http.dependencies import app_state
from taskflow.adapters.http.edge.consistency import HEADER as CONSISTENCY_HEADER
from taskflow.adapters.http.edge.consistency import MAX_LENGTH as CONSISTENCY_TOKEN_MAX_LENGTH
from taskflow.adapters.http.edge.preconditions import if_match_parameter
from taskflow.adapters.http.tasks.event_stream import TaskEventStreams
from taskflow.adapters.http.tasks.pages import TaskPages
from taskflow.domain.values import OBJECT_ID_PATTERN, ProjectId

IfMatch = Annotated[str | None, if_match_parameter("task")]
ANSWERS_CONSISTENCY_TOKEN = [
    ResponseHeader(
        name=CONSISTENCY_HEADER,
        documentation_only=True,
        value="",  # only its type is used: the document gives the header a string schema
        description="Where this write landed: present it on a later read to see the write there.",
    )
]
IfNoneMatch = Annotated[
    str | None,
    HeaderParameter(name="If-None-Match", required=False, description="An ETag you hold: 304 if it is still current."),
]


InProject = Annotated[
    str | None,
    QueryParameter(
        pattern=OBJECT_ID_PATTERN,
        description="The project the task is in; absent: your own tasks. A project you are not in answers 404, "
        "one where your role is too low 403.",
    ),
]


TaskInProject = Annotated[
    str | None,
    QueryParameter(
        name="project_id",
        pattern=OBJECT_ID_PATTERN,
        description="Optional: the task's id alone reaches it, among your own tasks or in a project you are in. "
        "Sent, it is checked: the task must be in this project. A project you are not in answers 404, one "
        "where your role is too low 403.",
    ),
]


def provide_task_pages(request: Request[Any, Any, Any]) -> TaskPages:
    return app_state(request).task_pages


def provide_task_event_streams(request: Request[Any, Any, Any]) -> TaskEventStreams:
    return app_state(request).task_event_streams


def in_project(raw: str | None) -> ProjectId | None:
    """The `project_id` a route was given, as the access service takes it; None: the caller's own tasks."""
    return None if raw is None else ProjectId(raw)


class TaskRoutes(Controller):
    """The base of every controller under `/api/v1/tasks`."""

    path = "/api/v1/tasks"
    tags = ["tasks"]  # noqa: RUF012 - Litestar's declared attribute type
    security = [{"BearerToken": []}]  # noqa: RUF012 - Litestar's declared attribute type
    dependencies = {  # noqa: RUF012 - Litestar's declared attribute type
        "task_pages": Provide(provide_task_pages, sync_to_thread=False),
        "task_event_streams": Provide(provide_task_event_streams, sync_to_thread=False),
    }
    # Read by the admission middleware; declared here so every task route documents it.
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
