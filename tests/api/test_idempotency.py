"""`Idempotency-Key` on writes (every creating route and the task writes), through HTTP, with keys kept in MongoDB."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from taskflow.settings import Settings
from tests.api.conftest import Account, OwnRedisStack, Register, assert_problem, new_account, serve

TASKS = "/api/v1/tasks"


def _key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


async def _count(client: httpx.AsyncClient, account: Account) -> int:
    return len((await client.get(TASKS, params={"limit": "100"}, headers=account.auth)).json()["items"])


async def test_every_creating_route_takes_a_key(client: httpx.AsyncClient) -> None:
    """A route that makes something (201, or 202 with a `Location`) for a signed-in caller declares the key.

    So a client's retry after a failover never makes two; the public sign-up is left out (an
    address makes one account at most).
    """
    document = (await client.get("/openapi.json")).json()
    creating, keyed = set(), set()
    for item in document["paths"].values():
        operation = item.get("post")
        if operation is None or not operation.get("security"):
            continue
        answers = operation["responses"]
        if "201" in answers or "Location" in answers.get("202", {}).get("headers", {}):
            creating.add(operation["operationId"])
        if any(parameter["name"] == "Idempotency-Key" for parameter in operation.get("parameters", [])):
            keyed.add(operation["operationId"])
    assert creating >= {"createTask", "createProject", "importTasks"}
    assert creating <= keyed
    assert "inviteToProject" in keyed


async def test_a_retried_create_makes_one_task_and_gets_the_first_answer(
    client: httpx.AsyncClient, register: Register
) -> None:
    ada = await register()
    headers = {**ada.auth, **_key()}
    first = await client.post(TASKS, json={"title": "Once"}, headers=headers)
    again = await client.post(TASKS, json={"title": "Once"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    for name in ("location", "etag", "content-type"):
        assert again.headers[name] == first.headers[name]
    assert "idempotent-replayed" not in first.headers
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["x-request-id"] != first.headers["x-request-id"]  # a new request, an old answer
    assert await _count(client, ada) == 1


async def test_the_same_key_with_another_request_is_422(client: httpx.AsyncClient, register: Register) -> None:
    ada = await register()
    headers = {**ada.auth, **_key()}
    assert (await client.post(TASKS, json={"title": "First"}, headers=headers)).status_code == 201
    body = assert_problem(
        await client.post(TASKS, json={"title": "Second"}, headers=headers), 422, "idempotency-key-reused"
    )
    assert body["errors"] == [{"field": "Idempotency-Key", "message": body["detail"]}]
    task_id = (await client.get(TASKS, headers=ada.auth)).json()["items"][0]["id"]
    other_path = await client.delete(f"{TASKS}/{task_id}", headers=headers)  # same key, another method and path
    assert_problem(other_path, 422, "idempotency-key-reused")
    assert await _count(client, ada) == 1


async def test_keys_belong_to_their_user(client: httpx.AsyncClient, register: Register) -> None:
    ada, bob = await register(), await register()
    key = _key()
    mine = await client.post(TASKS, json={"title": "Same"}, headers={**ada.auth, **key})
    theirs = await client.post(TASKS, json={"title": "Same"}, headers={**bob.auth, **key})
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]
    assert "idempotent-replayed" not in theirs.headers


async def test_an_error_is_not_kept_so_a_corrected_retry_runs(client: httpx.AsyncClient, register: Register) -> None:
    ada = await register()
    headers = {**ada.auth, **_key()}
    assert_problem(await client.post(TASKS, json={"title": ""}, headers=headers), 422)
    assert_problem(await client.post(TASKS, content=b"{", headers={**headers, "content-type": "application/json"}), 400)
    fixed = await client.post(TASKS, json={"title": "Fixed"}, headers=headers)
    assert fixed.status_code == 201
    assert "idempotent-replayed" not in fixed.headers


async def test_a_retried_patch_applies_once(client: httpx.AsyncClient, register: Register) -> None:
    ada = await register()
    task = (await client.post(TASKS, json={"title": "x"}, headers=ada.auth)).json()
    headers = {**ada.auth, **_key()}
    url = f"{TASKS}/{task['id']}"
    first = await client.patch(url, json={"title": "y"}, headers=headers)
    again = await client.patch(url, json={"title": "y"}, headers=headers)
    assert first.json()["version"] == again.json()["version"] == 2
    assert again.headers["idempotent-replayed"] == "true"
    assert (await client.get(url, headers=ada.auth)).json()["version"] == 2


async def test_a_retried_delete_answers_204_again_not_404(client: httpx.AsyncClient, register: Register) -> None:
    ada = await register()
    task = (await client.post(TASKS, json={"title": "x"}, headers=ada.auth)).json()
    headers = {**ada.auth, **_key()}
    url = f"{TASKS}/{task['id']}"
    assert (await client.delete(url, headers=headers)).status_code == 204
    again = await client.delete(url, headers=headers)
    assert again.status_code == 204
    assert again.headers["idempotent-replayed"] == "true"
    assert_problem(await client.delete(url, headers=ada.auth), 404)  # without the key: it is gone


async def test_a_key_on_another_users_task_replays_nothing_of_theirs(
    client: httpx.AsyncClient, register: Register
) -> None:
    ada, bob = await register(), await register()
    task = (await client.post(TASKS, json={"title": "Ada's"}, headers=ada.auth)).json()
    key = _key()
    url = f"{TASKS}/{task['id']}"
    assert_problem(await client.patch(url, json={"title": "mine"}, headers={**bob.auth, **key}), 404)
    assert_problem(await client.delete(url, headers={**bob.auth, **key}), 404)  # the 404 was not kept: it ran anew
    assert (await client.get(url, headers=ada.auth)).json()["title"] == "Ada's"


async def test_a_failed_request_has_let_go_of_its_key_when_its_answer_arrives(
    client: httpx.AsyncClient, register: Register, settings: Settings
) -> None:
    """The release is slowed on the server: the 404 must still come after it, never before."""
    ada = await register()
    key = _key()
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(settings.mongodb_uri)
    keys = mongo[settings.mongodb_database].idempotency_keys
    admin: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(settings.mongodb_uri, directConnection=True)
    await admin.admin.command(
        {
            "configureFailPoint": "failCommand",
            "mode": {"times": 1},
            "data": {"failCommands": ["delete"], "blockConnection": True, "blockTimeMS": 700, "appName": "taskflow"},
        }
    )
    try:
        missing = await client.patch(f"{TASKS}/{'0' * 24}", json={"title": "x"}, headers={**ada.auth, **key})
        assert_problem(missing, 404)
        assert await keys.find_one({"key": key["Idempotency-Key"]}) is None
    finally:
        await admin.admin.command({"configureFailPoint": "failCommand", "mode": "off"})
        await admin.close()
        await mongo.close()


@pytest.mark.parametrize("key", ["", "x" * 256, "clé", "two words"])
async def test_malformed_keys_are_422(client: httpx.AsyncClient, register: Register, key: str) -> None:
    ada = await register()
    headers = {name.encode(): value.encode() for name, value in ada.auth.items()}
    headers[b"Idempotency-Key"] = key.encode()  # bytes: httpx sends them as they are
    body = assert_problem(await client.post(TASKS, json={"title": "x"}, headers=headers), 422)
    assert body["errors"] == [{"field": "Idempotency-Key", "message": body["detail"]}]
    assert await _count(client, ada) == 0


@asynccontextmanager
async def _slow_task_inserts(settings: Settings) -> AsyncIterator[None]:
    """The API's second insert (the task, after the key) waits 1.5 s on the server."""
    admin: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(settings.mongodb_uri, directConnection=True)
    await admin.admin.command(
        {
            "configureFailPoint": "failCommand",
            "mode": {"skip": 1, "times": 1},
            "data": {"failCommands": ["insert"], "blockConnection": True, "blockTimeMS": 1500, "appName": "taskflow"},
        }
    )
    try:
        yield
    finally:
        await admin.admin.command({"configureFailPoint": "failCommand", "mode": "off"})
        await admin.close()


