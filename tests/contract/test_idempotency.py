"""What every IdempotencyStore does, in memory and on MongoDB alike."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from taskflow.domain.ports.idempotency import RecordedResponse
from taskflow.domain.values import UserId
from tests.contract.conftest import Repositories

NOW = datetime(2026, 3, 1, 9, tzinfo=UTC)
ADA, BOB = UserId("a" * 24), UserId("b" * 24)
LEASE, DAY = NOW + timedelta(minutes=1), NOW + timedelta(days=1)
ANSWER = RecordedResponse(
    status=201, headers=(("content-type", "application/json"), ("etag", '"1"')), body=b'{"t":"\xc3\xa9\x00"}'
)


async def test_the_first_claim_holds_the_key_and_later_ones_see_it(repositories: Repositories) -> None:
    store = repositories.idempotency
    assert await store.claim(ADA, "k", "f1", now=NOW, lease_until=LEASE, expires_at=DAY) is None
    held = await store.claim(ADA, "k", "f2", now=NOW, lease_until=LEASE, expires_at=DAY)
    assert held is not None
    assert (held.fingerprint, held.response, held.lease_until) == ("f1", None, LEASE)
    assert await store.claim(BOB, "k", "f2", now=NOW, lease_until=LEASE, expires_at=DAY) is None


async def test_a_completed_answer_reads_back_byte_for_byte(repositories: Repositories) -> None:
    store = repositories.idempotency
    await store.claim(ADA, "k", "f1", now=NOW, lease_until=LEASE, expires_at=DAY)
    await store.complete(ADA, "k", ANSWER)
    await store.release(ADA, "k")  # a completed key is not released
    held = await store.claim(ADA, "k", "f1", now=NOW + timedelta(hours=2), lease_until=LEASE, expires_at=DAY)
    assert held is not None
    assert held.response == ANSWER


async def test_a_released_key_can_be_claimed_again(repositories: Repositories) -> None:
    store = repositories.idempotency
    await store.claim(ADA, "k", "f1", now=NOW, lease_until=LEASE, expires_at=DAY)
    await store.release(ADA, "k")
    assert await store.claim(ADA, "k", "f2", now=NOW, lease_until=LEASE, expires_at=DAY) is None


async def test_only_the_same_request_takes_over_an_expired_lease(repositories: Repositories) -> None:
    store = repositories.idempotency
    await store.claim(ADA, "k", "f1", now=NOW, lease_until=LEASE, expires_at=DAY)
    later = LEASE + timedelta(seconds=1)
    assert await store.claim(ADA, "k", "f2", now=later, lease_until=later + timedelta(minutes=1), expires_at=DAY)
    assert (
        await store.claim(ADA, "k", "f1", now=later, lease_until=later + timedelta(minutes=1), expires_at=DAY) is None
    )
    again = await store.claim(ADA, "k", "f1", now=later, lease_until=later, expires_at=DAY)
    assert again is not None
    assert again.lease_until == later + timedelta(minutes=1)


async def test_of_racing_claims_exactly_one_holds_the_key(repositories: Repositories) -> None:
    store = repositories.idempotency
    results = await asyncio.gather(
        *(store.claim(ADA, "race", "f", now=NOW, lease_until=LEASE, expires_at=DAY) for _ in range(8))
    )
    assert sum(result is None for result in results) == 1
