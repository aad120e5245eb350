"""Rate limits on a real redis-server, including one that stops."""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis

from taskflow.adapters.redis.client import connect
from taskflow.adapters.redis.ratelimit import (
    FallbackRateLimiter,
    LocalRateLimiter,
    RedisRateLimiter,
    StandInRateLimiter,
)
from taskflow.adapters.redis_failures import RedisHealth
from taskflow.domain.ports.security import RateRule
from taskflow.domain.values import SessionId
from taskflow.entrypoints.processes import Child

RULE = RateRule("test", 5, 60)
SESSION = SessionId("1" * 32)


async def test_concurrent_hits_from_many_clients_admit_exactly_the_limit(own_redis: Child) -> None:
    # Four clients stand in for four API processes: each has its own connection pool.
    clients = [connect(own_redis.url, timeout_seconds=2) for _ in range(4)]
    try:
        limiters = [RedisRateLimiter(client, RedisHealth()) for client in clients]
        decisions = await asyncio.gather(*(limiters[i % 4].hit(RULE, "key") for i in range(40)))
    finally:
        for client in clients:
            await client.aclose()
    assert sum(decision.allowed for decision in decisions) == RULE.limit
    assert all(0 < decision.reset_after <= RULE.window_seconds for decision in decisions)


async def test_a_window_opens_at_the_first_hit_and_refills_when_it_ends(redis: Redis) -> None:
    limiter = RedisRateLimiter(redis, RedisHealth())
    rule = RateRule("short", 2, 1)
    assert [(await limiter.hit(rule, "k")).allowed for _ in range(3)] == [True, True, False]
    await asyncio.sleep(1.1)
    assert (await limiter.hit(rule, "k")).allowed


async def test_refund_and_reset_give_hits_back(redis: Redis) -> None:
    limiter = RedisRateLimiter(redis, RedisHealth())
    for _ in range(RULE.limit):
        await limiter.hit(RULE, "k")
    await limiter.refund(RULE, "k")
    assert (await limiter.hit(RULE, "k")).allowed
    assert not (await limiter.hit(RULE, "k")).allowed
    await limiter.reset(RULE, "k")
    assert (await limiter.hit(RULE, "k")).remaining == RULE.limit - 1
    await limiter.refund(RULE, "never-hit")  # no negative counts
    assert (await limiter.hit(RULE, "never-hit")).remaining == RULE.limit - 1


async def test_keys_hold_no_plain_e_mail_address(redis: Redis) -> None:
    await RedisRateLimiter(redis, RedisHealth()).hit(RULE, "ada@example.com")
    keys = [key.decode() async for key in redis.scan_iter("*")]
    assert keys
    assert all("ada" not in key for key in keys)


async def test_with_redis_stopped_each_process_still_limits(own_redis: Child, redis: Redis) -> None:
    limiter = FallbackRateLimiter(RedisRateLimiter(redis, RedisHealth()), StandInRateLimiter(LocalRateLimiter()))
    own_redis.stop()
    decisions = [await limiter.hit(RULE, "k") for _ in range(RULE.limit + 2)]
    assert [decision.allowed for decision in decisions] == [True] * RULE.limit + [False, False]