async def test_a_retry_while_the_first_request_runs_is_409(
    client: httpx.AsyncClient, register: Register, settings: Settings
) -> None:
    ada = await register()
    headers = {**ada.auth, **_key()}
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(settings.mongodb_uri)
    keys = mongo[settings.mongodb_database].idempotency_keys
    try:
        async with _slow_task_inserts(settings):
            first = asyncio.create_task(client.post(TASKS, json={"title": "Slow"}, headers=headers))
            while await keys.find_one({"key": headers["Idempotency-Key"]}) is None:  # noqa: ASYNC110 - the state is in MongoDB
                await asyncio.sleep(0.01)
            busy = await client.post(TASKS, json={"title": "Slow"}, headers=headers)
            assert not first.done()
            assert (await first).status_code == 201
    finally:
        await mongo.close()
    assert_problem(busy, 409, "idempotency-key-in-use")
    assert busy.headers["retry-after"] == "1"
    replay = await client.post(TASKS, json={"title": "Slow"}, headers=headers)
    assert replay.content == (await first).content
    assert await _count(client, ada) == 1


async def test_keys_outlive_the_process_that_stored_them(
    client: httpx.AsyncClient, register: Register, settings: Settings
) -> None:
    ada = await register()
    headers = {**ada.auth, **_key()}
    first = await client.post(TASKS, json={"title": "Durable"}, headers=headers)
    async with serve(settings) as other_url, httpx.AsyncClient(base_url=other_url, timeout=10) as other:
        again = await other.post(TASKS, json={"title": "Durable"}, headers=headers)
    assert again.content == first.content
    assert again.headers["idempotent-replayed"] == "true"
    assert await _count(client, ada) == 1


async def test_keys_hold_while_redis_is_down(own_redis_stack: OwnRedisStack) -> None:
    async with httpx.AsyncClient(base_url=own_redis_stack.url, timeout=10) as client:
        headers = {**(await new_account(client)).auth, **_key()}
        first = await client.post(TASKS, json={"title": "No Redis"}, headers=headers)
        own_redis_stack.redis.stop()
        again = await client.post(TASKS, json={"title": "No Redis"}, headers=headers)
        other = await client.post(TASKS, json={"title": "Other"}, headers=headers)
        listed = await client.get(TASKS, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again.headers["idempotent-replayed"] == "true"
    assert_problem(other, 422, "idempotency-key-reused")
    assert [task["title"] for task in listed.json()["items"]] == ["No Redis"]
