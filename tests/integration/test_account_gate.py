"""What only the Redis account gate shows: its keys' lifetimes and an epoch paid in the background.

The rules it shares with the in-memory gate are tests/contract/test_account_gate.py.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from typing import cast

import pytest
from redis.asyncio import Redis

from taskflow.adapters.clock import SystemClock
from taskflow.adapters.redis.account_gate import RedisAccountGate
from taskflow.adapters.redis.epoch import EPOCH_KEY, Epoch
from taskflow.adapters.redis_failures import RedisHealth
from taskflow.domain.ports.gates import AccountFacts
from taskflow.domain.ports.security import TokenClaims
from taskflow.domain.values import Role, SessionId, UserId
from taskflow.entrypoints.processes import Child

ADA = UserId("a" * 24)
SESSION = SessionId("1" * 32)
ACTIVE_USER = AccountFacts(is_active=True, role=Role.USER, tokens_valid_after=None)


def claims(
    *,
    token_id: str = "jti-1",  # noqa: S107 - a token id, not a secret
    session_id: SessionId = SESSION,
) -> TokenClaims:
    now = datetime.now(UTC)
    return TokenClaims(ADA, session_id, token_id, issued_at=now, expires_at=now + timedelta(minutes=15))


async def _epoch(redis: Redis) -> bytes | None:
    return await cast("Awaitable[bytes | None]", redis.hget(EPOCH_KEY, "n"))


@pytest.fixture
def health() -> RedisHealth:
    return RedisHealth()


@pytest.fixture
def gate(redis: Redis, health: RedisHealth) -> RedisAccountGate:
    return RedisAccountGate(redis, Epoch(redis, health), SystemClock())


async def test_revocations_are_read_with_the_facts_and_expire_with_the_tokens(
    gate: RedisAccountGate, redis: Redis
) -> None:
    other = SessionId("2" * 32)
    await gate.revoke(token_id="jti-1", session_id=SESSION, until=datetime.now(UTC) + timedelta(seconds=30))
    assert (await gate.read(claims(token_id="jti-1", session_id=other), None)).revoked
    assert (await gate.read(claims(token_id="jti-2", session_id=SESSION), None)).revoked
    assert not (await gate.read(claims(token_id="jti-2", session_id=other), None)).revoked
    ttl = await redis.pttl("taskflow:revoked:jti:jti-1")
    assert 28_000 < ttl <= 30_000


async def test_a_change_redis_could_not_take_moves_the_epoch_once_it_answers(
    own_redis: Child, gate: RedisAccountGate, redis: Redis, health: RedisHealth
) -> None:
    await gate.fill(ADA, ACTIVE_USER, seen=(await gate.read(claims(), None)).seen)
    epoch_before = await _epoch(redis)
    own_redis.process.send_signal(signal.SIGSTOP)  # Redis takes nothing
    try:
        await gate.record(ADA, is_active=False)  # never raises: the gate owes an epoch change
    finally:
        own_redis.process.send_signal(signal.SIGCONT)
    for _ in range(40):  # paid in the background, without another call from this process
        if await _epoch(redis) != epoch_before:
            break
        await asyncio.sleep(0.05)
    assert await _epoch(redis) != epoch_before
    assert health.up
    # Whatever the thawed Redis did with the write, the facts from before it no longer count.
    assert (await gate.read(claims(), None)).account is None
