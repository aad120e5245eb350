"""Statistics recomputed by a real worker after writes, and served from where it stored them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime

import httpx
import pytest
from redis.asyncio import Redis

from taskflow.entrypoints.processes import Child
from tests.api.conftest import (
    Account,
    OwnRedisStack,
    cache_hits_and_misses,
    create_task,
    new_account,
    stack_on_own_redis,
    worker_process,
)

DEBOUNCE_SECONDS = 1
STATS = "/api/v1/tasks/stats"


@pytest.fixture
async def stack(mongodb: Child) -> AsyncIterator[OwnRedisStack]:
    async with stack_on_own_redis(mongodb, stats_debounce_seconds=DEBOUNCE_SECONDS) as own:
        yield own


async def test_the_worker_recomputes_after_writes_and_the_next_read_is_served_stored(stack: OwnRedisStack) -> None:
    async with httpx.AsyncClient(base_url=stack.url, timeout=10) as client:
        ada = await new_account(client)
        with worker_process(stack.settings):
            await create_task(client, ada, title="One")
            await create_task(client, ada, title="Two", status="done")
            written = datetime.now().astimezone()
            await _stored(stack, ada)  # the recompute runs at the end of the debounce window
        hits, misses = await cache_hits_and_misses(client, "stats")
        stats = await client.get(STATS, headers=ada.auth)
        assert await cache_hits_and_misses(client, "stats") == (hits + 1, misses), "read live, not stored"
        body = stats.json()
        assert (body["total"], body["by_status"]["done"]) == (2, 1)
        computed_at = datetime.fromisoformat(body["computed_at"])
        assert computed_at >= written.replace(microsecond=0)
        assert datetime.now().astimezone() > computed_at


async def _stored(stack: OwnRedisStack, account: Account, *, within: float = 20) -> None:
    """Until the worker has stored the account's figures (never by a read: this test reads none)."""
    redis = Redis.from_url(stack.settings.redis_url)
    try:
        for _ in range(int(within / 0.1)):
            if await redis.hexists(f"taskflow:cache:entries:{account.id}", "own/stats"):
                return
            await asyncio.sleep(0.1)
    finally:
        await redis.aclose()
    msg = "the worker stored no statistics"
    raise AssertionError(msg)


async def test_without_a_worker_the_figures_are_computed_live(stack: OwnRedisStack) -> None:
    async with httpx.AsyncClient(base_url=stack.url, timeout=10) as client:
        ada = await new_account(client)
        await create_task(client, ada, title="One")
        hits, misses = await cache_hits_and_misses(client, "stats")
        before = datetime.now().astimezone()
        stats = await client.get(STATS, headers=ada.auth)
        assert await cache_hits_and_misses(client, "stats") == (hits, misses + 1)
        assert stats.json()["total"] == 1
        assert datetime.fromisoformat(stats.json()["computed_at"]) >= before.replace(microsecond=0)


async def test_writes_made_while_no_worker_runs_reach_the_consumer_once_one_starts(stack: OwnRedisStack) -> None:
    async with httpx.AsyncClient(base_url=stack.url, timeout=10) as client:
        ada = await new_account(client)
        await create_task(client, ada, title="Written before any worker")  # `migrate` started the checkpoint
        with worker_process(stack.settings):
            await _stored(stack, ada)
