"""`GET /tasks/events`: the live stream's route; the stream itself is `event_stream`'s."""

from __future__ import annotations

from typing import Annotated

from litestar import get
from litestar.di import NamedDependency
from litestar.params import HeaderParameter
from litestar.response import ServerSentEvent
from litestar.status_codes import HTTP_200_OK

from taskflow.adapters.http.dependencies import Caller
from taskflow.adapters.http.edge.deadline import NO_DEADLINE
from taskflow.adapters.http.openapi.operations import documented
from taskflow.adapters.http.openapi.problem_answers import problem_responses
from taskflow.adapters.http.tasks.event_stream import EVENT_ID_MAX_LENGTH, TaskEventStreams
from taskflow.adapters.http.tasks.parameters import TaskRoutes

LastEventId = Annotated[
    str | None,
    HeaderParameter(
        name="Last-Event-ID",
        required=False,
        max_length=EVENT_ID_MAX_LENGTH,
        description="The `id` of the last event received: the stream resumes just after it.",
    ),
]


class TaskEventsController(TaskRoutes):
    @get(
        "/events",
        operation_id="streamTaskEvents",
        summary="Follow changes to your tasks and your projects' tasks, live",
        description="Server-sent events (`text/event-stream`), one per change, in commit order: "
        "`event: task.created`, `task.updated` or `task.deleted`; `data:` the task as `getTask` shows it (a "
        'deletion: `{"id", "version"}`, its last version); `id:` where the change is, opaque. A notification '
        "made for you arrives as `notification.created`, `data:` as `listNotifications` shows it. A task "
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
        # Admission took the token from this header already.
        token = request.headers.get("authorization", "").partition(" ")[2].strip()
        return await task_event_streams.open(request.user.id, token, last_event_id)
