"""The cache's Redis scripts on a real redis-server: what a fill may store, and when it may not."""

from __future__ import annotations

import os
import signal

import pytest
from redis.asyncio import Redis

from taskflow.adapters.redis.epoch import Epoch
from taskflow.adapters.redis_failures import RedisHealth
from taskflow.adapters.stores.tasks.cache import CacheLimits, RedisTaskCache
from taskflow.adapters.stores.tasks.consistency import WriteToken
from taskflow.domain.values import UserId
from taskflow.entrypoints.processes import Child

ADA = UserId("a" * 24)
BOB = UserId("b" * 24)
LIMITS = CacheLimits(window_ms=60_000, record_ttl_ms=120_000, max_fields=3, max_value_bytes=100)
TTL_MS = 60_000


def token(position: int) -> WriteToken:
    return WriteToken(position, f"payload {position}".encode())


@pytest.fixture
def cache(redis: Redis) -> RedisTaskCache:
    return RedisTaskCache(redis, Epoch(redis, RedisHealth()), LIMITS)


async def test_a_new_redis_starts_a_young_epoch_and_a_user_with_no_record(cache: RedisTaskCache) -> None:
    view = await cache.view(ADA, "task:1")
    assert (view.young, view.generation, view.last_write, view.value) == (True, None, None, None)


async def test_a_fill_is_read_back_and_belongs_to_its_user_only(cache: RedisTaskCache) -> None:
    assert await cache.fill(await cache.view(ADA, "task:1"), b"ada's", ttl_ms=TTL_MS)
    assert (await cache.view(ADA, "task:1")).value == b"ada's"
    assert (await cache.view(BOB, "task:1")).value is None
    assert (await cache.view(ADA, "task:2")).value is None


async def test_a_write_drops_every_entry_of_its_user_and_remembers_its_token(cache: RedisTaskCache) -> None:
    first = await cache.view(ADA, "a")
    assert await cache.fill(first, b"1", ttl_ms=TTL_MS)
    started = await cache.view(ADA, "b")
    assert await cache.fill(started, b"2", ttl_ms=TTL_MS)
    await cache.fill(await cache.view(BOB, "a"), b"bob", ttl_ms=TTL_MS)

    await cache.bump(ADA, token(7))

    after = await cache.view(ADA, "a")
    assert after.value is None
    assert (await cache.view(ADA, "b")).value is None
    assert after.last_write == token(7)
    assert after.generation is not None
    assert after.generation != started.generation
    assert (await cache.view(BOB, "a")).value == b"bob"


async def test_a_fill_whose_read_began_before_a_write_is_refused(cache: RedisTaskCache) -> None:
    """The race the generation exists for: read, write, then the old read's fill."""
    await cache.fill(await cache.view(ADA, "x"), b"old", ttl_ms=TTL_MS)
    await cache.bump(ADA, token(1))
    before_write = await cache.view(ADA, "page")
    await cache.bump(ADA, token(2))
    assert not await cache.fill(before_write, b"stale page", ttl_ms=TTL_MS)
    assert (await cache.view(ADA, "page")).value is None


async def test_a_first_fill_loses_to_a_write_made_meanwhile(cache: RedisTaskCache) -> None:
    no_record_yet = await cache.view(ADA, "x")
    await cache.bump(ADA, token(3))
    assert not await cache.fill(no_record_yet, b"stale", ttl_ms=TTL_MS)


async def test_the_newest_token_wins_whatever_order_the_writes_report_in(cache: RedisTaskCache) -> None:
    await cache.bump(ADA, token(9))
    await cache.bump(ADA, token(4))
    await cache.bump(ADA, None)  # a write that failed before reaching the database
    assert (await cache.view(ADA, "x")).last_write == token(9)


async def test_entries_are_bounded_in_size_and_number(cache: RedisTaskCache) -> None:
    view = await cache.view(ADA, "big")
    assert not await cache.fill(view, b"x" * 101, ttl_ms=TTL_MS)
    await cache.bump(ADA, token(1))
    stored = [await cache.fill(await cache.view(ADA, f"f{n}"), b"v", ttl_ms=TTL_MS) for n in range(5)]
    assert stored == [True, True, True, False, False]


async def test_entries_expire(cache: RedisTaskCache, redis: Redis) -> None:
    await cache.fill(await cache.view(ADA, "x"), b"v", ttl_ms=50)
    # -1 (no TTL) or -2 (no key) must fail this, so the lower bound matters.
    assert 0 < await redis.pttl("taskflow:cache:entries:" + ADA.value) <= 50


async def test_a_write_redis_never_heard_of_invalidates_everything_once_it_is_back(
    cache: RedisTaskCache, own_redis: Child
) -> None:
    await cache.bump(ADA, token(1))
    await cache.fill(await cache.view(ADA, "x"), b"cached before", ttl_ms=TTL_MS)
    await cache.fill(await cache.view(BOB, "x"), b"bob's", ttl_ms=TTL_MS)
    os.kill(own_redis.process.pid, signal.SIGSTOP)  # the bump below times out ...
    try:
        await cache.bump(ADA, token(2))  # ... and does not raise: the writer answers; this process owes the epoch
    finally:
        os.kill(own_redis.process.pid, signal.SIGCONT)
    # The frozen Redis may still run the bump once thawed; either way, no entry from
    # before it may be served, for any user (other processes cannot know whose write it was).
    after = await cache.view(ADA, "x")
    assert (after.value, after.generation, after.young) == (None, None, True)
    assert (await cache.view(BOB, "x")).value is None
