"""Figures and files of many tasks: the statistics and the export."""

from __future__ import annotations

from litestar import get
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Stream
from litestar.status_codes import HTTP_200_OK

from taskflow.adapters.http.dependencies import Caller
from taskflow.adapters.http.edge.deadline import NO_DEADLINE
from taskflow.adapters.http.openapi.operations import documented
from taskflow.adapters.http.openapi.problem_answers import problem_responses
from taskflow.adapters.http.tasks.export import csv_chunks, jsonl_chunks, started
from taskflow.adapters.http.tasks.parameters import InProject, TaskRoutes, in_project
from taskflow.adapters.http.tasks.schemas import ExportFormat, TaskStatsResponse
from taskflow.domain.services.tasks import TaskService

EXPORT_MEDIA_TYPES = {ExportFormat.CSV: "text/csv", ExportFormat.JSONL: "application/jsonl"}


class TaskReportsController(TaskRoutes):
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
        return TaskStatsResponse.of(await task_service.stats(request.user, project=in_project(project_id)))

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
        tasks = await started(await task_service.export(request.user, project=in_project(project_id)))
        encode = csv_chunks if format is ExportFormat.CSV else jsonl_chunks
        return Stream(
            encode(tasks),
            media_type=EXPORT_MEDIA_TYPES[format],
            headers={"Content-Disposition": f'attachment; filename="tasks.{format.value}"'},
        )
