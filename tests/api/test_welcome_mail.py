"""The welcome mail, end to end: API, outbox in MongoDB, a real `taskflow worker`, the SMTP sink."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from taskflow.entrypoints.processes import Child, start_redis
from tests.api.conftest import Account, OwnRedisStack, new_account, stack_on_own_redis, worker_process
from tests.conftest import mail_messages

SWEEP_SECONDS = 1
# Long enough for a mail sent twice to show up as two: several sweeps past the first.
QUIET_SECONDS = 4 * SWEEP_SECONDS


@pytest.fixture
async def mail_stack(mongodb: Child, mail_sink: tuple[Child, Path]) -> AsyncIterator[tuple[OwnRedisStack, Path]]:
    sink, directory = mail_sink
    async with stack_on_own_redis(mongodb, smtp_url=sink.url, outbox_sweep_seconds=SWEEP_SECONDS) as stack:
        yield stack, directory


async def _mails_for(directory: Path, accounts: list[Account], *, within: float = 30) -> list[str]:
    """The recipients of every mail in the sink, once each account has one (or time is up)."""
    deadline = time.monotonic() + within
    wanted = {account.email for account in accounts}
    while time.monotonic() < deadline:
        recipients = [str(message["To"]) for message in mail_messages(directory)]
        if wanted <= set(recipients):
            break
        await asyncio.sleep(0.2)
    await asyncio.sleep(QUIET_SECONDS)
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
        assert await _mails_for(directory, accounts) == sorted(account.email for account in accounts)
    by_recipient = {str(message["To"]): message for message in mail_messages(directory)}
    for account in accounts:
        message = by_recipient[account.email]
        assert message["Message-ID"] == f"<welcome.{account.id}@taskflow.local>"
        assert message.get_body(("plain",)) is not None
        assert message.get_body(("html",)) is not None
    assert await _outbox_states(stack) == ["done"] * 3


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
            assert await _mails_for(directory, [before, during]) == sorted([before.email, during.email])
        assert worker.running()  # it rode out the outage
    assert await _outbox_states(stack) == ["done", "done"]
