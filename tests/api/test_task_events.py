"""`GET /tasks/events` on the real stack (decision 0034): what arrives, for whom, and after a reconnect."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import httpx
import pytest
from pymongo import monitoring

from taskflow.adapters.http.edge.signing import b64decode
from taskflow.adapters.http.tasks.event_stream import EventIds
from taskflow.domain.changes.feed import FeedPosition
from taskflow.domain.errors import InvalidEventIdError
from taskflow.domain.values import UserId
from taskflow.entrypoints.migration import migrate
from taskflow.entrypoints.processes import Child, start_secantus
from taskflow.settings import Settings
from tests.api.conftest import PASSWORD, Join, Register, create_project, create_task, new_account, serve
from tests.conftest import TEST_JWT_SECRET, make_settings
from tests.event_streams import EVENTS_PATH, event_stream

pytestmark = pytest.mark.usefixtures("api_url")


async def test_a_create_an_update_and_a_delete_arrive_in_order_with_their_versions(
    client: httpx.AsyncClient, register: Register
) -> None:
    ada = await register()
    async with event_stream(client, ada.auth) as stream:
        assert stream.response.headers["content-type"].startswith("text/event-stream")
        assert stream.response.headers["cache-control"] == "no-cache"
        task = await create_task(client, ada, title="Buy milk")
        changed = await client.patch(f"/api/v1/tasks/{task['id']}", json={"status": "done"}, headers=ada.auth)
        assert changed.status_code == 200
        assert (await client.delete(f"/api/v1/tasks/{task['id']}", headers=ada.auth)).status_code == 204
        created, updated, deleted = await stream.take(3)
    assert created.event == "task.created"
    assert created.json() == task
    assert updated.event == "task.updated"
    assert updated.json() == changed.json()
    assert updated.json()["version"] == 2
    assert deleted.event == "task.deleted"
    assert deleted.json() == {"id": task["id"], "version": 2}
    assert len({created.id, updated.id, deleted.id}) == 3
    assert stream.retry is not None


async def test_another_users_changes_never_reach_a_stream(client: httpx.AsyncClient, register: Register) -> None:
    ada, bob = await register(), await register()
    async with event_stream(client, ada.auth) as stream:
        bobs = await create_task(client, bob)
        await client.patch(f"/api/v1/tasks/{bobs['id']}", json={"title": "Bob's"}, headers=bob.auth)
        await client.delete(f"/api/v1/tasks/{bobs['id']}", headers=bob.auth)
        marker = await create_task(client, ada, title="After Bob's three")
        # Bob's changes were committed first: had any reached Ada, it would come before her own.
        first = await stream.next()
    assert first.json()["id"] == marker["id"]


async def test_a_member_sees_the_projects_changes_until_removed(
    client: httpx.AsyncClient, register: Register, join: Join
) -> None:
    from taskflow.domain.access.roles import ProjectRole  # noqa: PLC0415 - only this test

    ada, bob = await register(), await register()
    project = await create_project(client, ada)
    await join(bob, project, ProjectRole.EDITOR)
    project_id = str(project["id"])
    async with event_stream(client, bob.auth) as stream:
        shared = await create_task(client, ada, title="Shared", project_id=project_id)
        seen = await stream.next()
        assert (seen.event, seen.json()) == ("task.created", shared)
        removed = await client.delete(f"/api/v1/projects/{project['id']}/members/{bob.id}", headers=ada.auth)
        assert removed.status_code == 204
        await create_task(client, ada, title="Not Bob's", project_id=project_id)
        marker = await create_task(client, bob, title="Bob's own")
        assert (await stream.next()).json()["id"] == marker["id"]


async def test_a_reconnect_with_last_event_id_gets_exactly_the_changes_missed_in_order(
    client: httpx.AsyncClient, register: Register
) -> None:
    ada = await register()
    async with event_stream(client, ada.auth) as stream:
        first = await create_task(client, ada, title="Seen")
        last_id = (await stream.next()).id
    missed = [await create_task(client, ada, title="Missed 1")]
    await client.patch(f"/api/v1/tasks/{first['id']}", json={"title": "Missed 2"}, headers=ada.auth)
    missed.append(await create_task(client, ada, title="Missed 3"))
    async with event_stream(client, ada.auth, last_event_id=last_id) as resumed:
        caught_up = await resumed.take(3)
        live = await create_task(client, ada, title="Live")
        then = await resumed.next()
    assert [(event.event, event.json()["title"]) for event in caught_up] == [
        ("task.created", "Missed 1"),
        ("task.updated", "Missed 2"),
        ("task.created", "Missed 3"),
    ]
    assert then.json()["id"] == live["id"]
    assert resumed.pending() == 0  # nothing twice


@pytest.mark.parametrize("kind", ["garbage", "edited", "another user's"])
async def test_a_last_event_id_this_api_did_not_send_the_user_is_a_400(
    client: httpx.AsyncClient, register: Register, kind: str
) -> None:
    ada, bob = await register(), await register()
    async with event_stream(client, bob.auth) as stream:
        await create_task(client, bob)
        bobs_id = (await stream.next()).id
    assert bobs_id is not None
    value = {
        "garbage": "not-an-id",
        "edited": bobs_id[:-2] + ("AA" if not bobs_id.endswith("AA") else "BB"),
        "another user's": bobs_id,
    }[kind]
    caller = ada if kind == "another user's" else bob
    answer = await client.get(EVENTS_PATH, headers={**caller.auth, "Last-Event-ID": value})
    assert answer.status_code == 400
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"].endswith("/invalid-event-id")


async def test_a_stream_needs_a_valid_token(client: httpx.AsyncClient) -> None:
    assert (await client.get(EVENTS_PATH)).status_code == 401
    bad = await client.get(EVENTS_PATH, headers={"Authorization": "Bearer not-a-token"})
    assert bad.status_code == 401
    assert bad.headers["content-type"] == "application/problem+json"


async def test_a_user_holds_at_most_five_streams_at_once(client: httpx.AsyncClient, register: Register) -> None:
    ada, bob = await register(), await register()
    opened = [event_stream(client, ada.auth) for _ in range(5)]
    streams = [await stream.__aenter__() for stream in opened]
    try:
        sixth = await client.get(EVENTS_PATH, headers=ada.auth)
        assert sixth.status_code == 429
        assert sixth.headers["content-type"] == "application/problem+json"
        assert int(sixth.headers["retry-after"]) >= 1
        async with event_stream(client, bob.auth):  # the cap is per user
            pass
        await opened.pop().__aexit__(None, None, None)
        streams.pop()
        async with event_stream(client, ada.auth) as again:  # a closed stream frees its slot
            await create_task(client, ada)
            assert (await again.next()).event == "task.created"
    finally:
        for stream in opened:
            await stream.__aexit__(None, None, None)


async def test_a_write_through_one_process_reaches_a_stream_on_another(
    client: httpx.AsyncClient, register: Register, settings: Settings
) -> None:
    ada = await register()
    async with serve(settings) as other_url, httpx.AsyncClient(base_url=other_url, timeout=10) as other:
        async with event_stream(other, ada.auth) as stream:
            task = await create_task(client, ada)
            event = await stream.next()
        assert event.json()["id"] == task["id"]
        # An id one process sent resumes on another.
        await client.patch(f"/api/v1/tasks/{task['id']}", json={"title": "Later"}, headers=ada.auth)
        async with event_stream(client, ada.auth, last_event_id=event.id) as resumed:
            assert (await resumed.next()).json()["title"] == "Later"


@pytest.fixture
async def short_history(redis_server: Child) -> AsyncIterator[tuple[str, Settings]]:
    """An API on a SecantusDB that keeps only the last 20 changes."""
    database = start_secantus(storage=None, extra=["--oplog-max-entries", "20"])
    try:
        settings = make_settings(database, redis_server)
        await migrate(settings)
        async with serve(settings) as url:
            yield url, settings
    finally:
        database.stop()


async def test_a_position_older_than_the_history_gets_a_reset_then_the_live_changes(
    short_history: tuple[str, Settings],
) -> None:
    from pymongo import AsyncMongoClient  # noqa: PLC0415 - only this test

    url, settings = short_history
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        ada = await new_account(client)
        async with event_stream(client, ada.auth) as stream:
            await create_task(client, ada)
            old_id = (await stream.next()).id
        for n in range(25):
            await create_task(client, ada, title=f"Later {n}")
        mongo: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(settings.mongodb_uri)
        try:
            assert (await mongo.admin.command({"secantusAdmin.pruneOplog": 1}))["pruned"] > 0
        finally:
            await mongo.close()
        async with event_stream(client, ada.auth, last_event_id=old_id) as resumed:
            reset = await resumed.next()
            live = await create_task(client, ada, title="Live")
            then = await resumed.next()
    assert (reset.event, reset.id) == ("reset", None)
    assert then.json()["id"] == live["id"]


def test_event_ids_are_opaque_and_bound_to_the_user() -> None:
    """What makes another user's id a 400 above: the user is authenticated with the position."""
    ids = EventIds(TEST_JWT_SECRET)
    position = FeedPosition(1_800_000_000, 7, "8264000000027300")
    sent = ids.encode(position, UserId("a" * 24))
    assert ids.decode(sent, UserId("a" * 24)) == position
    assert b"8264000000027300" not in b64decode(sent)  # nothing of the position shows
    with pytest.raises(InvalidEventIdError):
        ids.decode(sent, UserId("b" * 24))


