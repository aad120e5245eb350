"""A task's history through the API, written by a real worker from the change feed."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
from bson import ObjectId
from pymongo import AsyncMongoClient

from taskflow.domain.access.roles import ProjectRole
from taskflow.settings import Settings
from tests.api.conftest import Join, Register, assert_problem, consuming_worker, create_project, create_task

TASKS = "/api/v1/tasks"


async def _history(
    client: httpx.AsyncClient, auth: dict[str, str], task_id: str, *, entries: int, **params: Any
) -> list[dict[str, Any]]:
    """The task's history once the worker has written `entries` entries."""
    deadline = time.monotonic() + 20
    while True:
        response = await client.get(f"{TASKS}/{task_id}/activity", params=params, headers=auth)
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        if len(items) >= entries or time.monotonic() > deadline:
            return items
        await asyncio.sleep(0.1)


async def test_who_changed_what_newest_first_for_every_member_and_gone_with_the_task(
    client: httpx.AsyncClient, register: Register, join: Join, settings: Settings
) -> None:
    ada, bob, stranger = await register(), await register(), await register()
    async with consuming_worker(settings):
        project = await create_project(client, ada)
        await join(bob, project, ProjectRole.DOER)
        task = await create_task(client, ada, title="Plan", project_id=project["id"])
        path, scope = f"{TASKS}/{task['id']}", {"project_id": project["id"]}
        renamed = await client.patch(path, params=scope, json={"title": "Plan it", "description": "x" * 1500},
                                     headers=ada.auth)  # fmt: skip
        assert renamed.status_code == 200, renamed.text
        done = await client.patch(path, params=scope, json={"status": "done"}, headers=bob.auth)
        assert done.status_code == 200, done.text
        items = await _history(client, bob.auth, task["id"], entries=3, **scope)
        assert [(item["version"], item["kind"], item["actor"]) for item in items] == [
            (3, "completed", {"id": bob.id, "name": "T"}),
            (2, "updated", {"id": ada.id, "name": "T"}),
            (1, "created", {"id": ada.id, "name": "T"}),
        ]
        assert items[0]["changes"] == [{"field": "status", "from": "todo", "to": "done", "truncated": False}]
        assert items[1]["changes"] == [
            {"field": "title", "from": "Plan", "to": "Plan it", "truncated": False},
            {"field": "description", "from": "", "to": "x" * 1000, "truncated": True},
        ]
        assert items[0]["id"] == f"{task['id']}:3"
        assert items[0]["at"] == done.json()["updated_at"]

        first = await client.get(f"{path}/activity", params={**scope, "limit": 2}, headers=ada.auth)
        assert [item["version"] for item in first.json()["items"]] == [3, 2]
        rest = await client.get(
            f"{path}/activity", params={**scope, "limit": 2, "cursor": first.json()["next_cursor"]}, headers=ada.auth
        )
        assert ([item["version"] for item in rest.json()["items"]], rest.json()["next_cursor"]) == ([1], None)

        missing = await client.get(f"{TASKS}/{ObjectId()}/activity", params=scope, headers=ada.auth)
        elsewhere = await client.get(f"{path}/activity", headers=stranger.auth)  # the stranger's own tasks
        assert_problem(missing, 404)
        assert (elsewhere.status_code, elsewhere.content) == (404, missing.content)

        assert (await client.delete(path, params=scope, headers=ada.auth)).status_code == 204
        await _gone(settings, task["id"])
    assert (await client.get(f"{path}/activity", params=scope, headers=ada.auth)).status_code == 404


async def test_bad_requests_are_problems(client: httpx.AsyncClient, register: Register) -> None:
    ada = await register()
    task = await create_task(client, ada)
    path = f"{TASKS}/{task['id']}/activity"
    assert (await client.get(path)).status_code == 401
    for limit in (0, 101, "x"):
        assert_problem(await client.get(path, params={"limit": limit}, headers=ada.auth), 422)
    assert_problem(await client.get(path, params={"cursor": "not-a-cursor"}, headers=ada.auth), 422)
    assert_problem(await client.get(f"{TASKS}/not-an-id/activity", headers=ada.auth), 404)
    assert_problem(await client.get(path, params={"project_id": str(ObjectId())}, headers=ada.auth), 404)


async def _gone(settings: Settings, task_id: str) -> None:
    """Until the worker has removed the deleted task's history."""
    mongo: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(settings.mongodb_uri)
    try:
        entries = mongo[settings.mongodb_database]["task_activity"]
        deadline = time.monotonic() + 20
        while await entries.count_documents({"task_id": ObjectId(task_id)}, comment="test housekeeping"):
            assert time.monotonic() < deadline, "the deleted task's history stayed"
            await asyncio.sleep(0.1)
    finally:
        await mongo.close()
