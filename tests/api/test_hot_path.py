"""A cache hit costs at most two Redis round trips and no MongoDB command (issue 14).

Counted on the real servers: MongoDB commands by a PyMongo command listener in the API's
process, Redis round trips by Redis's own MONITOR (commands a script runs inside Redis
are not round trips and are left out).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import cast

import httpx
import pytest
from pymongo import monitoring
from redis.asyncio import Redis

from taskflow.adapters.redis.epoch import EPOCH_KEY
from taskflow.entrypoints.processes import Child
from tests.api.conftest import Account, OwnRedisStack, create_task, new_account, stack_on_own_redis


@dataclass
class CommandCounter(monitoring.CommandListener):
    """Names of the commands any client made after its registration sends, while `armed`."""

    armed: bool = False
    seen: list[str] = field(default_factory=list)

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if self.armed:
            self.seen.append(event.command_name)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


@pytest.fixture(scope="session")
def command_counter() -> CommandCounter:
    counter = CommandCounter()
    monitoring.register(counter)  # clients made from now on report to it
    return counter


@asynccontextmanager
async def settled_stack(mongodb: Child, **overrides: object) -> AsyncIterator[OwnRedisStack]:
    """A stack whose Redis has been up a while: its epoch began long before any token of these tests.

    (A token issued just after Redis started, or lost its data, also has its session read.)
    """
    async with stack_on_own_redis(mongodb, **overrides) as own:
        redis = Redis.from_url(own.redis.url)
        try:
            await cast("Awaitable[int]", redis.hset(EPOCH_KEY, mapping={"n": 1, "at": 0}))
        finally:
            await redis.aclose()
        yield own


@pytest.fixture
async def stack(mongodb: Child, command_counter: CommandCounter) -> AsyncIterator[OwnRedisStack]:  # noqa: ARG001 - registered before the app's client is made
    async with settled_stack(mongodb) as own:
        yield own


@dataclass(frozen=True)
class Costs:
    status: int
    mongodb: list[str]
    redis: list[str]


async def costs(
    stack: OwnRedisStack, counter: CommandCounter, request: Callable[[], Awaitable[httpx.Response]]
) -> Costs:
    """What one request sent to MongoDB and to Redis."""
    marker = f"end of request {uuid.uuid4().hex}"
    watcher, marking = Redis.from_url(stack.redis.url), Redis.from_url(stack.redis.url)
    try:
        async with watcher.monitor() as monitor:
            counter.seen.clear()
            counter.armed = True
            try:
                response = await request()
            finally:
                counter.armed = False
            await marking.echo(marker)
            sent: list[str] = []
            async for command in monitor.listen():
                if command["command"] == f"ECHO {marker}":
                    break
                if command["client_type"] != "lua":
                    sent.append(str(command["command"]).split(" ", 1)[0])
    finally:
        await watcher.aclose()
        await marking.aclose()
    return Costs(response.status_code, list(counter.seen), sent)


async def _warm(client: httpx.AsyncClient, account: Account, path: str) -> None:
    for _ in range(2):  # the first fills the gate and the cache
        assert (await client.get(path, headers=account.auth)).status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/tasks/{id}", "/api/v1/tasks?limit=20", "/api/v1/tasks/stats"])
async def test_a_cache_hit_costs_two_redis_round_trips_and_no_mongodb_command(
    stack: OwnRedisStack, command_counter: CommandCounter, path: str
) -> None:
    async with httpx.AsyncClient(base_url=stack.url, timeout=10) as client:
        ada = await new_account(client)
        task = await create_task(client, ada)
        target = path.format(id=task["id"])
        await _warm(client, ada, target)
        hit = await costs(stack, command_counter, lambda: client.get(target, headers=ada.auth))
    assert hit.status == 200
    assert hit.mongodb == []
    assert hit.redis == ["EVALSHA", "EVALSHA"]  # the gate with the budget, then the cache


@pytest.mark.parametrize("path", ["/api/v1/tasks/{id}?project_id={project}", "/api/v1/tasks?project_id={project}"])
async def test_a_project_cache_hit_adds_one_redis_round_trip_for_the_membership_and_no_mongodb_command(
    stack: OwnRedisStack, command_counter: CommandCounter, path: str
) -> None:
    async with httpx.AsyncClient(base_url=stack.url, timeout=10) as client:
        ada = await new_account(client)
        project = (await client.post("/api/v1/projects", json={"name": "Home"}, headers=ada.auth)).json()
        task = await client.post("/api/v1/tasks", json={"title": "t", "project_id": project["id"]}, headers=ada.auth)
        target = path.format(id=task.json()["id"], project=project["id"])
        await _warm(client, ada, target)
        hit = await costs(stack, command_counter, lambda: client.get(target, headers=ada.auth))
    assert hit.status == 200
    assert hit.mongodb == []
    assert hit.redis == ["EVALSHA", "EVALSHA", "EVALSHA"]  # the gate, the membership, the cache


async def test_a_project_task_by_its_id_alone_adds_two_targeted_finds_to_its_cached_read(
    stack: OwnRedisStack, command_counter: CommandCounter
) -> None:
    """Decision 0039's cost: the caller's own place (a miss) and the directory; the task itself from the cache."""
    async with httpx.AsyncClient(base_url=stack.url, timeout=10) as client:
        ada = await new_account(client)
        project = (await client.post("/api/v1/projects", json={"name": "Home"}, headers=ada.auth)).json()
        task = await client.post("/api/v1/tasks", json={"title": "t", "project_id": project["id"]}, headers=ada.auth)
        target = f"/api/v1/tasks/{task.json()['id']}"
        await _warm(client, ada, target)
        hit = await costs(stack, command_counter, lambda: client.get(target, headers=ada.auth))
    assert hit.status == 200
    assert hit.mongodb == ["find", "find"]  # Ada's own place, by her id; the directory, by the task's
    # The gate, Ada's own place in the cache (a miss), the membership, the project's place in the cache.
    assert hit.redis == ["EVALSHA", "EVALSHA", "EVALSHA", "EVALSHA"]


async def test_a_miss_reads_mongodb_once_for_the_task_and_never_for_the_account(
    stack: OwnRedisStack, command_counter: CommandCounter
) -> None:
    async with httpx.AsyncClient(base_url=stack.url, timeout=10) as client:
        ada = await new_account(client)
        task = await create_task(client, ada)
        path = f"/api/v1/tasks/{task['id']}"
        await _warm(client, ada, path)
        await create_task(client, ada)  # a write drops Ada's entries
        miss = await costs(stack, command_counter, lambda: client.get(path, headers=ada.auth))
    assert miss.status == 200
    assert miss.mongodb == ["find"]
    assert miss.redis == ["EVALSHA", "EVALSHA", "EVALSHA"]  # gate, cache look-up, cache fill


async def test_the_first_request_of_a_token_reads_the_account_and_later_ones_do_not(
    stack: OwnRedisStack, command_counter: CommandCounter
) -> None:
    async with httpx.AsyncClient(base_url=stack.url, timeout=10) as client:
        ada = await new_account(client)
        first = await costs(stack, command_counter, lambda: client.get("/api/v1/tasks/stats", headers=ada.auth))
        again = await costs(stack, command_counter, lambda: client.get("/api/v1/tasks/stats", headers=ada.auth))
    assert first.status == again.status == 200
    assert first.mongodb.count("find") >= 1  # the account, and the figures
    assert again.mongodb == []


async def test_a_token_signed_as_the_epoch_began_reads_its_session_once_not_on_every_request(
    mongodb: Child, command_counter: CommandCounter
) -> None:
    """As after a Redis restart: every token in flight is older than the revocation list's start."""
    async with stack_on_own_redis(mongodb) as stack, httpx.AsyncClient(base_url=stack.url, timeout=10) as client:
        redis = Redis.from_url(stack.redis.url)
        try:  # the epoch begins now: the token below falls within its clock-skew margin
            now_ms = int(time.time() * 1000)
            await cast("Awaitable[int]", redis.hset(EPOCH_KEY, mapping={"n": 7, "at": now_ms}))
        finally:
            await redis.aclose()
        ada = await new_account(client)
        task = await create_task(client, ada)
        path = f"/api/v1/tasks/{task['id']}"
        await _warm(client, ada, path)
        hits = [await costs(stack, command_counter, lambda: client.get(path, headers=ada.auth)) for _ in range(3)]
        assert [hit.mongodb for hit in hits] == [[], [], []]  # the session was read once, during the warm-up
        assert (await client.post("/api/v1/auth/logout", headers=ada.auth)).status_code == 204
        assert (await client.get(path, headers=ada.auth)).status_code == 401  # revoked at once all the same


