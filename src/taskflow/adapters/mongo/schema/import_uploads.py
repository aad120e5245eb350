"""The `import_uploads` collection: an import's file, kept while its job may run again."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

import pymongo
from beanie import Document
from pymongo import IndexModel


class ImportUploadDocument(Document):
    """The uploaded file of an import job, kept a week (the job's retries read it)."""

    id: str  # type: ignore[assignment]  # the job id
    data: bytes
    created_at: datetime

    class Settings:
        name = "import_uploads"
        indexes: ClassVar = [
            IndexModel([("created_at", pymongo.ASCENDING)], name="created_ttl", expireAfterSeconds=7 * 24 * 3600),
        ]


IMPORT_UPLOADS = ImportUploadDocument.Settings.name
