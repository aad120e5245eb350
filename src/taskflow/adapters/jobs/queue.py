"""Enqueueing on arq. The pool is made without a ping, so the API starts while Redis is down."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from arq.connections import ArqRedis

from taskflow.adapters.jobs.tracing import TRACE_ARGUMENT, current_trace_context
from taskflow.adapters.redis_failures import RedisHealth, translate_errors
from taskflow.domain.ports.jobs import JobQueue


def connect(url: str, *, timeout_seconds: float) -> ArqRedis:
    pool: ArqRedis = ArqRedis.from_url(url, socket_timeout=timeout_seconds, socket_connect_timeout=timeout_seconds)
    return pool


class ArqJobQueue(JobQueue):
    """arq refuses a second job with the same id while the first is queued or running."""

    def __init__(self, pool: ArqRedis, health: RedisHealth) -> None:
        self._pool = pool
        self._health = health

    async def enqueue(self, job: str, args: Mapping[str, str], *, job_id: str, run_at: datetime | None = None) -> None:
        arguments: dict[str, Any] = {**args, TRACE_ARGUMENT: current_trace_context()}
        with translate_errors(self._health):
            await self._pool.enqueue_job(job, _job_id=job_id, _defer_until=run_at, **arguments)
