"""Idempotency rules, on the in-memory store and a frozen clock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from taskflow.domain.errors import IdempotencyKeyReusedError, InvalidValueError, RequestInProgressError
from taskflow.domain.ports.idempotency import RecordedResponse
from taskflow.domain.services.idempotency import IdempotencyService
from taskflow.domain.values import UserId
from tests.fakes.idempotency import InMemoryIdempotencyStore
from tests.fakes.time_and_ids import FrozenClock

ADA, BOB = UserId("a" * 24), UserId("b" * 24)
CREATED = RecordedResponse(status=201, headers=(("location", "/x"),), body=b'{"id":"x"}')


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def service(clock: FrozenClock) -> IdempotencyService:
    return IdempotencyService(
        InMemoryIdempotencyStore(), clock, retention=timedelta(hours=24), request_deadline=timedelta(seconds=10)
    )


async def test_the_first_request_runs_and_its_retries_get_its_answer(service: IdempotencyService) -> None:
    assert await service.begin(ADA, "k1", "request") is None
    await service.finish(ADA, "k1", CREATED)
    assert await service.begin(ADA, "k1", "request") == CREATED
    assert await service.begin(ADA, "k1", "request") == CREATED


async def test_another_request_with_the_key_is_refused(service: IdempotencyService) -> None:
    assert await service.begin(ADA, "k1", "request") is None
    await service.finish(ADA, "k1", CREATED)
    with pytest.raises(IdempotencyKeyReusedError) as refused:
        await service.begin(ADA, "k1", "another request")
    assert refused.value.field == "Idempotency-Key"


async def test_a_retry_while_the_first_runs_is_told_to_wait(service: IdempotencyService) -> None:
    assert await service.begin(ADA, "k1", "request") is None
    with pytest.raises(RequestInProgressError):
        await service.begin(ADA, "k1", "request")
    with pytest.raises(IdempotencyKeyReusedError):  # another request is refused outright
        await service.begin(ADA, "k1", "another request")


async def test_an_abandoned_key_runs_the_next_request(service: IdempotencyService) -> None:
    assert await service.begin(ADA, "k1", "bad request") is None
    await service.abandon(ADA, "k1")
    assert await service.begin(ADA, "k1", "corrected request") is None


async def test_a_dead_first_request_holds_the_key_only_for_its_lease(
    service: IdempotencyService, clock: FrozenClock
) -> None:
    assert await service.begin(ADA, "k1", "request") is None
    clock.advance(seconds=14)
    with pytest.raises(RequestInProgressError):
        await service.begin(ADA, "k1", "request")
    clock.advance(seconds=1)
    with pytest.raises(IdempotencyKeyReusedError):
        await service.begin(ADA, "k1", "another request")
    assert await service.begin(ADA, "k1", "request") is None  # the same request takes over
    with pytest.raises(RequestInProgressError):
        await service.begin(ADA, "k1", "request")


async def test_keys_are_per_user_and_expire(service: IdempotencyService, clock: FrozenClock) -> None:
    assert await service.begin(ADA, "k1", "request") is None
    await service.finish(ADA, "k1", CREATED)
    assert await service.begin(BOB, "k1", "request") is None
    clock.advance(hours=24)
    assert await service.begin(ADA, "k1", "another request") is None


@pytest.mark.parametrize("key", ["", "x" * 256, "é", "with space", "tab\t"])
async def test_keys_are_visible_ascii_up_to_255(service: IdempotencyService, key: str) -> None:
    with pytest.raises(InvalidValueError) as refused:
        await service.begin(ADA, key, "request")
    assert refused.value.field == "Idempotency-Key"
    assert await service.begin(ADA, "x" * 255, "request") is None