async def test_a_create_sends_one_mongodb_command_and_two_redis_scripts_and_queues_nothing(
    mongodb: Child, command_counter: CommandCounter
) -> None:
    """What a write costs the stores: the task, the gate and the cache bump; nothing is queued.

    Issue 14 asked whether anything of taskflow's besides the task ages the store: nothing does.
    The statistics job is the worker's now, a reaction to the change feed (issue 30): a write
    no longer queues it from the request.
    """
    async with (
        settled_stack(mongodb, stats_debounce_seconds=3600) as stack,
        httpx.AsyncClient(base_url=stack.url, timeout=10) as client,
    ):
        ada = await new_account(client)
        first = await costs(
            stack, command_counter, lambda: client.post("/api/v1/tasks", json={"title": "t"}, headers=ada.auth)
        )
        second = await costs(
            stack, command_counter, lambda: client.post("/api/v1/tasks", json={"title": "t"}, headers=ada.auth)
        )
    assert first.status == second.status == 201
    assert "insert" in first.mongodb  # with the account's first read
    assert second.mongodb == ["insert"]
    assert not {"WATCH", "MULTI", "EXEC", "ZADD"} & set(first.redis)  # no job queued (scripts load once)
    assert second.redis == ["EVALSHA", "EVALSHA"]
