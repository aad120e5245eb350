"""Cached reads through HTTP: hits and misses, read-your-writes tokens, and what the commands carry."""

from __future__ import annotations

import asyncio
import base64
import random
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from bson import Timestamp
from pymongo import monitoring
from redis.asyncio import Redis

from taskflow.adapters.stores.tasks.cache import EPOCH_KEY
from taskflow.entrypoints.processes import Child
from taskflow.settings import Settings
from tests.api.conftest import (
    Account,
    api_processes,
    assert_problem,
    cache_counter,
    cache_hits_and_misses,
    create_task,
    new_account,
    stack_on_own_redis,
)

TOKEN = "x-consistency-token"
PICK = random.Random(6)  # noqa: S311 - picks which process serves a request: varied, the same each run


async def test_a_second_read_is_a_hit_and_a_write_makes_the_next_one_a_miss(client: httpx.AsyncClient) -> None:
    ada = await new_account(client)
    task = await create_task(client, ada)
    reads = {
        "task": f"/api/v1/tasks/{task['id']}",
        "page": "/api/v1/tasks?limit=5&sort=-priority",
        "stats": "/api/v1/tasks/stats",
    }
    for kind, path in reads.items():
        before = await cache_hits_and_misses(client, kind)
        first = await client.get(path, headers=ada.auth)
        second = await client.get(path, headers=ada.auth)
        after_reads = await cache_hits_and_misses(client, kind)
        assert first.status_code == second.status_code == 200
        assert first.json() == second.json()
        assert (after_reads[0] - before[0], after_reads[1] - before[1]) == (1, 1), kind

    changed = await client.patch(reads["task"], json={"title": "Changed"}, headers=ada.auth)
    assert changed.status_code == 200
    before = await cache_hits_and_misses(client, "task")
    reread = await client.get(reads["task"], headers=ada.auth)
    after = await cache_hits_and_misses(client, "task")
    assert reread.json()["title"] == "Changed"
    assert after[1] - before[1] == 1  # the write dropped the entry: a miss, then fresh data
    listed = (await client.get(reads["page"], headers=ada.auth)).json()
    assert [item["title"] for item in listed["items"]] == ["Changed"]


FAR_FUTURE = b"\xff" * 8  # an entry's expiry prefix that has not passed
# Each turns the stored entry (expiry prefix + BSON) into one that must not be served.
MANGLED: dict[str, Callable[[bytes], bytes]] = {
    "empty": lambda _: b"",
    "expiry only": lambda _: b"\x00" * 8,
    "not bson": lambda _: FAR_FUTURE + b"not bson",
    "bson {}": lambda _: FAR_FUTURE + b"\x05\x00\x00\x00\x00",
    "expired": lambda entry: b"\x00" * 8 + entry[8:],  # intact task, expiry long past
}


@pytest.mark.parametrize("mangle", MANGLED.values(), ids=MANGLED.keys())
async def test_an_unreadable_or_expired_entry_is_a_miss_not_an_error(
    client: httpx.AsyncClient, settings: Settings, mangle: Callable[[bytes], bytes]
) -> None:
    ada = await new_account(client)
    task = await create_task(client, ada)
    path = f"/api/v1/tasks/{task['id']}"
    assert (await client.get(path, headers=ada.auth)).status_code == 200  # cached now
    redis = Redis.from_url(settings.redis_url)
    try:
        entries = f"taskflow:cache:entries:{ada.id}"
        stored = await redis.hget(entries, f"own/task:{task['id']}")
        assert stored is not None
        await redis.hset(entries, f"own/task:{task['id']}", mangle(stored))
    finally:
        await redis.aclose()
    before = await cache_hits_and_misses(client, "task")
    read = await client.get(path, headers=ada.auth)
    after = await cache_hits_and_misses(client, "task")
    assert read.status_code == 200
    assert read.json() == task
    assert after[1] - before[1] == 1


async def test_a_cached_task_stays_invisible_to_another_user(client: httpx.AsyncClient) -> None:
    ada, bob = await new_account(client), await new_account(client)
    task = await create_task(client, ada)
    path = f"/api/v1/tasks/{task['id']}"
    assert (await client.get(path, headers=ada.auth)).status_code == 200  # now cached for Ada
    assert (await client.get(path, headers=ada.auth)).status_code == 200
    assert_problem(await client.get(path, headers=bob.auth), 404, "task-not-found")
    assert (await client.get("/api/v1/tasks", headers=bob.auth)).json()["items"] == []
    assert (await client.get("/api/v1/tasks/stats", headers=bob.auth)).json()["total"] == 0
    for write in (
        client.patch(path, json={"title": "Bob's now"}, headers=bob.auth),
        client.delete(path, headers=bob.auth),
    ):
        assert_problem(await write, 404, "task-not-found")
    assert (await client.get(path, headers=ada.auth)).json()["title"] == "Write the report"


