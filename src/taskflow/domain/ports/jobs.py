"""Ports for background work: the queue, the outbox that guarantees a job, import jobs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from taskflow.domain.values import UserId

if TYPE_CHECKING:
    from collections.abc import Mapping

    from taskflow.domain.model.jobs import ImportJob, ImportProgress, JobState


class JobQueue(Protocol):
    """Background jobs. `job_id` makes enqueueing idempotent: a second call with it is a no-op."""

    async def enqueue(self, job: str, args: Mapping[str, str], *, job_id: str, run_at: datetime | None = None) -> None:
        """`job(**args)`, not before `run_at` (now if None)."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class OutboxEntry:
    """A job that must run at least once, stored with the change that calls for it.

    `id` is also the job's id, so enqueueing it again while it is queued runs it once.
    """

    id: str
    job: str
    args: dict[str, str]
    created_at: datetime


class Outbox(Protocol):
    """Jobs stored in the database, so a lost enqueue (Redis away, a dead process) is found again."""

    async def add(self, entry: OutboxEntry) -> bool:
        """Idempotent: an entry with this id already there is left as it is (False)."""
        ...

    async def mark_done(self, entry_id: str, *, at: datetime) -> None: ...

    async def is_done(self, entry_id: str) -> bool:
        """From the primary: it decides whether a mail goes out."""
        ...

    async def pending(self, *, created_before: datetime, limit: int) -> list[OutboxEntry]:
        """Entries not done, oldest first."""
        ...


class ImportJobRepository(Protocol):
    """Import jobs and their uploads. `advance` is a compare-and-set on `processed`."""

    async def add(self, job: ImportJob, upload: bytes) -> None:
        """A job with this id there already (a retried start's) is left as it is, with its upload."""
        ...

    async def get(self, job_id: str) -> ImportJob | None: ...

    async def upload(self, job_id: str) -> bytes: ...

    async def count_unfinished(self, owner: UserId) -> int: ...

    async def start(self, job_id: str, *, total: int, at: datetime) -> None: ...

    async def advance(self, job_id: str, progress: ImportProgress, *, at: datetime) -> bool:
        """Record a batch unless `processed` is already there or past it (a re-run); True if recorded."""
        ...

    async def finish(self, job_id: str, state: JobState, *, reason: str | None, at: datetime) -> None: ...
