"""The audit trail on MongoDB: one insert per entry, acknowledged by a majority, or the change fails."""

from __future__ import annotations

from typing import TYPE_CHECKING

import structlog
from bson import ObjectId
from pymongo import ReadPreference, WriteConcern

from taskflow.adapters.mongo.errors import translate_errors
from taskflow.adapters.mongo.schema.audit import AUDIT, audit_entry_to_entity
from taskflow.domain.model.audit import AuditEntry, AuditFilter, AuditKind
from taskflow.domain.ports.accounts import AuditTrail
from taskflow.domain.values import UserId

if TYPE_CHECKING:
    from datetime import timedelta

    from pymongo.asynchronous.database import AsyncDatabase

    from taskflow.adapters.mongo.raw import Raw
    from taskflow.domain.ports.time_and_ids import Clock


class MongoAuditTrail(AuditTrail):
    """Stamps each entry with the request's client address and id, from the log context the HTTP layer binds."""

    def __init__(self, database: AsyncDatabase[Raw], clock: Clock, *, retention: timedelta) -> None:
        self._entries = database.get_collection(
            AUDIT, read_preference=ReadPreference.PRIMARY_PREFERRED, write_concern=WriteConcern("majority")
        )
        self._clock = clock
        self._retention = retention

    async def record(self, kind: AuditKind, *, actor: UserId | None, target: UserId | None, **detail: str) -> None:
        context = structlog.contextvars.get_contextvars()
        at = self._clock.now()
        document: Raw = {
            "kind": kind.value,
            "actor": _oid(actor),
            "target": _oid(target),
            "at": at,
            "address": context.get("client"),
            "request_id": context.get("request_id"),
            "detail": detail,
            "expires_at": at + self._retention,
        }
        with translate_errors():
            await self._entries.insert_one(document)

    async def list_page(self, audit_filter: AuditFilter, *, after: str | None, limit: int) -> list[AuditEntry]:
        query: Raw = {}
        if audit_filter.actor is not None:
            query["actor"] = _oid(audit_filter.actor)
        if audit_filter.target is not None:
            query["target"] = _oid(audit_filter.target)
        if audit_filter.kind is not None:
            query["kind"] = audit_filter.kind.value
        at: Raw = {}
        if audit_filter.since is not None:
            at["$gte"] = audit_filter.since
        if audit_filter.until is not None:
            at["$lt"] = audit_filter.until
        if at:
            query["at"] = at
        if after is not None:
            query["_id"] = {"$lt": ObjectId(after)}
        with translate_errors():
            raws = await self._entries.find(query).sort("_id", -1).limit(limit).to_list()
        return [audit_entry_to_entity(raw) for raw in raws]


def _oid(user: UserId | None) -> ObjectId | None:
    return None if user is None else ObjectId(user.value)