async def test_writes_answer_a_consistency_token_that_reads_accept(client: httpx.AsyncClient) -> None:
    ada = await new_account(client)
    created = await client.post("/api/v1/tasks", json={"title": "t"}, headers=ada.auth)
    path = created.headers["location"]
    changed = await client.patch(path, json={"title": "u"}, headers=ada.auth)
    assert created.headers[TOKEN] != changed.headers[TOKEN]
    read = await client.get(path, headers={**ada.auth, TOKEN: changed.headers[TOKEN]})
    assert read.status_code == 200
    assert read.json()["title"] == "u"
    assert TOKEN not in read.headers  # reads write nothing
    removed = await client.delete(path, headers={**ada.auth, TOKEN: created.headers[TOKEN]})
    assert removed.status_code == 204
    assert TOKEN in removed.headers


@pytest.mark.parametrize(
    "presented",
    ["garbage", "", "a.b", "x" * 2000, "tampered"],
)
async def test_a_token_this_api_did_not_hand_out_is_a_400(client: httpx.AsyncClient, presented: str) -> None:
    ada = await new_account(client)
    created = await client.post("/api/v1/tasks", json={"title": "t"}, headers=ada.auth)
    if presented == "tampered":
        payload, _, mac = created.headers[TOKEN].partition(".")
        raw = bytearray(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        raw[7] ^= 1  # a later cluster time than the write's
        presented = base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=") + "." + mac
    for request in (
        client.get("/api/v1/tasks", headers={**ada.auth, TOKEN: presented}),
        client.get(created.headers["location"], headers={**ada.auth, TOKEN: presented}),
        client.post("/api/v1/tasks", json={"title": "not stored"}, headers={**ada.auth, TOKEN: presented}),
    ):
        body = assert_problem(await request, 400, "invalid-consistency-token")
        assert "X-Consistency-Token" in str(body["detail"])
    listed = (await client.get("/api/v1/tasks", headers=ada.auth)).json()["items"]
    assert [item["title"] for item in listed] == ["t"]  # the refused write stored nothing


async def test_openapi_documents_the_token_on_task_routes(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    listing, one = paths["/api/v1/tasks"], paths["/api/v1/tasks/{task_id}"]
    for operation in (listing["get"], listing["post"], one["get"], one["patch"], one["delete"]):
        assert any(p["name"] == "X-Consistency-Token" and p["in"] == "header" for p in operation["parameters"])
    for operation in (listing["post"], one["patch"], one["delete"]):
        success = next(iter(operation["responses"].values()))
        assert "X-Consistency-Token" in success["headers"]


@dataclass
class CommandLog(monitoring.CommandListener):
    """Commands on one database, with the operationTime each write was answered."""

    database: str
    started_commands: list[dict[str, Any]] = field(default_factory=list)
    write_times: list[Timestamp] = field(default_factory=list)

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.database_name == self.database:
            self.started_commands.append(dict(event.command))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        if event.database_name == self.database and event.command_name in {"insert", "update", "delete"}:
            self.write_times.append(event.reply["operationTime"])

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass

    def reads_of_tasks(self) -> list[dict[str, Any]]:
        return [
            command
            for command in self.started_commands
            if command.get("find") == "tasks" or command.get("aggregate") == "tasks"
        ]


@dataclass
class ObservedStack:
    client: httpx.AsyncClient
    log: CommandLog
    redis: Child


@pytest.fixture
async def observed(mongodb: Child) -> AsyncIterator[ObservedStack]:
    """An API on its own Redis whose task commands this test sees."""
    log = CommandLog(f"test_{uuid.uuid4().hex[:12]}")
    monitoring.register(log)  # global, but it records this test's database only
    async with (
        stack_on_own_redis(mongodb, mongodb_database=log.database) as stack,
        httpx.AsyncClient(base_url=stack.url, timeout=10) as client,
    ):
        yield ObservedStack(client, log, stack.redis)


async def _settle_epoch(redis_url: str) -> None:
    """As if Redis had been up longer than a secondary may lag: reads may use secondaries."""
    redis = Redis.from_url(redis_url)
    try:
        await redis.hset(EPOCH_KEY, mapping={"n": 1, "at": 0})
    finally:
        await redis.aclose()


async def test_after_a_write_the_users_reads_wait_for_it_on_any_member(observed: ObservedStack) -> None:
    await _settle_epoch(observed.redis.url)
    client, log = observed.client, observed.log
    ada = await new_account(client)
    created = await create_task(client, ada)
    written_at = log.write_times[-1]
    log.started_commands.clear()
    for path in (f"/api/v1/tasks/{created['id']}", "/api/v1/tasks", "/api/v1/tasks/stats"):
        assert (await client.get(path, headers=ada.auth)).status_code == 200
    reads = log.reads_of_tasks()
    assert len(reads) == 3
    for read in reads:
        assert read["readConcern"]["level"] == "majority"
        assert read["readConcern"]["afterClusterTime"] >= written_at
        assert read["$readPreference"]["mode"] == "secondaryPreferred"


async def test_a_presented_token_carries_a_write_to_another_users_reads(observed: ObservedStack) -> None:
    await _settle_epoch(observed.redis.url)
    client, log = observed.client, observed.log
    ada, bob = await new_account(client), await new_account(client)
    created = await client.post("/api/v1/tasks", json={"title": "t"}, headers=ada.auth)
    written_at = log.write_times[-1]
    log.started_commands.clear()
    listed = await client.get("/api/v1/tasks", headers={**bob.auth, TOKEN: created.headers[TOKEN]})
    assert listed.status_code == 200
    (read,) = log.reads_of_tasks()
    assert read["readConcern"]["afterClusterTime"] >= written_at


async def test_reads_go_to_the_primary_while_the_users_last_write_is_unknown(observed: ObservedStack) -> None:
    client, log = observed.client, observed.log
    ada = await new_account(client)
    created = await create_task(client, ada)
    path = f"/api/v1/tasks/{created['id']}"
    log.started_commands.clear()
    assert (await client.get(path, headers=ada.auth)).status_code == 200  # Redis just started: young epoch
    observed.redis.stop()
    assert (await client.get(path, headers=ada.auth)).status_code == 200  # Redis gone
    assert (await client.get("/api/v1/tasks", headers=ada.auth)).status_code == 200
    reads = log.reads_of_tasks()
    assert len(reads) == 3
    for read in reads:
        assert read["$readPreference"]["mode"] == "primaryPreferred"  # a secondary only while there is no primary
        assert "afterClusterTime" not in read.get("readConcern", {})


@dataclass
class Tally:
    checked: int = 0
    stale: list[str] = field(default_factory=list)


async def _writer(processes: list[httpx.AsyncClient], account: Account, task_id: str, tally: Tally) -> None:
    """Each 2xx write, then a read through another process: it must show the write."""
    path = f"/api/v1/tasks/{task_id}"
    for n in range(40):
        writer, reader = PICK.sample(processes, 2)
        title = f"version {n}"
        changed = await writer.patch(path, json={"title": title}, headers=account.auth)
        assert changed.status_code == 200, changed.text
        one = (await reader.get(path, headers=account.auth)).json()
        listed = (await reader.get("/api/v1/tasks?limit=5&sort=-updated_at", headers=account.auth)).json()["items"]
        stats = (await reader.get("/api/v1/tasks/stats", headers=account.auth)).json()
        created = await writer.post("/api/v1/tasks", json={"title": f"new {n}"}, headers=account.auth)
        assert created.status_code == 201, created.text
        newest = (await reader.get("/api/v1/tasks?limit=1", headers=account.auth)).json()["items"]
        tally.checked += 1
        if one["title"] != title or listed[0]["title"] != title:
            tally.stale.append(f"{account.email} wrote {title!r}, read {one['title']!r} / {listed}")
        if stats["total"] != n + 1 or newest[0]["id"] != created.json()["id"]:
            tally.stale.append(f"{account.email} created {n + 1}, stats {stats['total']}, newest {newest}")


async def _reader(processes: list[httpx.AsyncClient], account: Account, task_id: str, stop: asyncio.Event) -> None:
    """Keeps filling the same entries while the writer writes, to race its invalidations."""
    while not stop.is_set():
        process = PICK.choice(processes)
        await process.get(f"/api/v1/tasks/{task_id}", headers=account.auth)
        await process.get("/api/v1/tasks?limit=5&sort=-updated_at", headers=account.auth)
        await process.get("/api/v1/tasks/stats", headers=account.auth)


@pytest.fixture
def three_api_processes(settings: Settings) -> Iterator[list[str]]:
    with api_processes(settings, count=3) as urls:
        yield urls


async def test_after_a_2xx_write_the_writers_next_read_is_never_stale_on_any_process(
    three_api_processes: list[str],
) -> None:
    clients = [httpx.AsyncClient(base_url=url, timeout=10) for url in three_api_processes]
    try:
        accounts = [await new_account(clients[0]) for _ in range(3)]
        tasks = [await create_task(clients[0], account, title="version start") for account in accounts]
        tally, stop = Tally(), asyncio.Event()
        readers = [
            asyncio.create_task(_reader(clients, account, task["id"], stop))
            for account, task in zip(accounts, tasks, strict=True)
            for _ in range(2)
        ]
        await asyncio.gather(
            *(_writer(clients, account, task["id"], tally) for account, task in zip(accounts, tasks, strict=True))
        )
        stop.set()
        await asyncio.gather(*readers)
        hits = 0.0
        for process in clients:
            text = (await process.get("/metrics")).text
            hits += sum(cache_counter(text, "taskflow_cache_hits_total", kind) for kind in ("task", "page", "stats"))
    finally:
        for process in clients:
            await process.aclose()
    assert tally.checked == 3 * 40
    assert tally.stale == []
    assert hits > 0  # the readers were answered from the cache too: the race was run
