"""Importing tasks from a file, as a job that may run more than once and still counts once.

Rules:
- an upload is at most `max_bytes` and `max_rows` rows; a user has at most
  `max_unfinished` imports queued or running (429 beyond);
- the job is recorded in the outbox with the upload, so it runs even if the first
  enqueue is lost; its id is derived from nothing the client sends;
- every row is checked by the rules of `POST /tasks`; bad rows are reported (row,
  field, message) and skipped, good ones created; a dry run only checks;
- a row's task id derives from the job and the row number, so a re-run (a killed
  worker, a retried job) finds the rows it wrote and writes each once;
- progress is recorded after each batch is written and never goes backwards; a re-run
  resumes after the last recorded batch; the first `ERRORS_KEPT` row errors are kept;
- a job ends `succeeded` (even with row errors) or `failed` with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from taskflow.domain.errors import InvalidValueError, JobNotFoundError, TooManyRequestsError
from taskflow.domain.model.jobs import ImportJob, ImportProgress, JobState
from taskflow.domain.model.tasks import Task
from taskflow.domain.services.idempotency import keyed_id
from taskflow.domain.task_files.rows import ImportFormat, Row, RowError, count_rows, rows
from taskflow.domain.values import TaskId

if TYPE_CHECKING:
    from taskflow.domain.access.service import AccessService
    from taskflow.domain.ports.jobs import ImportJobRepository
    from taskflow.domain.ports.tasks import TaskRepository
    from taskflow.domain.ports.time_and_ids import Clock, IdGenerator
    from taskflow.domain.services.outbox import OutboxService
    from taskflow.domain.values import UserId

IMPORT_JOB: Final = "run_import"
BATCH_ROWS: Final = 500
BUSY_RETRY_SECONDS: Final = 10


@dataclass(frozen=True, slots=True)
class ImportLimits:
    max_bytes: int
    max_rows: int
    max_unfinished: int = 2


def import_job_id(job_id: str) -> str:
    """The outbox entry and the arq job of one import."""
    return f"import:{job_id}"


class ImportService:
    def __init__(
        self,
        *,
        jobs: ImportJobRepository,
        tasks: TaskRepository,
        access: AccessService,
        outbox: OutboxService,
        ids: IdGenerator,
        clock: Clock,
        limits: ImportLimits,
    ) -> None:
        self._jobs = jobs
        self._tasks = tasks
        self._access = access
        self._outbox = outbox
        self._ids = ids
        self._clock = clock
        self._limits = limits

    async def submit(
        self, owner: UserId, upload: bytes, fmt: ImportFormat, *, dry_run: bool, request_key: str | None = None
    ) -> ImportJob:
        """Starts once per `request_key`: a retry after an unknown outcome gets the first job."""
        job_id = self._ids.new_job_id() if request_key is None else keyed_id(owner, request_key, kind="import")
        if request_key is not None and (started := await self._jobs.get(job_id)) is not None and started.owner == owner:
            return started
        if len(upload) > self._limits.max_bytes:
            msg = f"an import is at most {self._limits.max_bytes} bytes"
            raise InvalidValueError(msg, field="body")
        if count_rows(upload, fmt) > self._limits.max_rows:
            msg = f"an import is at most {self._limits.max_rows} rows"
            raise InvalidValueError(msg, field="body")
        if await self._jobs.count_unfinished(owner) >= self._limits.max_unfinished:
            detail = f"at most {self._limits.max_unfinished} imports may be queued or running at once"
            raise TooManyRequestsError(retry_after=BUSY_RETRY_SECONDS, detail=detail)
        now = self._clock.now()
        job = ImportJob(
            id=job_id,
            owner=owner,
            format=fmt,
            dry_run=dry_run,
            state=JobState.QUEUED,
            created_at=now,
            updated_at=now,
        )
        entry = await self._outbox.record(import_job_id(job.id), IMPORT_JOB, import_id=job.id)
        await self._jobs.add(job, upload)
        await self._outbox.dispatch(entry)
        return job

    async def get(self, owner: UserId, job_id: str) -> ImportJob:
        job = await self._jobs.get(job_id)
        if job is None or job.owner != owner:
            raise JobNotFoundError
        return job

    async def run(self, job_id: str) -> None:
        """The job: at least once, resuming where an earlier run recorded its last batch."""
        job = await self._jobs.get(job_id)
        if job is None or job.state.finished:
            await self._outbox.mark_done(import_job_id(job_id))
            return
        parsed = list(rows(await self._jobs.upload(job_id), job.format))
        await self._jobs.start(job_id, total=len(parsed), at=self._clock.now())
        for start in range(job.processed, len(parsed), BATCH_ROWS):
            await self._batch(job, parsed[start : start + BATCH_ROWS], processed=start)
        await self._jobs.finish(job_id, JobState.SUCCEEDED, reason=None, at=self._clock.now())
        await self._outbox.mark_done(import_job_id(job_id))

    async def fail(self, job_id: str, reason: str) -> None:
        """The job gave up: visible as `failed` with `reason`; its entry is done."""
        await self._jobs.finish(job_id, JobState.FAILED, reason=reason, at=self._clock.now())
        await self._outbox.mark_done(import_job_id(job_id))

    async def _batch(self, job: ImportJob, batch: list[Row], *, processed: int) -> None:
        now = self._clock.now()
        tasks: list[Task] = []
        errors: list[RowError] = []
        for number, outcome in batch:
            if isinstance(outcome, RowError):
                errors.append(outcome)
                continue
            task_id = TaskId(keyed_id(job.owner, f"{import_job_id(job.id)}:{number}"))
            tasks.append(Task.create(task_id, job.owner, outcome, now=now, by=job.owner))
        if tasks and not job.dry_run:
            await self._tasks.add_many(self._access.own(job.owner), tasks)
        progress = ImportProgress(processed + len(batch), len(tasks), len(errors), tuple(errors))
        await self._jobs.advance(job.id, progress, at=now)
