"""Transient database failures, made with SecantusDB's own levers, never surface as a 500.

Each test arms `failCommand` for the API's client only (`appName: taskflow`) or steps the
member down, on a SecantusDB of this module's own. Its URI asks for a heartbeat every
0.5 s: a fail point changes no topology, so a real set's prompt "new primary" news never
comes and the driver would otherwise wait out the default 10 s heartbeat (decision 0018).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Coroutine, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from bson import ObjectId
from pymongo import AsyncMongoClient, ReadPreference, monitoring
from pymongo.read_concern import ReadConcern

from taskflow.entrypoints.migration import migrate
from taskflow.entrypoints.processes import Child
from taskflow.settings import Settings
from tests.api.conftest import Account, assert_problem, consuming_worker, new_account, serve
from tests.api.shard_key_guard import TEST_HOUSEKEEPING
from tests.conftest import make_settings, proxy_server_timeout_seconds, secantus_for_tests
from tests.event_streams import event_stream

TASKS = "/api/v1/tasks"
DEADLINE = 2.0
# What "in time" means: before the proxy in front would give up on the request (a 504).
PROXY_TIMEOUT = proxy_server_timeout_seconds()

Raw = dict[str, Any]


@dataclass
class FailedInserts(monitoring.CommandListener):
    """Inserts the server refused or cut off, per database: proof that a fail point fired."""

    database: str
    codes: list[int | None] = field(default_factory=list)
    collections: list[str] = field(default_factory=list)
    """The collection of each insert acknowledged with a write concern error."""
    _inserting: dict[int, str] = field(default_factory=dict)

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.database_name == self.database and event.command_name == "insert":
            self._inserting[event.request_id] = str(event.command["insert"])

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        collection = self._inserting.pop(event.request_id, "")
        if event.database_name == self.database and event.command_name == "insert":
            error = event.reply.get("writeConcernError")
            if error is not None:
                self.codes.append(error.get("code"))
                self.collections.append(collection)

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        self._inserting.pop(event.request_id, None)
        if event.database_name == self.database and event.command_name == "insert":
            self.codes.append(event.failure.get("code") if isinstance(event.failure, dict) else None)


@dataclass
class ChangeStreamOpenings(monitoring.CommandListener):
    """Each change stream this process opens on `database`, and whether it resumed from a token."""

    database: str
    resumed: list[bool] = field(default_factory=list)

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.database_name != self.database or event.command_name != "aggregate":
            return
        stage = (event.command.get("pipeline") or [{}])[0].get("$changeStream")
        if stage is not None:
            self.resumed.append("resumeAfter" in stage or "startAfter" in stage)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


@dataclass
class FaultyStack:
    url: str
    admin: AsyncMongoClient[Raw]  # straight to the member, for fail points and step-downs
    database_name: str
    failed_inserts: FailedInserts
    settings: Settings
    change_streams: ChangeStreamOpenings

    def tasks(self) -> Any:
        """Read as the history is judged: the primary, majority-committed."""
        return self.admin[self.database_name].get_collection(
            "tasks", read_preference=ReadPreference.PRIMARY, read_concern=ReadConcern("majority")
        )

    async def task_ids(self, account: Account) -> list[str]:
        return [str(task["_id"]) for task in await self.tasks().find({"user_id": ObjectId(account.id)}).to_list()]

    async def titles(self, account: Account) -> list[str]:
        found = await self.tasks().find({"user_id": ObjectId(account.id)}).to_list()
        return sorted(task["title"] for task in found)

    @asynccontextmanager
    async def fail_point(self, mode: str | Raw, **data: object) -> AsyncIterator[None]:
        await self.admin.admin.command(
            {"configureFailPoint": "failCommand", "mode": mode, "data": {"appName": "taskflow", **data}}
        )
        try:
            yield
        finally:
            await self.admin.admin.command({"configureFailPoint": "failCommand", "mode": "off"})


@pytest.fixture(scope="module")
def faulty_mongodb(service_log: Path) -> Iterator[Child]:
    with secantus_for_tests(service_log) as child:
        yield child


@pytest.fixture(scope="module")
async def faulty(faulty_mongodb: Child, redis_server: Child) -> AsyncIterator[FaultyStack]:
    settings = make_settings(
        faulty_mongodb,
        redis_server,
        mongodb_uri=f"{faulty_mongodb.url}&heartbeatFrequencyMS=500",
        request_timeout_seconds=DEADLINE,
    )
    failed_inserts = FailedInserts(settings.mongodb_database)
    change_streams = ChangeStreamOpenings(settings.mongodb_database)
    for listener in (failed_inserts, change_streams):
        monitoring.register(listener)  # global, for clients made from here on; each records this module's database
    await migrate(settings)
    admin: AsyncMongoClient[Raw] = AsyncMongoClient(faulty_mongodb.url, directConnection=True)
    try:
        async with serve(settings) as url:
            yield FaultyStack(url, admin, settings.mongodb_database, failed_inserts, settings, change_streams)
    finally:
        await admin.close()


@pytest.fixture
async def api(faulty: FaultyStack) -> AsyncIterator[httpx.AsyncClient]:
    faulty.failed_inserts.codes.clear()
    faulty.failed_inserts.collections.clear()
    async with httpx.AsyncClient(base_url=faulty.url, timeout=30) as http:
        yield http


async def test_a_retryable_error_once_is_retried_into_one_task(faulty: FaultyStack, api: httpx.AsyncClient) -> None:
    ada = await new_account(api)
    async with faulty.fail_point(
        {"times": 1}, failCommands=["insert"], errorCode=91, errorLabels=["RetryableWriteError"]
    ):
        created = await api.post(TASKS, json={"title": "Shutdown once"}, headers=ada.auth)
    assert created.status_code == 201, created.text
    assert faulty.failed_inserts.codes == [91]
    assert await faulty.titles(ada) == ["Shutdown once"]


async def test_a_closed_connection_is_retried_into_one_task(faulty: FaultyStack, api: httpx.AsyncClient) -> None:
    ada = await new_account(api)
    async with faulty.fail_point({"times": 1}, failCommands=["insert"], closeConnection=True):
        created = await api.post(TASKS, json={"title": "Cut off once"}, headers=ada.auth)
    assert created.status_code == 201, created.text
    assert faulty.failed_inserts.codes == [None]  # a network error has no server code
    assert await faulty.titles(ada) == ["Cut off once"]


@dataclass(frozen=True)
class Creation:
    """A creating route, and the insert of the thing it makes: the `skip`-th insert after the key's claim."""

    collection: str
    skip: int
    owner_field: str