async def test_a_quiet_stream_gets_heartbeats_and_ends_once_its_session_does(
    mongodb: Child, redis_server: Child
) -> None:
    settings = make_settings(mongodb, redis_server, event_heartbeat_seconds=0.3)
    async with serve(settings) as url, httpx.AsyncClient(base_url=url, timeout=10) as client:
        ada = await new_account(client)
        async with event_stream(client, ada.auth) as stream:
            for _ in range(200):  # up to 10 s for two heartbeats, due every 0.3 s
                if stream.comments.count("heartbeat") >= 2:
                    break
                await asyncio.sleep(0.05)
            assert stream.comments.count("heartbeat") >= 2
            assert not stream.ended.is_set()
            assert (await client.post("/api/v1/auth/logout", headers=ada.auth)).status_code == 204
            await asyncio.wait_for(stream.ended.wait(), 5)  # the next heartbeat checks the token again
        assert "signed out: reconnect with a fresh token" in stream.comments


async def test_a_busy_stream_ends_once_its_session_does_too(mongodb: Child, redis_server: Child) -> None:
    settings = make_settings(mongodb, redis_server, event_heartbeat_seconds=0.3)
    async with serve(settings) as url, httpx.AsyncClient(base_url=url, timeout=10) as client:
        ada = await new_account(client)
        login = await client.post("/api/v1/auth/login", json={"email": ada.email, "password": PASSWORD})
        writer = {"Authorization": f"Bearer {login.json()['access_token']}"}  # another session of hers
        async with event_stream(client, ada.auth) as stream:
            assert (await client.post("/api/v1/auth/logout", headers=ada.auth)).status_code == 204
            for n in range(40):  # an event every 50 ms: never a quiet heartbeat
                if stream.ended.is_set():
                    break
                created = await client.post("/api/v1/tasks", json={"title": f"busy {n}"}, headers=writer)
                assert created.status_code == 201
                await asyncio.sleep(0.05)
            assert stream.ended.is_set()
        assert "signed out: reconnect with a fresh token" in stream.comments


