"""The worker waits out a Redis outage of many seconds and runs jobs again once Redis is back."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
from redis.asyncio import Redis

from taskflow.entrypoints.processes import Child, start_redis
from tests.api.conftest import new_account, stack_on_own_redis, worker_process
from tests.conftest import mail_messages

OUTAGE_SECONDS = 10


async def _polling(redis_url: str) -> None:
    """Until the worker has polled once: arq writes its health-check key then."""
    redis = Redis.from_url(redis_url)
    try:
        deadline = time.monotonic() + 30
        while not await redis.exists("arq:queue:health-check"):
            assert time.monotonic() < deadline, "the worker never polled"
            await asyncio.sleep(0.1)
    finally:
        await redis.aclose()


async def test_a_ten_second_redis_outage_leaves_the_same_worker_running_and_mail_flowing(
    mongodb: Child, mail_sink: tuple[Child, Path]
) -> None:
    sink, directory = mail_sink
    async with stack_on_own_redis(mongodb, smtp_url=sink.url) as stack:
        port = stack.redis.port
        with worker_process(stack.settings) as worker:
            await _polling(stack.redis.url)
            stack.redis.stop()
            await asyncio.sleep(OUTAGE_SECONDS)
            assert worker.running()
            first_pid = worker.process.pid
            stack.redis = start_redis(data_dir=None, port=port)
            async with httpx.AsyncClient(base_url=stack.url, timeout=10) as client:
                after = await new_account(client)
            deadline = time.monotonic() + 60
            while after.email not in [str(m["To"]) for m in mail_messages(directory)]:
                assert time.monotonic() < deadline, "no welcome mail after the outage"
                await asyncio.sleep(0.2)
            assert worker.running()
            assert worker.process.pid == first_pid  # the same process, not a restarted one
