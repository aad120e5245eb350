"""The access-token revocation list: one Redis key per revoked token id or session."""

from __future__ import annotations

import math
from contextlib import contextmanager
from typing import TYPE_CHECKING, Final

from taskflow.adapters.redis.errors import REDIS_FALLBACKS, RedisHealth, RedisUnavailableError, translate_errors
from taskflow.domain.ports import Clock, RevocationList

if TYPE_CHECKING:
    from collections.abc import Iterator
    from datetime import datetime

    from redis.asyncio import Redis

    from taskflow.domain.values import SessionId

_PREFIX: Final = "taskflow:revoked:"


class RedisRevocationList(RevocationList):
    """Each key expires when the tokens it revokes would have, so the list stays small."""

    def __init__(self, redis: Redis, clock: Clock, health: RedisHealth) -> None:
        self._redis = redis
        self._clock = clock
        self._health = health

    async def revoke(self, *, token_id: str | None, session_id: SessionId, until: datetime) -> None:
        ttl_ms = max(1, math.ceil((until - self._clock.now()).total_seconds() * 1000))
        with self._counted_fallback(), translate_errors(self._health):
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.set(_session_key(session_id), 1, px=ttl_ms)
                if token_id is not None:
                    pipe.set(_token_key(token_id), 1, px=ttl_ms)
                await pipe.execute()

    async def is_revoked(self, *, token_id: str, session_id: SessionId) -> bool:
        with self._counted_fallback(), translate_errors(self._health):
            found = await self._redis.exists(_token_key(token_id), _session_key(session_id))
        return bool(found)

    @contextmanager
    def _counted_fallback(self) -> Iterator[None]:
        """The session service answers from MongoDB when this raises: count that."""
        try:
            yield
        except RedisUnavailableError:
            REDIS_FALLBACKS.labels(use="revocation").inc()
            raise


def _token_key(token_id: str) -> str:
    return f"{_PREFIX}jti:{token_id}"


def _session_key(session_id: SessionId) -> str:
    return f"{_PREFIX}sid:{session_id.value}"
