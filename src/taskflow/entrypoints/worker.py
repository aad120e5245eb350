"""The arq worker, on the same composition root as the API."""

from __future__ import annotations

import os
from contextlib import AsyncExitStack
from typing import Any, ClassVar

from arq.connections import RedisSettings
from arq.cron import cron

from taskflow.adapters.jobs.functions import FUNCTIONS, MAX_TRIES, remind_coming_due, sweep_outbox
from taskflow.adapters.jobs.tracing import traced
from taskflow.adapters.observability import configure_logging, configure_tracing
from taskflow.bootstrap import build_services, open_ports
from taskflow.settings import Settings


def worker_settings(settings: Settings) -> type:
    """Arq reads its configuration from a class; this builds one for these settings."""

    async def on_startup(ctx: dict[str, Any]) -> None:
        stack = AsyncExitStack()
        ports = await stack.enter_async_context(open_ports(settings))
        ctx["exit_stack"] = stack
        ctx["services"] = build_services(ports, settings)

    async def on_shutdown(ctx: dict[str, Any]) -> None:
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
    from arq.worker import run_worker  # noqa: PLC0415 - only the worker process needs it

    settings = settings or Settings.from_env(os.environ)
    configure_logging(level=settings.log_level, json=settings.log_json)
    configure_tracing("taskflow-worker", otlp_endpoint=settings.otlp_endpoint, sample_ratio=settings.trace_sample_ratio)
    run_worker(worker_settings(settings))
