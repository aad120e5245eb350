"""The answers kept for retries of keyed writes, in memory."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from taskflow.domain.ports.idempotency import IdempotencyRecord, IdempotencyStore, RecordedResponse
from taskflow.domain.values import UserId


class InMemoryIdempotencyStore(IdempotencyStore):
    """Expiry is exact here; MongoDB's TTL monitor deletes within a minute after `expires_at`."""

    def __init__(self) -> None:
        self.records: dict[tuple[UserId, str], tuple[IdempotencyRecord, datetime]] = {}

    async def claim(
        self, owner: UserId, key: str, fingerprint: str, *, now: datetime, lease_until: datetime, expires_at: datetime
    ) -> IdempotencyRecord | None:
        held, until = self.records.get((owner, key), (None, now))
        if held is not None and until <= now:
            held = None
        abandoned = held is not None and held.response is None and held.lease_until <= now
        if held is None or (abandoned and held.fingerprint == fingerprint):
            fresh = IdempotencyRecord(fingerprint=fingerprint, response=None, lease_until=lease_until)
            self.records[owner, key] = (fresh, until if held else expires_at)
            return None
        return held

    async def complete(self, owner: UserId, key: str, response: RecordedResponse) -> None:
        held, until = self.records[owner, key]
        self.records[owner, key] = (replace(held, response=response), until)

    async def release(self, owner: UserId, key: str) -> None:
        held, _ = self.records.get((owner, key), (None, None))
        if held is not None and held.response is None:
            del self.records[owner, key]
