"""Import jobs on MongoDB: progress moves by compare-and-set, so a re-run never counts twice."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from bson import Binary, ObjectId
from pymongo import ReadPreference
from pymongo.errors import DuplicateKeyError

from taskflow.adapters.mongo.errors import translate_errors
from taskflow.adapters.mongo.raw import Raw
from taskflow.adapters.mongo.schema.import_uploads import IMPORT_UPLOADS
from taskflow.adapters.mongo.schema.jobs import JOBS, job_to_entity
from taskflow.domain.model.jobs import ERRORS_KEPT, ImportJob, JobState
from taskflow.domain.ports.jobs import ImportJobRepository
from taskflow.domain.values import UserId

if TYPE_CHECKING:
    from datetime import datetime

    from pymongo.asynchronous.database import AsyncDatabase

    from taskflow.domain.model.jobs import ImportProgress

_UNFINISHED = [JobState.QUEUED.value, JobState.RUNNING.value]


class MongoImportJobRepository(ImportJobRepository):
    """Reads the primary: a job's state decides what its next run does."""

    def __init__(self, database: AsyncDatabase[Raw]) -> None:
        self._jobs = database.get_collection(JOBS, read_preference=ReadPreference.PRIMARY)
        self._uploads = database.get_collection(IMPORT_UPLOADS, read_preference=ReadPreference.PRIMARY)

    async def add(self, job: ImportJob, upload: bytes) -> None:
        """Upload first, then the job; each already there (a retried start's, ids are never reused) stays."""
        with translate_errors(), contextlib.suppress(DuplicateKeyError):
            await self._uploads.insert_one({"_id": job.id, "data": Binary(upload), "created_at": job.created_at})
        with translate_errors(), contextlib.suppress(DuplicateKeyError):
            await self._jobs.insert_one(
                {
                    "_id": job.id,
                    "user_id": ObjectId(job.owner.value),
                    "kind": "import",
                    "format": job.format.value,
                    "dry_run": job.dry_run,
                    "state": job.state.value,
                    "total": job.total,
                    "processed": job.processed,
                    "created": job.created,
                    "failed": job.failed,
                    "errors": [],
                    "reason": None,
                    "created_at": job.created_at,
                    "updated_at": job.updated_at,
                    "finished_at": None,
                }
            )

    async def get(self, job_id: str) -> ImportJob | None:
        with translate_errors():
            raw = await self._jobs.find_one({"_id": job_id})
        return None if raw is None else job_to_entity(raw)

    async def upload(self, job_id: str) -> bytes:
        with translate_errors():
            raw = await self._uploads.find_one({"_id": job_id})
        return b"" if raw is None else bytes(raw["data"])

    async def count_unfinished(self, owner: UserId) -> int:
        with translate_errors():
            return await self._jobs.count_documents({"user_id": ObjectId(owner.value), "state": {"$in": _UNFINISHED}})

    async def start(self, job_id: str, *, total: int, at: datetime) -> None:
        with translate_errors():
            await self._jobs.update_one(
                {"_id": job_id, "state": {"$in": _UNFINISHED}},
                {"$set": {"state": JobState.RUNNING.value, "total": total, "updated_at": at}},
            )

    async def advance(self, job_id: str, progress: ImportProgress, *, at: datetime) -> bool:
        errors = [{"row": e.row, "field": e.field, "message": e.message} for e in progress.errors]
        with translate_errors():
            result = await self._jobs.update_one(
                {"_id": job_id, "processed": {"$lt": progress.processed}},
                {
                    "$set": {"processed": progress.processed, "updated_at": at},
                    "$inc": {"created": progress.created, "failed": progress.failed},
                    "$push": {"errors": {"$each": errors, "$slice": ERRORS_KEPT}},
                },
            )
        return result.modified_count == 1

    async def finish(self, job_id: str, state: JobState, *, reason: str | None, at: datetime) -> None:
        with translate_errors():
            await self._jobs.update_one(
                {"_id": job_id, "state": {"$in": _UNFINISHED}},
                {"$set": {"state": state.value, "reason": reason, "updated_at": at, "finished_at": at}},
            )
