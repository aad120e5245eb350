"""The arq worker, on the same composition root as the API."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import uuid
from contextlib import AsyncExitStack
from datetime import timedelta
from typing import Any, ClassVar, Final, cast

import structlog
from arq.connections import RedisSettings
from arq.cron import cron
from arq.worker import Worker, get_kwargs

from taskflow.adapters.jobs.change_events import LoggedConsumerEvents
from taskflow.adapters.jobs.functions import FUNCTIONS, MAX_TRIES, remind_coming_due, sweep_outbox
from taskflow.adapters.jobs.tracing import traced
from taskflow.adapters.observability import configure_logging, configure_tracing
from taskflow.adapters.redis_failures import REDIS_FAILURES
from taskflow.bootstrap import build_services, open_ports
from taskflow.domain.changes.consumer import CHANGE_CONSUMER, ChangeDispatcher
from taskflow.settings import Settings

ARQ_TAKEOVER_MARGIN_SECONDS: Final = 10
"""arq holds a started job for its timeout plus this (arq/worker.py, `in_progress_timeout_s`)."""
FIRST_WAIT_SECONDS: Final = 1.0
MAX_WAIT_SECONDS: Final = 30.0

log = structlog.get_logger("taskflow.worker")


class PatientWorker(Worker):
    """An arq worker that waits out a Redis outage instead of exiting.

    arq's poll loop ends at the first Redis error its retries do not absorb, and its
    shutdown then fails on Redis too: a Redis restart took the worker down with it. Here a
    failed poll waits (1 s, doubling to 30 s) and polls again; jobs resume when Redis is
    back (what was queued in a Redis that came back empty, the outbox sweeper queues again).
    """

    _waited: float = 0.0

    def __init__(self, *, takeover_margin_seconds: float, **arguments: Any) -> None:  # noqa: ANN401 - arq's own
        super().__init__(**arguments)
        # A job whose worker died is held for this long before another takes it.
        self.in_progress_timeout_s += takeover_margin_seconds - ARQ_TAKEOVER_MARGIN_SECONDS

    async def _poll_iteration(self) -> None:
        try:
            await super()._poll_iteration()
        except REDIS_FAILURES as exc:
            self._waited = min(MAX_WAIT_SECONDS, self._waited * 2 or FIRST_WAIT_SECONDS)
            log.warning("redis_unavailable", error=type(exc).__name__, retry_in_seconds=self._waited)
            await asyncio.sleep(self._waited)
        else:
            if self._waited:
                log.info("redis_available")
                self._waited = 0.0

    async def close(self) -> None:
        """Stopping while Redis is away: its health key expires by itself."""
        with contextlib.suppress(*REDIS_FAILURES):
            await super().close()


def worker_settings(settings: Settings) -> type:
    """Arq reads its configuration from a class; this builds one for these settings."""

    async def on_startup(ctx: dict[str, Any]) -> None:
        stack = AsyncExitStack()
        ports = await stack.enter_async_context(open_ports(settings))
        ctx["exit_stack"] = stack
        ctx["services"] = services = build_services(ports, settings)
        dispatcher = ChangeDispatcher(
            ports.change_feed,
            ports.consumer_state,
            services.change_handlers,
            LoggedConsumerEvents(ctx["redis"], ports.clock, ports.audit),
            ports.clock,
            consumer=CHANGE_CONSUMER,
            holder=f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}",
            lease=timedelta(seconds=settings.change_consumer_lease_seconds),
        )
        stopping = asyncio.Event()
        ctx["consumer"] = (stopping, asyncio.create_task(dispatcher.run(stopping), name="change-consumer"))

    async def on_shutdown(ctx: dict[str, Any]) -> None:
        stopping, consumer = ctx["consumer"]
        stopping.set()  # it checkpoints what it handled and lets the lease go
        await asyncio.gather(consumer, return_exceptions=True)
        await ctx["exit_stack"].aclose()

    class WorkerSettings:
        functions: ClassVar = list(FUNCTIONS)
        cron_jobs: ClassVar = [
            cron(traced(sweep_outbox), second=_every(settings.outbox_sweep_seconds), run_at_startup=True),
            cron(traced(remind_coming_due), second=_every(settings.reminder_interval_seconds), run_at_startup=True),
        ]
        redis_settings = RedisSettings.from_dsn(settings.redis_url)
        max_tries = MAX_TRIES
        job_timeout = settings.job_timeout_seconds
        # No results kept: nothing reads them, and a kept result would stop the outbox
        # sweeper re-enqueueing a job that timed out. Jobs are idempotent instead.
        keep_result = 0
        health_check_interval = 30  # compose's health check reads arq's key

    WorkerSettings.on_startup = staticmethod(on_startup)  # type: ignore[attr-defined]  # arq's hook names
    WorkerSettings.on_shutdown = staticmethod(on_shutdown)  # type: ignore[attr-defined]  # arq's hook names
    return WorkerSettings


def _every(seconds: int) -> set[int]:
    """The seconds of each minute a cron runs on: every `seconds`, at most once a minute."""
    return set(range(0, 60, min(seconds, 60)))


def run(settings: Settings | None = None) -> None:
    settings = settings or Settings.from_env(os.environ)
    configure_logging(level=settings.log_level, json=settings.log_json)
    configure_tracing("taskflow-worker", otlp_endpoint=settings.otlp_endpoint, sample_ratio=settings.trace_sample_ratio)
    arguments = cast("dict[str, Any]", get_kwargs(worker_settings(settings)))  # arq annotates its values oddly
    PatientWorker(**arguments, takeover_margin_seconds=settings.job_takeover_margin_seconds).run()