CREATIONS = {
    "project": Creation("projects", skip=1, owner_field="owner_id"),  # the key, the project
    "invitation": Creation("invitations", skip=2, owner_field="invited_by"),  # the key, its mail's outbox entry, it
    "import": Creation("jobs", skip=3, owner_field="user_id"),  # the key, the outbox entry, the upload, the job
}


async def _create(api: httpx.AsyncClient, made: str, headers: dict[str, str], project: str) -> httpx.Response:
    if made == "project":
        return await api.post("/api/v1/projects", json={"name": "Once"}, headers=headers)
    if made == "invitation":
        invite = {"email": "bob@example.com", "role": "viewer"}
        return await api.post(f"/api/v1/projects/{project}/invitations", json=invite, headers=headers)
    return await api.post(
        f"{TASKS}/import", content=b"title\nImported once\n", headers={**headers, "Content-Type": "text/csv"}
    )


@pytest.mark.parametrize("made", sorted(CREATIONS))
async def test_every_keyed_create_retried_after_an_unknown_outcome_makes_one(
    faulty: FaultyStack, api: httpx.AsyncClient, made: str
) -> None:
    """A project, an invitation, an import: the write landed, its acknowledgement did not; the retry finds it."""
    creation = CREATIONS[made]
    ada = await new_account(api)
    headers = {**ada.auth, "Idempotency-Key": uuid.uuid4().hex}
    stored = faulty.admin[faulty.database_name].get_collection(
        creation.collection, read_preference=ReadPreference.PRIMARY
    )
    team = (await api.post("/api/v1/projects", json={"name": "Team"}, headers=ada.auth)).json()["id"]
    mine: dict[str, object] = {creation.owner_field: ObjectId(ada.id)}
    if made == "project":
        mine["_id"] = {"$ne": ObjectId(team)}
    async with faulty.fail_point(
        {"skip": creation.skip, "times": 1},
        failCommands=["insert"],
        writeConcernError={"code": 64, "errmsg": "waiting timed out"},
    ):
        unknown = await _create(api, made, headers, team)
    assert_problem(unknown, 503, "storage-unavailable")
    assert faulty.failed_inserts.collections == [creation.collection]  # the fail point hit the thing made
    assert await stored.count_documents(mine, comment=TEST_HOUSEKEEPING) == 1  # it landed
    retried = await _create(api, made, headers, team)
    assert retried.status_code in {201, 202}, retried.text
    (document,) = await stored.find(mine, comment=TEST_HOUSEKEEPING).to_list()
    if made == "invitation":  # its answer names no id: the stored one's expiry tells it is the first
        answered = datetime.fromisoformat(retried.json()["expires_at"])
        assert answered == document["expires_at"].replace(tzinfo=UTC)
    else:
        assert retried.json()["id"] == str(document["_id"])
    replayed = await _create(api, made, headers, team)
    assert (replayed.headers["idempotent-replayed"], replayed.content) == ("true", retried.content)
    assert await stored.count_documents(mine, comment=TEST_HOUSEKEEPING) == 1


