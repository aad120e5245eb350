"""The `jobs` collection: import jobs as their owners see them."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

import pymongo
from beanie import Document, PydanticObjectId
from pydantic import Field
from pymongo import IndexModel

from taskflow.domain.model.jobs import ImportJob, JobState
from taskflow.domain.task_files.rows import ImportFormat, RowError
from taskflow.domain.values import UserId


class ImportJobDocument(Document):
    """An import job (`_id` a hex ObjectId string); `errors` keeps the first 100 row errors."""

    id: str  # type: ignore[assignment]  # the job id the API shows
    user_id: PydanticObjectId
    kind: str = "import"
    format: str
    dry_run: bool
    state: str
    total: int | None = None
    processed: int = 0
    created: int = 0
    failed: int = 0
    errors: list[dict[str, Any]] = Field(default_factory=list)
    reason: str | None = None
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None = None

    class Settings:
        name = "jobs"
        indexes: ClassVar = [
            IndexModel([("user_id", pymongo.ASCENDING), ("state", pymongo.ASCENDING)], name="user_state"),
            IndexModel([("created_at", pymongo.ASCENDING)], name="created_ttl", expireAfterSeconds=30 * 24 * 3600),
        ]


JOBS = ImportJobDocument.Settings.name


def job_to_entity(raw: dict[str, Any]) -> ImportJob:
    return ImportJob(
        id=raw["_id"],
        owner=UserId(str(raw["user_id"])),
        format=ImportFormat(raw["format"]),
        dry_run=raw["dry_run"],
        state=JobState(raw["state"]),
        created_at=raw["created_at"],
        updated_at=raw["updated_at"],
        total=raw["total"],
        processed=raw["processed"],
        created=raw["created"],
        failed=raw["failed"],
        errors=tuple(RowError(e["row"], e["field"], e["message"]) for e in raw["errors"]),
        reason=raw["reason"],
        finished_at=raw["finished_at"],
    )