class ChangeStreamsOpened(monitoring.CommandListener):
    """Counts the change streams the API opens on MongoDB (each is one `aggregate` with `$changeStream`)."""

    def __init__(self) -> None:
        self.opened = 0

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        pipeline = event.command.get("pipeline") if event.command_name == "aggregate" else None
        if pipeline and "$changeStream" in pipeline[0]:
            self.opened += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


async def test_the_change_streams_on_mongodb_do_not_grow_with_the_clients(settings: Settings) -> None:
    counter = ChangeStreamsOpened()
    monitoring.register(counter)  # before the app's client exists: PyMongo hands it to clients made later
    async with serve(settings) as url, httpx.AsyncClient(base_url=url, timeout=10) as client:
        accounts = [await new_account(client) for _ in range(8)]
        async with AsyncExitStack() as streams:
            opened = [await streams.enter_async_context(event_stream(client, account.auth)) for account in accounts]
            for account, stream in zip(accounts, opened, strict=True):
                task = await create_task(client, account)
                assert (await stream.next()).json()["id"] == task["id"]
            assert counter.opened == 1  # one shared stream for eight clients
        ada = accounts[0]
        async with event_stream(client, ada.auth) as stream:
            first = (await create_task(client, ada), await stream.next())[1]
        await create_task(client, ada, title="Missed")
        async with event_stream(client, ada.auth, last_event_id=first.id) as resumed:
            assert (await resumed.next()).json()["title"] == "Missed"
        assert counter.opened == 2  # and one short-lived catch-up for the resume
