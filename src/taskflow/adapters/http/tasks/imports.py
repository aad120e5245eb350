"""Background jobs a user started: importing tasks, and asking how that went."""

from __future__ import annotations

from typing import Final

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.status_codes import HTTP_202_ACCEPTED

from taskflow.adapters.http.dependencies import Caller
from taskflow.adapters.http.edge.body_checks import ACCEPTS, request_media_type
from taskflow.adapters.http.edge.idempotency import IdempotencyKey, IdempotencyMiddleware, request_key
from taskflow.adapters.http.edge.paths import path_id
from taskflow.adapters.http.openapi.operations import LOCATION, REPLAYED, documented, link
from taskflow.adapters.http.openapi.problem_answers import problem_responses
from taskflow.adapters.http.tasks.schemas import JobResponse
from taskflow.domain.errors import JobNotFoundError
from taskflow.domain.model.jobs import check_job_id
from taskflow.domain.services.imports import ImportService
from taskflow.domain.task_files.rows import ImportFormat

JOBS_PATH: Final = "/api/v1/jobs"
# Litestar refuses larger bodies with 413 before reading them; TASKFLOW_IMPORT_MAX_BYTES
# (at most this) is checked by the import itself.
UPLOAD_CEILING_BYTES: Final = 16 * 1024 * 1024
MEDIA_TYPES: Final = {
    "text/csv": ImportFormat.CSV,
    "application/x-ndjson": ImportFormat.JSONL,
    "application/jsonl": ImportFormat.JSONL,
}


class ImportController(Controller):
    path = "/api/v1/tasks/import"
    tags = ["tasks"]  # noqa: RUF012 - Litestar's declared attribute type
    security = [{"BearerToken": []}]  # noqa: RUF012 - Litestar's declared attribute type

    @post(
        "/",
        operation_id="importTasks",
        status_code=HTTP_202_ACCEPTED,
        summary="Import tasks from CSV or JSON lines",
        description="The body is the file: `text/csv` (the export's columns, a header row; `title` is "
        "required) or `application/x-ndjson` (one task per line, as `POST /tasks` takes it). Every row is "
        "checked by the rules of `POST /tasks`; bad rows are reported and skipped. Answers 202 at once, "
        "with `Location: /api/v1/jobs/{id}`, where progress, counts and row errors show. `dry_run=true` "
        "checks without writing. At most `TASKFLOW_IMPORT_MAX_BYTES` (8 MiB) and `TASKFLOW_IMPORT_MAX_ROWS` "
        "(50,000) rows (422 beyond); at most two imports queued or running per user (429 beyond).",
        responses=problem_responses(400, 401, 409, 413, 415, 422, 429, 503),
        request_max_body_size=UPLOAD_CEILING_BYTES,
        middleware=[IdempotencyMiddleware],
        operation_class=documented(
            takes=tuple(MEDIA_TYPES),
            takes_description="The file: CSV, or JSON lines (either media type)",
            links={HTTP_202_ACCEPTED: {"GetJob": link("getJob", job_id="$response.body#/id")}},
            headers={HTTP_202_ACCEPTED: {"Location": LOCATION, "Idempotent-Replayed": REPLAYED}},
        ),
        opt={ACCEPTS: tuple(MEDIA_TYPES)},
    )
    async def start_import(
        self,
        request: Caller,
        import_service: NamedDependency[ImportService],
        dry_run: FromQuery[bool] = False,
        idempotency_key: IdempotencyKey = None,  # noqa: ARG002 - IdempotencyMiddleware reads it; declared for OpenAPI
    ) -> Response[JobResponse]:
        fmt = MEDIA_TYPES[request_media_type(request)]  # check_request_body refused any other
        job = await import_service.submit(
            request.user.id, await request.body(), fmt, dry_run=dry_run, request_key=request_key(request)
        )
        return Response(
            JobResponse.of(job), status_code=HTTP_202_ACCEPTED, headers={"Location": f"{JOBS_PATH}/{job.id}"}
        )


class JobsController(Controller):
    path = JOBS_PATH
    tags = ["jobs"]  # noqa: RUF012 - Litestar's declared attribute type
    security = [{"BearerToken": []}]  # noqa: RUF012 - Litestar's declared attribute type

    @get(
        "/{job_id:str}",
        operation_id="getJob",
        operation_class=documented(),
        summary="One of your jobs",
        description="State (`queued`, `running`, `succeeded`, `failed` with a `reason`), progress (rows "
        "processed of the total; it never goes backwards), counts and the first 100 row errors. Another "
        "user's job is a 404, exactly like a missing one.",
        responses=problem_responses(400, 401, 404, 503),
    )
    async def get_job(
        self,
        job_id: FromPath[str],
        request: Caller,
        import_service: NamedDependency[ImportService],
    ) -> JobResponse:
        return JobResponse.of(
            await import_service.get(request.user.id, path_id(job_id, check_job_id, JobNotFoundError))
        )
