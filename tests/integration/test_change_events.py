"""What the durable consumer reports, on real Redis and MongoDB: figures for `/metrics`, and a gap for admins."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from redis.asyncio import Redis

from taskflow.adapters.clock import SystemClock
from taskflow.adapters.jobs.change_events import CONSUMER_KEY, LoggedConsumerEvents
from taskflow.adapters.jobs.metrics import JobMetrics
from taskflow.adapters.mongo.audit import MongoAuditTrail
from taskflow.domain.changes.feed import FeedPosition
from taskflow.domain.errors import StorageUnavailableError
from taskflow.domain.model.audit import AuditFilter, AuditKind
from taskflow.entrypoints.processes import Child

RESUMED = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


async def test_a_gap_is_counted_logged_and_an_admin_visible_entry_and_behind_is_reported(
    database: AsyncDatabase[Any], own_redis: Child
) -> None:
    redis = Redis.from_url(own_redis.url)
    audit = MongoAuditTrail(database, SystemClock(), retention=RESUMED - RESUMED.replace(year=2025))
    events = LoggedConsumerEvents(redis, SystemClock(), audit)
    try:
        await events.gap("changes", FeedPosition(1_800_000_000, 7, "token"), now=RESUMED)
        await events.behind("changes", 1234, seconds=42.5)
        await events.stalled("changes", RuntimeError("a bug in the dispatcher"))
        await events.stalled("changes", StorageUnavailableError())  # the database away: no crash
        (entry,) = await audit.list_page(AuditFilter(kind=AuditKind.CHANGE_HISTORY_GAP), after=None, limit=10)
        assert (entry.actor, entry.target) == (None, None)
        assert entry.detail == {"consumer": "changes", "checkpoint": "1800000000.7", "resumed_at": RESUMED.isoformat()}
        metrics = JobMetrics()
        await metrics.refresh(redis)
        figures = {sample.name: sample.value for family in metrics.collect() for sample in family.samples}
        assert figures["taskflow_change_history_gaps_total"] == 1
        assert figures["taskflow_change_consumer_behind"] == 1234
        assert figures["taskflow_change_consumer_behind_seconds"] == 42.5
        assert figures["taskflow_change_consumer_crashes_total"] == 1
        await events.behind("changes", 0, seconds=0)
        assert (await redis.hget(CONSUMER_KEY, "behind")) == b"0"
    finally:
        await redis.aclose()