async def test_no_writable_primary_is_a_503_within_the_deadline_then_201(
    faulty: FaultyStack, api: httpx.AsyncClient
) -> None:
    ada = await new_account(api)
    async with faulty.fail_point(
        "alwaysOn", failCommands=["insert"], errorCode=10107, errorLabels=["RetryableWriteError"]
    ):
        started = time.monotonic()
        refused = await api.post(TASKS, json={"title": "Refused"}, headers=ada.auth)
        took = time.monotonic() - started
    assert_problem(refused, 503, "storage-unavailable")
    assert refused.headers["retry-after"].isdigit()
    assert took < PROXY_TIMEOUT
    assert len(faulty.failed_inserts.codes) >= 2  # the driver retried while time was left
    assert set(faulty.failed_inserts.codes) == {10107}
    created = await api.post(TASKS, json={"title": "Accepted"}, headers=ada.auth)
    assert created.status_code == 201, created.text
    assert await faulty.titles(ada) == ["Accepted"]


async def test_a_write_concern_error_is_a_503_and_the_keyed_retry_makes_no_second_task(
    faulty: FaultyStack, api: httpx.AsyncClient
) -> None:
    ada = await new_account(api)
    headers = {**ada.auth, "Idempotency-Key": uuid.uuid4().hex}
    # skip 1: the first insert claims the key; the second is the task's.
    async with faulty.fail_point(
        {"skip": 1, "times": 1}, failCommands=["insert"], writeConcernError={"code": 64, "errmsg": "waiting timed out"}
    ):
        unknown = await api.post(TASKS, json={"title": "Landed, unacknowledged"}, headers=headers)
    assert_problem(unknown, 503, "storage-unavailable")
    assert faulty.failed_inserts.codes == [64]
    assert await faulty.titles(ada) == ["Landed, unacknowledged"]  # the outcome was unknown: it landed
    retried = await api.post(TASKS, json={"title": "Landed, unacknowledged"}, headers=headers)
    assert retried.status_code == 201, retried.text
    (stored,) = await faulty.tasks().find({"user_id": ObjectId(ada.id)}).to_list()
    assert retried.json()["id"] == str(stored["_id"])
    assert retried.headers["location"] == f"{TASKS}/{stored['_id']}"
    replayed = await api.post(TASKS, json={"title": "Landed, unacknowledged"}, headers=headers)
    assert replayed.headers["idempotent-replayed"] == "true"
    assert replayed.json() == retried.json()
    assert await faulty.titles(ada) == ["Landed, unacknowledged"]


async def test_a_blocked_connection_past_the_deadline_is_a_503_in_time(
    faulty: FaultyStack, api: httpx.AsyncClient
) -> None:
    ada = await new_account(api)
    async with faulty.fail_point(
        {"times": 1}, failCommands=["find"], blockConnection=True, blockTimeMS=int((DEADLINE + 3) * 1000)
    ):
        started = time.monotonic()
        slow = await api.get(TASKS, headers=ada.auth)
        took = time.monotonic() - started
    assert_problem(slow, 503, "storage-unavailable")
    assert took < PROXY_TIMEOUT
    assert (await api.get(TASKS, headers=ada.auth)).status_code == 200


