"""What the durable change consumer reports: log lines, and figures in Redis that `/metrics` shows.

The consumer runs in the worker, which serves no `/metrics`; like the job figures
(`metrics.py`), its counts live in Redis and any API process reports them when scraped.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Final

import structlog

from taskflow.adapters.redis_failures import REDIS_FAILURES
from taskflow.domain.changes.consumer import ConsumerEvents
from taskflow.domain.errors import UnavailableError
from taskflow.domain.model.audit import AuditKind

if TYPE_CHECKING:
    from datetime import datetime

    from redis.asyncio import Redis

    from taskflow.domain.changes.feed import Change, FeedPosition
    from taskflow.domain.ports.accounts import AuditTrail
    from taskflow.domain.ports.time_and_ids import Clock

CONSUMER_KEY: Final = "taskflow:changes:consumer"
"""A hash: `handled`, `gaps`, `crashes`, `failed:<handler>` (counts), `lag_seconds` (of the last checkpoint),
`behind` and `behind_seconds` (of the last count of the changes still to handle)."""

log = structlog.get_logger("taskflow.changes")


class LoggedConsumerEvents(ConsumerEvents):
    """A gap is also an audit entry: admins see, in `GET /admin/audit`, that changes went unhandled."""

    def __init__(self, redis: Redis, clock: Clock, audit: AuditTrail) -> None:
        self._redis = redis
        self._clock = clock
        self._audit = audit

    async def checkpointed(self, consumer: str, position: FeedPosition, *, handled: int) -> None:  # noqa: ARG002 - one consumer today
        lag = max(0.0, self._clock.now().timestamp() - position.time)
        with contextlib.suppress(*REDIS_FAILURES):
            async with self._redis.pipeline(transaction=False) as pipe:
                pipe.hincrby(CONSUMER_KEY, "handled", handled)
                pipe.hset(CONSUMER_KEY, "lag_seconds", f"{lag:.3f}")
                await pipe.execute()

    async def failed(self, handler: str, change: Change, error: Exception) -> None:
        log.error("change_handler_failed", consumer_handler=handler, position=str(change.position), exc_info=error)
        await self._count(f"failed:{handler}")

    async def behind(self, consumer: str, changes: int, *, seconds: float) -> None:
        if changes:
            log.info("change_consumer_behind", consumer=consumer, changes=changes, seconds=round(seconds, 3))
        with contextlib.suppress(*REDIS_FAILURES):
            await self._redis.hset(CONSUMER_KEY, mapping={"behind": changes, "behind_seconds": f"{seconds:.3f}"})  # type: ignore[misc]  # redis-py's union return

    async def gap(self, consumer: str, after: FeedPosition, *, now: datetime) -> None:
        log.warning("change_history_gap", consumer=consumer, checkpoint=str(after), resumed_at=now.isoformat())
        await self._count("gaps")
        with contextlib.suppress(UnavailableError):  # the log line and the count stand
            await self._audit.record(
                AuditKind.CHANGE_HISTORY_GAP,
                actor=None,
                target=None,
                consumer=consumer,
                checkpoint=f"{after.time}.{after.increment}",
                resumed_at=now.isoformat(),
            )

    async def stalled(self, consumer: str, error: Exception) -> None:
        if isinstance(error, UnavailableError):
            log.warning("change_consumer_stalled", consumer=consumer, error=type(error).__name__)
        else:
            log.error("change_consumer_failed", consumer=consumer, exc_info=error)
            await self._count("crashes")

    async def _count(self, field: str) -> None:
        with contextlib.suppress(*REDIS_FAILURES):
            await self._redis.hincrby(CONSUMER_KEY, field, 1)  # type: ignore[misc]  # redis-py's union return
