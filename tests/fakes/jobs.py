"""Background work in memory: the queue, import jobs, the outbox, and the mail it would send."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from taskflow.domain.errors import (
    UnavailableError,
)
from taskflow.domain.model.jobs import ERRORS_KEPT, ImportJob, ImportProgress, JobState
from taskflow.domain.ports.jobs import ImportJobRepository, JobQueue, Outbox, OutboxEntry
from taskflow.domain.ports.mail import Mailer, MailMessage
from taskflow.domain.values import UserId


@dataclass
class FakeJobQueue(JobQueue):
    """Like arq: a second job with a known id is dropped. `down` plays a Redis outage."""

    jobs: dict[str, tuple[str, dict[str, str]]] = field(default_factory=dict)
    run_at: dict[str, datetime] = field(default_factory=dict)
    enqueued: list[str] = field(default_factory=list)  # every call's job id, repeats included
    down: bool = False

    async def enqueue(self, job: str, args: Mapping[str, str], *, job_id: str, run_at: datetime | None = None) -> None:
        if self.down:
            raise UnavailableError
        self.enqueued.append(job_id)
        self.jobs.setdefault(job_id, (job, dict(args)))
        if run_at is not None:
            self.run_at.setdefault(job_id, run_at)


class InMemoryImportJobs(ImportJobRepository):
    def __init__(self) -> None:
        self.jobs: dict[str, ImportJob] = {}
        self.uploads: dict[str, bytes] = {}

    async def add(self, job: ImportJob, upload: bytes) -> None:
        self.jobs.setdefault(job.id, job)
        self.uploads.setdefault(job.id, upload)

    async def get(self, job_id: str) -> ImportJob | None:
        return self.jobs.get(job_id)

    async def upload(self, job_id: str) -> bytes:
        return self.uploads.get(job_id, b"")

    async def count_unfinished(self, owner: UserId) -> int:
        return sum(1 for job in self.jobs.values() if job.owner == owner and not job.state.finished)

    async def start(self, job_id: str, *, total: int, at: datetime) -> None:
        job = self.jobs[job_id]
        if not job.state.finished:
            self.jobs[job_id] = dataclasses.replace(job, state=JobState.RUNNING, total=total, updated_at=at)

    async def advance(self, job_id: str, progress: ImportProgress, *, at: datetime) -> bool:
        job = self.jobs[job_id]
        if job.processed >= progress.processed:
            return False
        self.jobs[job_id] = dataclasses.replace(
            job,
            processed=progress.processed,
            created=job.created + progress.created,
            failed=job.failed + progress.failed,
            errors=(job.errors + progress.errors)[:ERRORS_KEPT],
            updated_at=at,
        )
        return True

    async def finish(self, job_id: str, state: JobState, *, reason: str | None, at: datetime) -> None:
        job = self.jobs[job_id]
        if not job.state.finished:
            self.jobs[job_id] = dataclasses.replace(job, state=state, reason=reason, updated_at=at, finished_at=at)


class InMemoryOutbox(Outbox):
    def __init__(self) -> None:
        self.entries: dict[str, OutboxEntry] = {}
        self.done: dict[str, datetime] = {}

    async def add(self, entry: OutboxEntry) -> bool:
        if entry.id in self.entries:
            return False
        self.entries[entry.id] = entry
        return True

    async def mark_done(self, entry_id: str, *, at: datetime) -> None:
        if entry_id in self.entries:
            self.done.setdefault(entry_id, at)

    async def is_done(self, entry_id: str) -> bool:
        return entry_id in self.done

    async def pending(self, *, created_before: datetime, limit: int) -> list[OutboxEntry]:
        waiting = [e for e in self.entries.values() if e.id not in self.done and e.created_at < created_before]
        return sorted(waiting, key=lambda entry: entry.created_at)[:limit]


@dataclass
class FakeMailer(Mailer):
    """`down` plays an unreachable mail server."""

    sent: list[MailMessage] = field(default_factory=list)
    down: bool = False

    async def send(self, message: MailMessage) -> None:
        if self.down:
            raise UnavailableError
        self.sent.append(message)