async def test_one_deadline_covers_every_database_call_of_a_request(
    faulty: FaultyStack, api: httpx.AsyncClient
) -> None:
    """Two calls each slower than half the deadline: past it together, so 503 in time."""
    ada = await new_account(api)
    half = int(DEADLINE * 1000 * 0.6)
    headers = {**ada.auth, "Idempotency-Key": uuid.uuid4().hex}
    async with faulty.fail_point({"times": 2}, failCommands=["insert"], blockConnection=True, blockTimeMS=half):
        started = time.monotonic()
        slow = await api.post(TASKS, json={"title": "Two slow inserts"}, headers=headers)
        took = time.monotonic() - started
    assert_problem(slow, 503, "storage-unavailable")
    assert took < PROXY_TIMEOUT
    # The key was released on the request's way out, on time of its own: the retry runs now.
    retried = await api.post(TASKS, json={"title": "Two slow inserts"}, headers=headers)
    assert retried.status_code == 201, retried.text
    assert await faulty.titles(ada) == ["Two slow inserts"]


async def _read_and_write_until(
    api: httpx.AsyncClient, account: Account, task_id: str, stop: asyncio.Event, seen: Counter[str]
) -> None:
    while not stop.is_set():
        created = await api.post(TASKS, json={"title": f"during {uuid.uuid4().hex[:8]}"}, headers=account.auth)
        seen[f"POST {created.status_code}"] += 1
        for path in (TASKS, f"{TASKS}/{task_id}", f"{TASKS}/stats"):
            read = await api.get(path, headers=account.auth)
            seen[f"GET {read.status_code}"] += 1


async def test_a_step_down_under_load_keeps_reads_answering_and_writes_201_or_503(
    faulty: FaultyStack, api: httpx.AsyncClient
) -> None:
    accounts = [await new_account(api) for _ in range(4)]
    tasks = [(await api.post(TASKS, json={"title": "before"}, headers=a.auth)).json()["id"] for a in accounts]
    seen: Counter[str] = Counter()
    stop = asyncio.Event()
    workers = [
        asyncio.create_task(_read_and_write_until(api, account, task_id, stop, seen))
        for account, task_id in zip(accounts, tasks, strict=True)
    ]
    await asyncio.sleep(1)
    before_step_down = seen.copy()
    await faulty.admin.admin.command({"replSetStepDown": 3, "force": True})
    await asyncio.sleep(6)
    stop.set()
    await asyncio.gather(*workers)
    during_and_after = seen - before_step_down
    assert set(seen) <= {"GET 200", "POST 201", "POST 503"}, seen
    assert during_and_after["GET 200"] > 0
    assert during_and_after["POST 201"] > 0  # writes resumed once the member was primary again
    hello = await faulty.admin.admin.command("hello")
    assert hello["isWritablePrimary"]


async def test_the_change_consumer_rides_out_a_step_down_and_every_change_reaches_it_once(
    faulty: FaultyStack, api: httpx.AsyncClient
) -> None:
    ada = await new_account(api)
    created: list[str] = []
    async with consuming_worker(faulty.settings):
        for number in range(40):
            if number == 10:
                await faulty.admin.admin.command({"replSetStepDown": 3, "force": True})
            answer = await api.post(TASKS, json={"title": f"T{number}"}, headers=ada.auth)
            assert answer.status_code in {201, 503}, answer.text
            if answer.status_code == 201:
                created.append(answer.json()["id"])
            await asyncio.sleep(0.1)
        history = faulty.admin[faulty.database_name]["task_activity"]
        stored = {ObjectId(task) for task in await faulty.task_ids(ada)}  # 503s may have landed too
        deadline = time.monotonic() + 30
        while await history.count_documents({"task_id": {"$in": list(stored)}}) < len(stored):
            assert time.monotonic() < deadline, "a change did not reach the consumer after the step-down"
            await asyncio.sleep(0.1)
    assert len(created) >= 20  # writes resumed once the member was primary again
    entries = await history.find({"task_id": {"$in": list(stored)}}).to_list()
    assert sorted(str(entry["task_id"]) for entry in entries) == sorted(str(task) for task in stored)  # once each


