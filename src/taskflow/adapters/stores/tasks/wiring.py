"""The task store assembled: MongoDB, the Redis cache in front, and the window between them."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Final

from taskflow.adapters.mongo.client import MAX_STALENESS_SECONDS
from taskflow.adapters.stores.tasks.cache import CacheLimits, RedisTaskCache
from taskflow.adapters.stores.tasks.cached import CachedTaskRepository
from taskflow.adapters.stores.tasks.mongo import MongoTaskRepository

if TYPE_CHECKING:
    from typing import Any

    from pymongo.asynchronous.database import AsyncDatabase
    from redis.asyncio import Redis

    from taskflow.adapters.redis.epoch import Epoch
    from taskflow.domain.ports.time_and_ids import Clock

# How far behind the primary a secondary may answer: the driver's `maxStalenessSeconds`
# plus two heartbeats (its estimate of a member's lag is that coarse).
REPLICATION_WINDOW_SECONDS: Final = MAX_STALENESS_SECONDS + 2 * 10


def cache_limits(cache_ttl: timedelta) -> CacheLimits:
    window_ms = REPLICATION_WINDOW_SECONDS * 1000
    return CacheLimits(window_ms=window_ms, record_ttl_ms=max(window_ms, int(cache_ttl.total_seconds() * 1000)))


def task_store(
    database: AsyncDatabase[Any], redis: Redis, epoch: Epoch, clock: Clock, *, ttl: timedelta, stats_ttl: timedelta
) -> CachedTaskRepository:
    """The tasks as every process uses them: MongoDB, with the Redis cache in front."""
    return CachedTaskRepository(
        MongoTaskRepository(database),
        RedisTaskCache(redis, epoch, cache_limits(ttl)),
        clock,
        ttl=ttl,
        stats_ttl=stats_ttl,
    )
