"""The welcome mail, end to end: API, outbox in MongoDB, a real `taskflow worker`, the SMTP sink."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from arq.connections import ArqRedis
from arq.constants import default_queue_name, in_progress_key_prefix
from pymongo import AsyncMongoClient

from taskflow.adapters.jobs.queue import connect as connect_queue
from taskflow.bootstrap import build_services, open_ports
from taskflow.entrypoints.processes import Child, start_redis
from tests.api.conftest import OwnRedisStack, new_account, stack_on_own_redis, worker_process
from tests.conftest import mail_messages, run_worker_until_idle

SWEEP_SECONDS = 1


@pytest.fixture
async def mail_stack(mongodb: Child, mail_sink: tuple[Child, Path]) -> AsyncIterator[tuple[OwnRedisStack, Path]]:
    sink, directory = mail_sink
    async with stack_on_own_redis(mongodb, smtp_url=sink.url, outbox_sweep_seconds=SWEEP_SECONDS) as stack:
        yield stack, directory


async def _settle(stack: OwnRedisStack, *, entries: int, within: float = 30) -> None:
    """Until every outbox entry is done and no mail job is queued or running: no mail is on its way."""
    queue = connect_queue(stack.settings.redis_url, timeout_seconds=1)
    deadline = time.monotonic() + within
    try:
        while time.monotonic() < deadline:
            if await _outbox_states(stack) == ["done"] * entries and not await _mail_jobs(queue):
                return
            await asyncio.sleep(0.2)
    finally:
        await queue.aclose()
    pytest.fail(f"the outbox did not settle: {await _outbox_states(stack)}")


async def _mail_jobs(queue: ArqRedis) -> list[str]:
    """Ids of the jobs queued or running, but the crons' (the sweeper runs every second)."""
    queued = [job_id.decode() for job_id in await queue.zrange(default_queue_name, 0, -1)]
    running = [
        key.decode().removeprefix(in_progress_key_prefix) async for key in queue.scan_iter(in_progress_key_prefix + "*")
    ]
    return [job_id for job_id in queued + running if not job_id.startswith("cron:")]


async def _sweep_once_more(stack: OwnRedisStack) -> None:
    """With the worker stopped: the real sweeper once more, then every job it queued, in this process.

    Every entry is past the sweeper's grace by then; a done entry queued again, or a job that
    sends for a done entry, would add a mail.
    """
    await asyncio.sleep(SWEEP_SECONDS)  # the grace is one sweep interval
    async with open_ports(stack.settings) as ports:
        assert await build_services(ports, stack.settings).outbox.sweep() == 0
    await run_worker_until_idle(stack.settings, connect_queue(stack.settings.redis_url, timeout_seconds=1))


def _recipients(directory: Path) -> list[str]:
    return sorted(str(message["To"]) for message in mail_messages(directory))


async def _outbox_states(stack: OwnRedisStack) -> list[str]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(stack.settings.mongodb_uri)
    try:
        entries = await client[stack.settings.mongodb_database].outbox.find().to_list()
    finally:
        await client.close()
    return sorted(entry["state"] for entry in entries)


async def test_each_new_account_gets_exactly_one_welcome_mail(mail_stack: tuple[OwnRedisStack, Path]) -> None:
    stack, directory = mail_stack
    with worker_process(stack.settings):
        async with httpx.AsyncClient(base_url=stack.url, timeout=10) as client:
            accounts = [await new_account(client) for _ in range(3)]
        await _settle(stack, entries=3)
    await _sweep_once_more(stack)
    assert _recipients(directory) == sorted(account.email for account in accounts)
    by_recipient = {str(message["To"]): message for message in mail_messages(directory)}
    for account in accounts:
        message = by_recipient[account.email]
        assert message["Message-ID"] == f"<welcome.{account.id}@taskflow.local>"
        assert message.get_body(("plain",)) is not None
        assert message.get_body(("html",)) is not None


async def test_a_registration_while_redis_is_down_gets_its_mail_once_redis_is_back(
    mail_stack: tuple[OwnRedisStack, Path],
) -> None:
    stack, directory = mail_stack
    port = stack.redis.port
    with worker_process(stack.settings) as worker:
        async with httpx.AsyncClient(base_url=stack.url, timeout=10) as client:
            before = await new_account(client)
            stack.redis.stop()
            during = await new_account(client)  # 201: the enqueue failed, the outbox has it
            await asyncio.sleep(2 * SWEEP_SECONDS)
            assert during.email not in [str(message["To"]) for message in mail_messages(directory)]
            stack.redis = start_redis(data_dir=None, port=port)  # empty: the queued job is gone too
            await _settle(stack, entries=2)
        assert worker.running()  # it rode out the outage
    await _sweep_once_more(stack)
    assert _recipients(directory) == sorted([before.email, during.email])