async def test_the_live_stream_reopens_after_a_step_down_and_misses_nothing(
    faulty: FaultyStack, api: httpx.AsyncClient
) -> None:
    """The API's one change-stream reader is cut by the step-down, reopens after its last change, and goes on."""
    ada = await new_account(api)

    async def write(numbers: range) -> None:
        for number in numbers:
            answer = await api.post(TASKS, json={"title": f"T{number}"}, headers=ada.auth)
            assert answer.status_code in {201, 503}, answer.text
            await asyncio.sleep(0.1)

    async with event_stream(api, ada.auth) as stream:
        await write(range(5))
        await stream.take(5)
        faulty.change_streams.resumed.clear()
        await faulty.admin.admin.command({"replSetStepDown": 3, "force": True})
        # What mongod answers an open cursor when it steps down (SecantusDB's step-down leaves cursors be).
        async with faulty.fail_point(
            {"times": 2}, failCommands=["getMore"], errorCode=11602, errorLabels=["ResumableChangeStreamError"]
        ):
            await write(range(5, 30))
        stored = await faulty.task_ids(ada)  # 503s may have landed too: each must be told
        events = await stream.take(len(stored) - 5, within=30)
        await asyncio.sleep(0.5)
        assert stream.pending() == 0  # nothing twice
    assert True in faulty.change_streams.resumed  # the stream was cut, and reopened from where it was
    assert [event.event for event in events] == ["task.created"] * (len(stored) - 5)
    told = [event.json()["title"] for event in events]
    assert told == sorted(told, key=lambda title: int(title[1:]))  # in commit order
    assert len(stored) >= 20  # writes resumed once the member was primary again


@dataclass
class History:
    """Every operation as its client saw it: ok, failed (refused, so it must not have happened) or unknown."""

    creates: dict[str, list[str]] = field(default_factory=lambda: {"ok": [], "failed": [], "unknown": []})
    # task id -> (If-Match version, answered version or None, description written)
    updates: dict[str, dict[str, list[tuple[int, int | None, str]]]] = field(default_factory=dict)
    statuses: Counter[int] = field(default_factory=Counter)

    def outcome(self, response: httpx.Response | None, ok: int) -> str:
        if response is None:
            return "unknown"
        self.statuses[response.status_code] += 1
        if response.status_code == ok:
            return "ok"
        return "unknown" if response.status_code >= 500 else "failed"


async def _call(request: Coroutine[Any, Any, httpx.Response]) -> httpx.Response | None:
    try:
        return await request
    except httpx.TransportError:
        return None


async def _create_until(api: httpx.AsyncClient, account: Account, stop: asyncio.Event, history: History) -> None:
    while not stop.is_set():
        title = f"create {uuid.uuid4().hex}"
        response = await _call(api.post(TASKS, json={"title": title}, headers=account.auth))
        history.creates[history.outcome(response, 201)].append(title)


async def _update_until(
    api: httpx.AsyncClient, account: Account, task_id: str, stop: asyncio.Event, history: History
) -> None:
    record = history.updates.setdefault(task_id, {"ok": [], "failed": [], "unknown": []})  # shared by its updaters
    version = 1
    while not stop.is_set():
        description = uuid.uuid4().hex
        response = await _call(
            api.patch(
                f"{TASKS}/{task_id}",
                json={"description": description},
                headers={**account.auth, "If-Match": f'"{version}"'},
            )
        )
        outcome = history.outcome(response, 200)
        answered = response.json()["version"] if response is not None and outcome == "ok" else None
        record[outcome].append((version, answered, description))
        if answered is not None:
            version = answered
            continue
        current = await _call(api.get(f"{TASKS}/{task_id}", headers=account.auth))
        if current is not None and current.status_code == 200:
            version = current.json()["version"]


