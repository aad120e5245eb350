"""The `audit` collection: the audit trail's entries, removed after their retention."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

import pymongo
from beanie import Document, PydanticObjectId
from pydantic import Field
from pymongo import IndexModel

from taskflow.domain.model.audit import AuditEntry, AuditKind
from taskflow.domain.values import UserId


class AuditDocument(Document):
    """One audit entry; `expires_at` (the retention, decision 0033) lets a TTL index remove it."""

    kind: str
    actor: PydanticObjectId | None = None
    target: PydanticObjectId | None = None
    at: datetime
    address: str | None = None
    request_id: str | None = None
    detail: dict[str, str] = Field(default_factory=dict)
    expires_at: datetime

    class Settings:
        name = "audit"
        indexes: ClassVar = [
            IndexModel([("actor", pymongo.ASCENDING), ("_id", pymongo.DESCENDING)], name="actor_id"),
            IndexModel([("target", pymongo.ASCENDING), ("_id", pymongo.DESCENDING)], name="target_id"),
            IndexModel([("kind", pymongo.ASCENDING), ("_id", pymongo.DESCENDING)], name="kind_id"),
            IndexModel([("expires_at", pymongo.ASCENDING)], name="expires_ttl", expireAfterSeconds=0),
        ]


AUDIT = AuditDocument.Settings.name


def audit_entry_to_entity(raw: dict[str, Any]) -> AuditEntry:
    return AuditEntry(
        id=str(raw["_id"]),
        kind=AuditKind(raw["kind"]),
        actor=None if raw.get("actor") is None else UserId(str(raw["actor"])),
        target=None if raw.get("target") is None else UserId(str(raw["target"])),
        at=raw["at"],
        address=raw.get("address"),
        request_id=raw.get("request_id"),
        detail=dict(raw.get("detail") or {}),
    )
