"""One suite for a durable consumer's lease and checkpoint: the in-memory state and MongoDB's alike."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from taskflow.adapters.mongo.change_consumers import MongoConsumerState
from taskflow.domain.changes.consumer import Claim, ConsumerState
from taskflow.domain.changes.feed import FeedPosition
from tests.conftest import MEMORY
from tests.contract.conftest import memory_or_mongo
from tests.fakes.changes import InMemoryConsumerState

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
LEASE = timedelta(seconds=10)
AT = FeedPosition(1_800_000_000, 3, "token-3")


@pytest.fixture(params=[MEMORY, "mongo"])
async def state(request: pytest.FixtureRequest) -> AsyncIterator[ConsumerState]:
    async with memory_or_mongo(request, "consumers", InMemoryConsumerState, MongoConsumerState) as store:
        yield store


async def test_a_free_lease_is_taken_with_no_checkpoint_and_then_refused_to_another(state: ConsumerState) -> None:
    assert await state.claim("changes", "one", now=NOW, until=NOW + LEASE) == Claim(NOW + LEASE, None)
    assert await state.claim("changes", "two", now=NOW + LEASE / 2, until=NOW + LEASE * 1.5) is None
    assert await state.claim("other consumer", "two", now=NOW, until=NOW + LEASE) is not None  # a lease per consumer


async def test_the_holder_renews_and_moves_the_checkpoint_and_another_takes_over_where_it_was(
    state: ConsumerState,
) -> None:
    await state.claim("changes", "one", now=NOW, until=NOW + LEASE)
    renewed = await state.claim("changes", "one", now=NOW + LEASE / 2, until=NOW + LEASE * 1.5)
    assert renewed == Claim(NOW + LEASE * 1.5, None)
    assert await state.advance("changes", "one", AT)
    assert await state.claim("changes", "two", now=NOW + LEASE, until=NOW + LEASE * 2) is None  # still renewed
    taken = await state.claim("changes", "two", now=NOW + LEASE * 1.5, until=NOW + LEASE * 2.5)  # ran out
    assert taken == Claim(NOW + LEASE * 2.5, AT)


async def test_a_holder_that_lost_the_lease_moves_nothing(state: ConsumerState) -> None:
    await state.claim("changes", "one", now=NOW, until=NOW + LEASE)
    await state.claim("changes", "two", now=NOW + LEASE, until=NOW + LEASE * 2)
    assert not await state.advance("changes", "one", AT)
    assert await state.claim("changes", "two", now=NOW + LEASE, until=NOW + LEASE * 2) == Claim(NOW + LEASE * 2, None)


async def test_a_released_lease_is_free_at_once(state: ConsumerState) -> None:
    await state.claim("changes", "one", now=NOW, until=NOW + LEASE)
    await state.advance("changes", "one", AT)
    await state.release("changes", "two")  # not the holder's to release: nothing happens
    assert await state.claim("changes", "two", now=NOW, until=NOW + LEASE) is None
    await state.release("changes", "one")
    assert await state.claim("changes", "two", now=NOW, until=NOW + LEASE) == Claim(NOW + LEASE, AT)
