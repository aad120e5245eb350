"""The gates under test, in memory or on a Redis of their own, with the levers their contract needs."""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar, cast

from redis.asyncio import Redis

from taskflow.adapters.redis.client import connect as connect_redis
from taskflow.adapters.redis.epoch import EPOCH_KEY, Epoch
from taskflow.adapters.redis_failures import RedisHealth
from taskflow.entrypoints.processes import Child, start_redis

G = TypeVar("G")


@dataclass
class Levers(Generic[G]):
    """A gate, and what happens to the store behind it.

    `move_epoch`: another process could not write a change through and moved the epoch.
    `lose_data`: the store came back empty. `outage`: for its duration the store answers
    nothing (a frozen Redis), then answers again. `stop`: the store is gone.
    """

    gate: G
    move_epoch: Callable[[], Awaitable[object]]
    lose_data: Callable[[], Awaitable[object]]
    outage: Callable[[], AbstractAsyncContextManager[None]]
    stop: Callable[[], Awaitable[object]]


class FakeStore(Protocol):
    """What the in-memory gates play a store's fate with."""

    epoch: int
    down: bool

    def lose_data(self) -> None: ...


def fake_levers(
    fake: FakeStore,
) -> tuple[
    Callable[[], Awaitable[None]],
    Callable[[], Awaitable[None]],
    Callable[[], AbstractAsyncContextManager[None]],
    Callable[[], Awaitable[None]],
]:
    """`move_epoch`, `lose_data`, `outage` and `stop` for an in-memory gate."""

    async def move_epoch() -> None:
        fake.epoch += 1

    async def lose_data() -> None:
        fake.lose_data()

    @asynccontextmanager
    async def outage() -> AsyncIterator[None]:
        fake.down = True
        try:
            yield
        finally:
            fake.down = False

    async def stop() -> None:
        fake.down = True

    return move_epoch, lose_data, outage, stop


@dataclass
class OwnRedis:
    """A Redis for one test, with a client whose short timeout makes a frozen server fail fast."""

    server: Child
    client: Redis
    epoch: Epoch

    async def move_epoch(self) -> None:
        await cast("Awaitable[int]", self.client.hincrby(EPOCH_KEY, "n", 1))

    async def lose_data(self) -> None:
        await self.client.flushall()

    @asynccontextmanager
    async def outage(self) -> AsyncIterator[None]:
        self.server.process.send_signal(signal.SIGSTOP)
        try:
            yield
        finally:
            self.server.process.send_signal(signal.SIGCONT)

    async def stop(self) -> None:
        self.server.stop()


@asynccontextmanager
async def own_redis() -> AsyncIterator[OwnRedis]:
    server = start_redis(data_dir=None)
    client = connect_redis(server.url, timeout_seconds=0.3)
    try:
        yield OwnRedis(server, client, Epoch(client, RedisHealth()))
    finally:
        await client.aclose()
        server.stop()
