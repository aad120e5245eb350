"""Ports for the answers kept for the retries of a write with an Idempotency-Key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from taskflow.domain.values import UserId


@dataclass(frozen=True, slots=True)
class RecordedResponse:
    """What the first request with an idempotency key answered, to answer its retries."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    """A key's first request: its fingerprint, and its answer once it has one."""

    fingerprint: str
    response: RecordedResponse | None
    lease_until: datetime


class IdempotencyStore(Protocol):
    """Idempotency keys per user; a unique (user, key) decides which request came first.

    Kept in MongoDB so that a key outlives a Redis outage and a process restart.
    """

    async def claim(
        self, owner: UserId, key: str, fingerprint: str, *, now: datetime, lease_until: datetime, expires_at: datetime
    ) -> IdempotencyRecord | None:
        """None when this call holds the key now: it is the first, or the first one's lease ran out.

        Otherwise the record of the request that holds it.
        """
        ...

    async def complete(self, owner: UserId, key: str, response: RecordedResponse) -> None: ...

    async def release(self, owner: UserId, key: str) -> None:
        """Forget the key, so that a retry runs again."""
        ...
