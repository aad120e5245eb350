"""Job figures for `/metrics`, shared by every process: kept in Redis, read when scraped.

Workers count the jobs that gave up (`record_failure`); any API process reports them with
the queue's depth, so one scrape target tells the whole story.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Final

from arq.constants import default_queue_name
from prometheus_client import REGISTRY
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from taskflow.adapters.jobs.change_events import CONSUMER_KEY
from taskflow.adapters.jobs.deliveries import DELIVERIES_KEY
from taskflow.adapters.redis_failures import REDIS_FAILURES

if TYPE_CHECKING:
    from collections.abc import Iterator

    from prometheus_client.metrics_core import Metric
    from redis.asyncio import Redis

FAILURES_KEY: Final = "taskflow:jobs:failed"
# The durable consumer's figures: (family, name, help, its field in CONSUMER_KEY).
_CONSUMER_FIGURES: Final = (
    (CounterMetricFamily, "taskflow_changes_handled", "Changes the durable consumer handled", "handled"),
    (
        GaugeMetricFamily,
        "taskflow_change_consumer_lag_seconds",
        "How long after its commit the newest change at the last checkpoint was handled",
        "lag_seconds",
    ),
    (
        GaugeMetricFamily,
        "taskflow_change_consumer_behind",
        "Changes still to handle when last counted (a count while behind; 0 once caught up)",
        "behind",
    ),
    (
        GaugeMetricFamily,
        "taskflow_change_consumer_behind_seconds",
        "How long ago the oldest change still to handle was committed, when last counted",
        "behind_seconds",
    ),
    (CounterMetricFamily, "taskflow_change_history_gaps", "Checkpoints the change history no longer reached", "gaps"),
    (
        CounterMetricFamily,
        "taskflow_change_consumer_crashes",
        "Times the consumer itself failed (a bug, logged with its traceback) and started again",
        "crashes",
    ),
)


async def record_failure(redis: Redis, job: str) -> None:
    """Count a job that gave up; a lost count is better than a job that fails twice."""
    with contextlib.suppress(*REDIS_FAILURES):
        await redis.hincrby(FAILURES_KEY, job, 1)  # type: ignore[misc]  # redis-py's union return


class JobMetrics(Collector):
    """`refresh()` reads Redis (async, before a scrape); `collect()` reports what it read.

    One per process, registered like any metric when this module is imported.
    """

    def __init__(self) -> None:
        self._depth = 0
        self._failed: dict[str, int] = {}
        self._consumer: dict[str, str] = {}
        self._deliveries: dict[str, int] = {}

    async def refresh(self, redis: Redis) -> None:
        with contextlib.suppress(*REDIS_FAILURES):  # Redis away: the last figures stand
            self._depth = await redis.zcard(default_queue_name)
            failed = await redis.hgetall(FAILURES_KEY)  # type: ignore[misc]  # redis-py's union return
            self._failed = {key.decode(): int(value) for key, value in failed.items()}
            consumer = await redis.hgetall(CONSUMER_KEY)  # type: ignore[misc]  # redis-py's union return
            self._consumer = {key.decode(): value.decode() for key, value in consumer.items()}
            deliveries = await redis.hgetall(DELIVERIES_KEY)  # type: ignore[misc]  # redis-py's union return
            self._deliveries = {key.decode(): int(value) for key, value in deliveries.items()}

    def collect(self) -> Iterator[Metric]:
        yield GaugeMetricFamily("taskflow_job_queue_depth", "Jobs queued in arq, deferred ones included", self._depth)
        failed = CounterMetricFamily("taskflow_jobs_failed", "Jobs that gave up, by job", labels=["job"])
        for job, count in sorted(self._failed.items()):
            failed.add_metric([job], count)
        yield failed
        yield from self._consumer_metrics()
        delivered = CounterMetricFamily(
            "taskflow_notifications_delivered",
            "Notifications made, by kind and channel (inbox; mail: to be mailed; mailed: in a mail that went)",
            labels=["kind", "channel"],
        )
        for field, count in sorted(self._deliveries.items()):
            kind, _, channel = field.partition(":")
            delivered.add_metric([kind, channel], count)
        yield delivered

    def _consumer_metrics(self) -> Iterator[Metric]:
        figures = self._consumer
        for family, name, documentation, field in _CONSUMER_FIGURES:
            yield family(name, documentation, float(figures.get(field, 0)))
        failures = CounterMetricFamily(
            "taskflow_change_handler_failures", "Changes a handler failed on and passed over", labels=["handler"]
        )
        for field, count in sorted(figures.items()):
            if field.startswith("failed:"):
                failures.add_metric([field.removeprefix("failed:")], int(count))
        yield failures


JOB_METRICS: Final = JobMetrics()
REGISTRY.register(JOB_METRICS)
