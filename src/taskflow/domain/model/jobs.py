"""A background job as its owner sees it: `GET /api/v1/jobs/{id}`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Final

from taskflow.domain.errors import InvalidValueError
from taskflow.domain.task_files.rows import ImportFormat, RowError
from taskflow.domain.values import UserId

ERRORS_KEPT: Final = 100  # row errors stored per job; the count says how many there were
_JOB_ID: Final = re.compile(r"[0-9a-f]{24}")


def check_job_id(raw: str) -> str:
    if not _JOB_ID.fullmatch(raw):
        msg = "a job id is 24 hexadecimal digits"
        raise InvalidValueError(msg, field="job_id")
    return raw


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"

    @property
    def finished(self) -> bool:
        return self in {JobState.SUCCEEDED, JobState.FAILED}


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportJob:
    """An import: `processed` rows of `total` are done (never fewer than before)."""

    id: str
    owner: UserId
    format: ImportFormat
    dry_run: bool
    state: JobState
    created_at: datetime
    updated_at: datetime
    total: int | None = None
    processed: int = 0
    created: int = 0
    failed: int = 0
    errors: tuple[RowError, ...] = field(default=())
    reason: str | None = None
    finished_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ImportProgress:
    """One batch's outcome; applied only if it moves `processed` forward."""

    processed: int
    created: int
    failed: int
    errors: tuple[RowError, ...]