async def _faults_until(faulty: FaultyStack, stop: asyncio.Event) -> int:
    """Fail points and step-downs in turn, until `stop`; how many fired."""
    faults: list[Raw] = [
        {
            "mode": {"times": 1},
            "data": {"failCommands": ["insert", "update"], "errorCode": 91, "errorLabels": ["RetryableWriteError"]},
        },
        {"mode": {"times": 2}, "data": {"failCommands": ["insert", "update", "find"], "closeConnection": True}},
        {
            "mode": {"times": 1},
            "data": {
                "failCommands": ["insert", "update"],
                "writeConcernError": {"code": 64, "errmsg": "waiting timed out"},
            },
        },
        {
            "mode": {"times": 1},
            "data": {"failCommands": ["update"], "blockConnection": True, "blockTimeMS": int((DEADLINE + 0.5) * 1000)},
        },
        {"step_down": 2},
    ]
    fired = 0
    while not stop.is_set():
        fault = faults[fired % len(faults)]
        if "step_down" in fault:
            await faulty.admin.admin.command({"replSetStepDown": fault["step_down"], "force": True})
        else:
            data = {"appName": "taskflow", **fault["data"]}
            await faulty.admin.admin.command({"configureFailPoint": "failCommand", "mode": fault["mode"], "data": data})
        fired += 1
        await asyncio.sleep(1.5)
    await faulty.admin.admin.command({"configureFailPoint": "failCommand", "mode": "off"})
    return fired


@pytest.mark.slow
async def test_the_history_under_faults_loses_nothing_and_duplicates_nothing(
    faulty: FaultyStack, api: httpx.AsyncClient
) -> None:
    accounts = [await new_account(api) for _ in range(3)]
    history = History()
    targets = [(a, (await api.post(TASKS, json={"title": "target"}, headers=a.auth)).json()["id"]) for a in accounts]
    stop = asyncio.Event()
    workers = [asyncio.create_task(_create_until(api, a, stop, history)) for a in accounts]
    # Two updaters per task: they race, so some If-Match versions are stale (412, failed).
    workers += [
        asyncio.create_task(_update_until(api, a, task_id, stop, history)) for a, task_id in targets for _ in range(2)
    ]
    chaos = asyncio.create_task(_faults_until(faulty, stop))
    await asyncio.sleep(12)
    stop.set()
    await asyncio.gather(*workers)
    assert await chaos >= 5  # every kind of fault fired at least once

    stored: list[Raw] = []
    for account in accounts:
        stored += await faulty.tasks().find({"user_id": ObjectId(account.id)}).to_list()
    titles = Counter(task["title"] for task in stored if task["title"] != "target")
    assert not history.statuses[500], history.statuses
    assert set(history.statuses) <= {200, 201, 412, 503}, history.statuses
    assert history.creates["ok"], "no create was acknowledged"
    assert history.statuses[412], "the updaters never raced"
    assert history.statuses[503], "no fault reached a client"
    assert all(count == 1 for count in titles.values()), "a create was stored twice"
    assert set(history.creates["ok"]) <= set(titles), "an acknowledged create is missing"
    assert not set(history.creates["failed"]) & set(titles), "a refused create was stored"
    assert set(titles) <= set(history.creates["ok"]) | set(history.creates["unknown"]), "a task nobody created"

    by_id = {str(task["_id"]): task for task in stored}
    for task_id, record in history.updates.items():
        final = by_id[task_id]
        acknowledged = record["ok"]
        assert acknowledged, "no update was acknowledged"
        assert all(answered == sent + 1 for sent, answered, _ in acknowledged)
        starts = [sent for sent, _, _ in acknowledged]
        assert len(starts) == len(set(starts)), "two acknowledged updates from one version: one was lost"
        applied = final["version"] - 1
        # Refused updates (412) are not counted as possible: had one applied, this would break.
        assert len(acknowledged) <= applied <= len(acknowledged) + len(record["unknown"])
        last = max(acknowledged, key=lambda update: update[0])
        if last[1] == final["version"]:
            assert final["description"] == last[2]


async def test_a_request_never_inherits_the_deadline_of_the_one_before_it(api: httpx.AsyncClient) -> None:
    """A fresh context per request, whatever the request before it on the connection did.

    asyncio resumes reading a connection in the context of the handler that read a large
    body; without a fresh context the next request on that connection starts with the old
    deadline (and the old trace and consistency tokens). `api` talks to the short-deadline stack.
    """
    ada = await new_account(api)
    large = b"title\n" + b"a row of an import\n" * 20_000
    accepted = await api.post("/api/v1/tasks/import", content=large, headers={**ada.auth, "Content-Type": "text/csv"})
    assert accepted.status_code == 202, accepted.text
    await asyncio.sleep(DEADLINE + 0.5)
    later = await api.get("/api/v1/users/me", headers=ada.auth)  # the same keep-alive connection
    assert later.status_code == 200, later.text
