"""Retries that are safe: a request repeated with its `Idempotency-Key` runs once.

Rules:
- the first request with a key runs; its answer is kept for the retention period and
  replayed to every retry by the same user with the same key and the same request;
- the same key with another request (method, path, preconditions or body) is refused;
- a retry while the first request still runs is told to come back shortly;
- an answer that changed nothing (an error) is not kept: the key is released, so the
  corrected retry runs;
- a first request whose process died holds the key only until its lease ends; the lease
  is a little longer than a request may run (its deadline), so a live first request
  never loses it.
"""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from typing import TYPE_CHECKING, Final

from taskflow.domain.errors import IdempotencyKeyReusedError, InvalidValueError, RequestInProgressError

if TYPE_CHECKING:
    from taskflow.domain.ports.idempotency import IdempotencyStore, RecordedResponse
    from taskflow.domain.ports.time_and_ids import Clock
    from taskflow.domain.values import UserId


def keyed_id(owner: UserId, request_key: str, *, kind: str | None = None) -> str:
    """The id of what a request makes, derived again by its retries: a retry after an unknown outcome finds it.

    12 bytes of a hash of the owner, the kind of thing (none for a task) and the key: a valid
    ObjectId, not time-ordered, which only ever breaks ties in sorts.
    """
    made = f"{owner.value}\n{request_key}" if kind is None else f"{owner.value}\n{kind}\n{request_key}"
    return hashlib.sha256(made.encode()).hexdigest()[:24]


KEY_MAX_LENGTH: Final = 255
KEY_PATTERN: Final = rf"^[\x21-\x7e]{{1,{KEY_MAX_LENGTH}}}$"  # visible ASCII, as Stripe and the IETF draft
_KEY: Final = re.compile(KEY_PATTERN)
LEASE_SLACK: Final = timedelta(seconds=5)
"""A lease outlasts its request's deadline by this much: the key's own bookkeeping (1 s) and a slow clock."""


class IdempotencyService:
    def __init__(
        self, store: IdempotencyStore, clock: Clock, *, retention: timedelta, request_deadline: timedelta
    ) -> None:
        self._store = store
        self._clock = clock
        self._retention = retention
        self._lease = request_deadline + LEASE_SLACK

    async def begin(self, owner: UserId, key: str, fingerprint: str) -> RecordedResponse | None:
        """None: run the request, then `finish` or `abandon`. A response: answer it as it is."""
        if not _KEY.fullmatch(key):
            msg = f"Idempotency-Key must be 1 to {KEY_MAX_LENGTH} visible ASCII characters"
            raise InvalidValueError(msg, field="Idempotency-Key")
        now = self._clock.now()
        record = await self._store.claim(
            owner, key, fingerprint, now=now, lease_until=now + self._lease, expires_at=now + self._retention
        )
        if record is None:
            return None
        if record.fingerprint != fingerprint:
            raise IdempotencyKeyReusedError
        if record.response is None:
            raise RequestInProgressError
        return record.response

    async def finish(self, owner: UserId, key: str, response: RecordedResponse) -> None:
        await self._store.complete(owner, key, response)

    async def abandon(self, owner: UserId, key: str) -> None:
        await self._store.release(owner, key)
