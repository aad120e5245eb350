"""One suite for the live streams' slots: the in-memory fake and Redis lease alike."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from taskflow.adapters.redis.client import connect as connect_redis
from taskflow.adapters.redis.stream_slots import RedisStreamSlots
from taskflow.adapters.redis_failures import RedisHealth
from taskflow.domain.ports.streams import StreamSlots
from taskflow.domain.values import UserId
from taskflow.entrypoints.processes import start_redis
from tests.conftest import MEMORY
from tests.fakes.changes import InMemoryStreamSlots

ADA, BOB = UserId("a" * 24), UserId("b" * 24)
LEASE_SECONDS = 0.3


@pytest.fixture(params=[MEMORY, "redis"])
async def slots(request: pytest.FixtureRequest) -> AsyncIterator[StreamSlots]:
    if request.param == MEMORY:
        yield InMemoryStreamSlots(lease_seconds=LEASE_SECONDS)
        return
    server = start_redis(data_dir=None)
    redis = connect_redis(server.url, timeout_seconds=1)
    try:
        yield RedisStreamSlots(redis, RedisHealth(), lease_seconds=LEASE_SECONDS)
    finally:
        await redis.aclose()
        server.stop()


async def test_a_user_holds_at_most_the_limit_and_each_user_has_their_own(slots: StreamSlots) -> None:
    assert await slots.take(ADA, "one", limit=2)
    assert await slots.take(ADA, "two", limit=2)
    assert not await slots.take(ADA, "three", limit=2)
    assert await slots.take(BOB, "one", limit=2)


async def test_a_released_slot_is_free_at_once_and_releasing_twice_is_harmless(slots: StreamSlots) -> None:
    assert await slots.take(ADA, "one", limit=1)
    await slots.release(ADA, "one")
    await slots.release(ADA, "one")
    await slots.release(ADA, "never taken")
    assert await slots.take(ADA, "two", limit=1)
    assert not await slots.take(ADA, "three", limit=1)


async def test_a_lease_not_renewed_frees_itself_and_a_renewed_one_holds(slots: StreamSlots) -> None:
    assert await slots.take(ADA, "kept", limit=2)
    assert await slots.take(ADA, "abandoned", limit=2)  # its process died: nobody renews it
    for _ in range(3):
        await asyncio.sleep(LEASE_SECONDS / 2)
        await slots.renew(ADA, "kept")
    assert await slots.take(ADA, "new", limit=2)  # the abandoned one ran out
    assert not await slots.take(ADA, "one too many", limit=2)  # the kept one did not
