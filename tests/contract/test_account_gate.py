"""One suite for the account gate: the in-memory fake and Redis keep the same rules (decision 0024)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from taskflow.adapters.clock import SystemClock
from taskflow.adapters.redis.account_gate import RedisAccountGate
from taskflow.adapters.redis.ratelimit import LocalRateLimiter, RedisRateLimiter
from taskflow.adapters.redis_failures import RedisHealth
from taskflow.domain.errors import UnavailableError
from taskflow.domain.ports.gates import AccountFacts, AccountGate
from taskflow.domain.ports.security import RateLimiter, RateRule, TokenClaims
from taskflow.domain.values import Role, SessionId, UserId
from tests.conftest import MEMORY
from tests.contract.gates import Levers, fake_levers, own_redis
from tests.fakes.gates import InMemoryAccountGate

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


@dataclass
class Subject(Levers[AccountGate]):
    limiter: RateLimiter


@pytest.fixture(params=[MEMORY, "redis"])
async def subject(request: pytest.FixtureRequest) -> AsyncIterator[Subject]:
    if request.param == MEMORY:
        limiter = LocalRateLimiter(clock=time.time)
        fake = InMemoryAccountGate(SystemClock(), limiter)

        yield Subject(fake, *fake_levers(fake), limiter)
        return
    async with own_redis() as redis:
        yield Subject(
            RedisAccountGate(redis.client, redis.epoch, SystemClock()),
            redis.move_epoch,
            redis.lose_data,
            redis.outage,
            redis.stop,
            RedisRateLimiter(redis.client, RedisHealth()),
        )


async def test_an_unknown_account_is_learned_by_a_fill_and_then_known(subject: Subject) -> None:
    gate = subject.gate
    first = await gate.read(claims(), None)
    assert first.account is None
    await gate.fill(ADA, ACTIVE_USER, seen=first.seen)
    assert (await gate.read(claims(), None)).account == ACTIVE_USER


async def test_a_written_change_is_read_at_once_and_a_late_fill_cannot_undo_it(subject: Subject) -> None:
    gate = subject.gate
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


async def test_the_cut_off_only_moves_forward(subject: Subject) -> None:
    gate = subject.gate
    await gate.fill(ADA, ACTIVE_USER, seen=(await gate.read(claims(), None)).seen)
    later, earlier = datetime(2026, 12, 2, 12, tzinfo=UTC), datetime(2026, 12, 2, 11, tzinfo=UTC)
    await gate.record(ADA, tokens_valid_after=later)
    await gate.record(ADA, tokens_valid_after=earlier)
    found = (await gate.read(claims(), None)).account
    assert found is not None
    assert found.tokens_valid_after == later


async def test_a_half_written_entry_is_unknown_until_a_fill_completes_it(subject: Subject) -> None:
    gate = subject.gate
    await gate.record(ADA, role=Role.ADMIN)  # no fill yet: only the role is known
    reading = await gate.read(claims(), None)
    assert reading.account is None
    await gate.fill(ADA, ACTIVE_USER, seen=reading.seen)
    assert (await gate.read(claims(), None)).account == AccountFacts(
        is_active=True, role=Role.ADMIN, tokens_valid_after=None
    )


async def test_revocations_are_read_with_the_facts_and_end_with_the_tokens_they_revoke(subject: Subject) -> None:
    gate = subject.gate
    other = SessionId("2" * 32)
    await gate.revoke(token_id="jti-1", session_id=SESSION, until=datetime.now(UTC) + timedelta(seconds=0.5))
    assert (await gate.read(claims(token_id="jti-1", session_id=other), None)).revoked
    assert (await gate.read(claims(token_id="jti-2", session_id=SESSION), None)).revoked
    assert not (await gate.read(claims(token_id="jti-2", session_id=other), None)).revoked
    await asyncio.sleep(0.6)
    assert not (await gate.read(claims(token_id="jti-1", session_id=SESSION), None)).revoked


async def test_the_budget_is_counted_in_the_same_look_up_as_the_limiter_counts_it(subject: Subject) -> None:
    await subject.limiter.hit(BUDGET, ADA.value)  # counted elsewhere, same counter
    decisions = [(await subject.gate.read(claims(), BUDGET)).budget for _ in range(3)]
    assert [(d.allowed, d.remaining) for d in decisions if d] == [(True, 1), (True, 0), (False, 0)]
    assert (await subject.gate.read(claims(), None)).budget is None


async def test_a_gate_that_lost_its_data_knows_nobody_and_says_since_when_it_is_complete(subject: Subject) -> None:
    gate = subject.gate
    await gate.fill(ADA, ACTIVE_USER, seen=(await gate.read(claims(), None)).seen)
    await gate.revoke(token_id="jti-1", session_id=SESSION, until=datetime.now(UTC) + timedelta(seconds=30))
    before = datetime.now(UTC) - timedelta(milliseconds=5)
    await subject.lose_data()
    reading = await gate.read(claims(), None)
    assert reading.account is None
    assert not reading.revoked  # lost: the caller checks the session of any token older than ...
    assert reading.complete_since >= before  # ... this


async def test_a_session_found_live_is_vouched_for_until_the_gate_changes_or_the_time_is_up(subject: Subject) -> None:
    gate = subject.gate
    other, soon = SessionId("2" * 32), datetime.now(UTC) + timedelta(seconds=0.5)
    first = await gate.read(claims(), None)
    assert not first.session_checked
    await gate.vouch(SESSION, seen=first.seen, until=datetime.now(UTC) + timedelta(minutes=15))
    await gate.vouch(other, seen=first.seen, until=soon)
    assert (await gate.read(claims(token_id="jti-2"), None)).session_checked  # any token of the session
    assert (await gate.read(claims(session_id=other), None)).session_checked
    await asyncio.sleep(0.6)
    assert not (await gate.read(claims(session_id=other), None)).session_checked  # its time is up
    await subject.move_epoch()
    moved = await gate.read(claims(), None)
    assert not moved.session_checked  # another epoch: looked at again
    await gate.vouch(SESSION, seen=first.seen, until=datetime.now(UTC) + timedelta(minutes=15))  # a late one
    assert not (await gate.read(claims(), None)).session_checked
    await gate.vouch(SESSION, seen=moved.seen, until=datetime.now(UTC) + timedelta(minutes=15))
    assert (await gate.read(claims(), None)).session_checked
    await subject.lose_data()
    assert not (await gate.read(claims(), None)).session_checked


async def test_a_fill_from_before_the_epoch_moved_is_not_stored(subject: Subject) -> None:
    reading = await subject.gate.read(claims(), None)
    await subject.move_epoch()
    await subject.gate.fill(ADA, ACTIVE_USER, seen=reading.seen)
    assert (await subject.gate.read(claims(), None)).account is None


async def test_a_change_the_gate_could_not_take_voids_what_it_held_once_it_answers(subject: Subject) -> None:
    gate = subject.gate
    await gate.fill(ADA, ACTIVE_USER, seen=(await gate.read(claims(), None)).seen)
    async with subject.outage():
        with pytest.raises(UnavailableError):
            await gate.read(claims(), None)
        await gate.record(ADA, is_active=False)  # never raises: the gate owes an epoch change
    # Whatever the store did with the write, the facts from before it no longer count.
    assert (await gate.read(claims(), None)).account is None


async def test_a_gone_store_is_unavailable_for_reads_and_revocations_and_fills_and_writes_do_not_raise(
    subject: Subject,
) -> None:
    gate = subject.gate
    await subject.stop()
    with pytest.raises(UnavailableError):
        await gate.read(claims(), BUDGET)
    with pytest.raises(UnavailableError):
        await gate.revoke(token_id="j", session_id=SESSION, until=datetime.now(UTC))
    await gate.fill(ADA, ACTIVE_USER, seen="1")
    await gate.begin(ADA)
    await gate.record(ADA, is_active=False)


async def test_while_a_change_is_made_the_account_is_unknown_and_takes_no_fill(subject: Subject) -> None:
    gate = subject.gate
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
