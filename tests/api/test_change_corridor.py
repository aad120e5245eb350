"""The durable change consumer on real processes: killed, taken over, without Redis, and started late.

Each change here is a task assigned to Bob in Ada's project, so it makes one history entry
and one notification: what the worker stored is counted in MongoDB, and must be exactly one
of each per change however the worker was treated.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from redis.asyncio import Redis

from taskflow.adapters.jobs.change_events import CONSUMER_KEY
from taskflow.domain.access.roles import ProjectRole
from taskflow.domain.changes.consumer import CHANGE_CONSUMER
from taskflow.entrypoints.processes import Child
from tests.api.conftest import (
    Account,
    OwnRedisStack,
    joining,
    membership_repository,
    new_account,
    stack_on_own_redis,
    worker_process,
)
from tests.api.shard_key_guard import TEST_HOUSEKEEPING

pytestmark = pytest.mark.slow
AT_ONCE = 20
"""Requests in flight at a time while writing many changes."""


@dataclass
class Corridor:
    stack: OwnRedisStack
    client: httpx.AsyncClient
    database: AsyncDatabase[dict[str, object]]
    ada: Account
    bob: Account
    project: str

    async def assign(self, count: int, *, prefix: str = "T") -> None:
        """`count` tasks assigned to Bob by Ada, `AT_ONCE` requests at a time: one change each."""

        async def one(number: int) -> None:
            body = {"title": f"{prefix}{number}", "project_id": self.project, "assignee_id": self.bob.id}
            response = await self.client.post("/api/v1/tasks", json=body, headers=self.ada.auth)
            assert response.status_code == 201, response.text

        for start in range(0, count, AT_ONCE):
            await asyncio.gather(*(one(number) for number in range(start, min(start + AT_ONCE, count))))

    async def effects(self) -> tuple[int, int]:
        """History entries and notifications stored so far."""
        entries = await self.database["task_activity"].count_documents({}, comment=TEST_HOUSEKEEPING)
        told = await self.database["notifications"].count_documents({}, comment=TEST_HOUSEKEEPING)
        return entries, told

    async def until_effects(self, count: int, *, within: float = 60) -> None:
        """Until `count` of each are stored (failing after `within` seconds); fails if more ever are."""
        deadline = time.monotonic() + within
        while (effects := await self.effects()) != (count, count):
            assert max(effects) <= count, f"more effects than changes: {effects}"
            assert time.monotonic() < deadline, f"{effects} of {count} after {within} s"
            await asyncio.sleep(0.05)

    async def handled(self) -> int:
        """Changes the consumer has checkpointed (its count in Redis)."""
        redis = Redis.from_url(self.stack.settings.redis_url)
        try:
            return int(await redis.hget(CONSUMER_KEY, "handled") or 0)
        finally:
            await redis.aclose()

    async def holder(self) -> str:
        """Who holds the consumer's lease now."""
        raw = await self.database["change_consumers"].find_one({"_id": CHANGE_CONSUMER}, comment=TEST_HOUSEKEEPING)
        assert raw is not None
        return str(raw["holder"])


@pytest.fixture
async def corridor(mongodb: Child, mail_sink: tuple[Child, Path]) -> AsyncIterator[Corridor]:
    """Ada's project with Bob in it, on an API with its own Redis; no worker yet (each test starts its own)."""
    sink, _ = mail_sink
    async with (
        stack_on_own_redis(mongodb, smtp_url=sink.url) as stack,
        httpx.AsyncClient(base_url=stack.url, timeout=30) as client,
        membership_repository(stack.settings) as memberships,
    ):
        ada, bob = await new_account(client), await new_account(client)
        project = (await client.post("/api/v1/projects", json={"name": "Load"}, headers=ada.auth)).json()
        await joining(memberships)(bob, project, ProjectRole.EDITOR)
        mongo: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(stack.settings.mongodb_uri)
        try:
            yield Corridor(stack, client, mongo[stack.settings.mongodb_database], ada, bob, project["id"])
        finally:
            await mongo.close()


async def _when(condition: Callable[[], Awaitable[bool]], *, within: float, every: float = 0.01) -> None:
    deadline = time.monotonic() + within
    while not await condition():
        assert time.monotonic() < deadline, "did not happen in time"
        await asyncio.sleep(every)


async def test_a_worker_killed_between_effects_and_their_checkpoint_leaves_one_of_each(corridor: Corridor) -> None:
    await corridor.assign(300)  # while no worker runs: the next one starts at `migrate`'s checkpoint
    with worker_process(corridor.stack.settings) as first:
        past_checkpoint = 0

        async def effects_past_the_checkpoint() -> bool:
            nonlocal past_checkpoint
            entries, _ = await corridor.effects()
            past_checkpoint = entries - await corridor.handled()
            return past_checkpoint >= 10

        await _when(effects_past_the_checkpoint, within=30)
        os.kill(first.process.pid, signal.SIGKILL)
        first.process.wait()
    assert await corridor.effects() < (300, 300), "killed after the last change: nothing would be replayed"
    with worker_process(corridor.stack.settings):
        await corridor.until_effects(300)  # the changes after the checkpoint came again: their effects stay one
        await asyncio.sleep(1)
        assert await corridor.effects() == (300, 300)
    assert past_checkpoint >= 10  # that many changes were handled again, their effects already stored


async def test_the_holder_killed_another_worker_takes_over_and_nothing_is_lost(
    corridor: Corridor,
) -> None:
    with worker_process(corridor.stack.settings) as one, worker_process(corridor.stack.settings) as two:
        await corridor.assign(1)
        await corridor.until_effects(1)
        holder = await corridor.holder()
        killed, other = (one, two) if f":{one.process.pid}:" in holder else (two, one)
        assert f":{killed.process.pid}:" in holder
        os.kill(killed.process.pid, signal.SIGKILL)
        killed.process.wait()
        await corridor.assign(50, prefix="During")  # written while nobody holds the lease
        await corridor.until_effects(51, within=30)  # how soon is the lease's: tests/unit/test_change_consumer.py
        assert f":{other.process.pid}:" in await corridor.holder()


async def test_every_notification_arrives_after_redis_is_away_for_ten_seconds_under_writes(
    corridor: Corridor,
) -> None:
    with worker_process(corridor.stack.settings):
        await corridor.assign(5, prefix="Before")
        await corridor.until_effects(5)
        corridor.stack.redis.stop()
        stopped = time.monotonic()
        written = 0
        while time.monotonic() - stopped < 10:
            await corridor.assign(2, prefix=f"Without{written}-")
            written += 2
            await asyncio.sleep(0.5)
        corridor.stack.redis.respawn()
        await corridor.until_effects(5 + written, within=60)
    inbox = await corridor.client.get("/api/v1/notifications", params={"limit": 100}, headers=corridor.bob.auth)
    assert len(inbox.json()["items"]) == 5 + written


async def test_a_thousand_changes_written_while_no_worker_runs_all_arrive_once_when_one_starts(
    corridor: Corridor,
) -> None:
    await corridor.assign(1000)
    assert await corridor.effects() == (0, 0)
    with worker_process(corridor.stack.settings):
        await corridor.until_effects(1000, within=120)
        await asyncio.sleep(1)
        assert await corridor.effects() == (1000, 1000)
