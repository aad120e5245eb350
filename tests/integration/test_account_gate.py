"""The account gate on a real redis-server: facts, revocations, the budget, and an outage."""

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
from taskflow.adapters.redis.ratelimit import RedisRateLimiter
from taskflow.adapters.redis_failures import RedisHealth
from taskflow.domain.errors import UnavailableError
from taskflow.domain.ports.account_gate import AccountFacts
from taskflow.domain.ports.security import RateRule, TokenClaims
from taskflow.domain.values import Role, SessionId, UserId
from taskflow.entrypoints.processes import Child

ADA = UserId("a" * 24)
SESSION = SessionId("1" * 32)
BUDGET = RateRule("user", 3, 60)
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


async def test_an_unknown_account_is_learned_by_a_fill_and_then_known(gate: RedisAccountGate) -> None:
    first = await gate.read(claims(), None)
    assert first.account is None
    await gate.fill(ADA, ACTIVE_USER, seen=first.seen)
    assert (await gate.read(claims(), None)).account == ACTIVE_USER


async def test_a_written_change_is_read_at_once_and_a_late_fill_cannot_undo_it(gate: RedisAccountGate) -> None:
    before = await gate.read(claims(), None)  # a request reads the record (active) ...
    await gate.record(ADA, is_active=False)  # ... an admin deactivates the account ...
    await gate.fill(ADA, ACTIVE_USER, seen=before.seen)  # ... and the request fills what it read
    assert (await gate.read(claims(), None)).account == AccountFacts(
        is_active=False, role=Role.USER, tokens_valid_after=None
    )
    await gate.record(ADA, role=Role.ADMIN)
    assert (await gate.read(claims(), None)).account == AccountFacts(
        is_active=False, role=Role.ADMIN, tokens_valid_after=None
    )


async def test_the_cut_off_only_moves_forward(gate: RedisAccountGate) -> None:
    await gate.fill(ADA, ACTIVE_USER, seen=(await gate.read(claims(), None)).seen)
    later, earlier = datetime(2026, 12, 2, 12, tzinfo=UTC), datetime(2026, 12, 2, 11, tzinfo=UTC)
    await gate.record(ADA, tokens_valid_after=later)
    await gate.record(ADA, tokens_valid_after=earlier)
    found = (await gate.read(claims(), None)).account
    assert found is not None
    assert found.tokens_valid_after == later


async def test_a_half_written_entry_is_unknown_until_a_fill_completes_it(gate: RedisAccountGate) -> None:
    await gate.record(ADA, role=Role.ADMIN)  # no fill yet: only the role is known
    reading = await gate.read(claims(), None)
    assert reading.account is None
    await gate.fill(ADA, ACTIVE_USER, seen=reading.seen)
    assert (await gate.read(claims(), None)).account == AccountFacts(
        is_active=True, role=Role.ADMIN, tokens_valid_after=None
    )


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


async def test_the_budget_is_counted_in_the_same_look_up_under_the_limiters_key(
    gate: RedisAccountGate, redis: Redis, health: RedisHealth
) -> None:
    await RedisRateLimiter(redis, health).hit(BUDGET, ADA.value)  # counted elsewhere, same counter
    decisions = [(await gate.read(claims(), BUDGET)).budget for _ in range(3)]
    assert [(d.allowed, d.remaining) for d in decisions if d] == [(True, 1), (True, 0), (False, 0)]
    assert (await gate.read(claims(), None)).budget is None


async def test_redis_that_lost_its_data_knows_nobody_and_says_since_when_it_is_complete(
    gate: RedisAccountGate, redis: Redis
) -> None:
    await gate.fill(ADA, ACTIVE_USER, seen=(await gate.read(claims(), None)).seen)
    await gate.revoke(token_id="jti-1", session_id=SESSION, until=datetime.now(UTC) + timedelta(seconds=30))
    before = datetime.now(UTC) - timedelta(milliseconds=5)
    await redis.flushall()
    reading = await gate.read(claims(), None)
    assert reading.account is None
    assert not reading.revoked  # lost: the caller checks the session of any token older than ...
    assert reading.complete_since >= before  # ... this


async def test_a_fill_from_before_the_epoch_moved_is_not_stored(gate: RedisAccountGate, redis: Redis) -> None:
    reading = await gate.read(claims(), None)
    await cast("Awaitable[int]", redis.hincrby(EPOCH_KEY, "n", 1))
    await gate.fill(ADA, ACTIVE_USER, seen=reading.seen)
    assert (await gate.read(claims(), None)).account is None


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


async def test_a_stopped_redis_is_reported_as_unavailable_and_fills_and_writes_do_not_raise(
    own_redis: Child, gate: RedisAccountGate
) -> None:
    own_redis.stop()
    with pytest.raises(UnavailableError):
        await gate.read(claims(), BUDGET)
    with pytest.raises(UnavailableError):
        await gate.revoke(token_id="j", session_id=SESSION, until=datetime.now(UTC))
    await gate.fill(ADA, ACTIVE_USER, seen="1")
    await gate.record(ADA, is_active=False)


async def test_while_a_change_is_made_the_account_is_unknown_and_takes_no_fill(gate: RedisAccountGate) -> None:
    await gate.fill(ADA, ACTIVE_USER, seen=(await gate.read(claims(), None)).seen)
    await gate.begin(ADA)  # the record is about to change (and the process may die before it says how)
    changing = await gate.read(claims(), None)
    assert changing.account is None
    await gate.fill(ADA, ACTIVE_USER, seen=changing.seen)  # what a reader found in the record meanwhile
    assert (await gate.read(claims(), None)).account is None
    await gate.record(ADA, is_active=False)
    assert (await gate.read(claims(), None)).account == AccountFacts(
        is_active=False, role=Role.USER, tokens_valid_after=None
    )
