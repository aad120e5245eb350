"""Changing and deleting tasks through HTTP: merge patches, versions, conditional requests."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import pytest

from tests.api.conftest import Account, Register, assert_problem, create_task


@dataclass(frozen=True)
class OwnTask:
    owner: Account
    task: dict[str, Any]

    @property
    def url(self) -> str:
        return f"/api/v1/tasks/{self.task['id']}"


@pytest.fixture
async def own(client: httpx.AsyncClient, register: Register) -> OwnTask:
    """A fresh account with one fresh task."""
    owner = await register()
    return OwnTask(owner, await create_task(client, owner))


async def test_patch_merges_and_bumps_the_version(client: httpx.AsyncClient, register: Register) -> None:
    ada = await register()
    task = await create_task(client, ada, description="draft", tags=["a"], due_at="2026-12-01T10:00:00+00:00")
    response = await client.patch(
        f"/api/v1/tasks/{task['id']}",
        json={"priority": "urgent", "due_at": None, "tags": None},
        headers={**ada.auth, "content-type": "application/merge-patch+json"},
    )
    assert response.status_code == 200, response.text
    changed = response.json()
    assert response.headers["etag"] == '"2"'
    assert changed["version"] == 2
    assert (changed["priority"], changed["due_at"], changed["tags"]) == ("urgent", None, [])
    assert (changed["title"], changed["description"]) == ("Write the report", "draft")  # untouched
    assert datetime.fromisoformat(changed["updated_at"]) > datetime.fromisoformat(task["updated_at"])
    read = await client.get(f"/api/v1/tasks/{task['id']}", headers=ada.auth)
    assert read.json() == changed


async def test_done_stamps_completed_at_and_leaving_done_clears_it(client: httpx.AsyncClient, own: OwnTask) -> None:
    ada, url = own.owner, own.url
    done = (await client.patch(url, json={"status": "done"}, headers=ada.auth)).json()
    assert done["completed_at"] is not None
    again = (await client.patch(url, json={"status": "done", "title": "Renamed"}, headers=ada.auth)).json()
    assert again["completed_at"] == done["completed_at"]  # staying done keeps the first stamp
    reopened = (await client.patch(url, json={"status": "in_progress"}, headers=ada.auth)).json()
    assert reopened["completed_at"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": None}, "title"),
        ({"status": None}, "status"),
        ({"priority": None}, "priority"),
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"tags": ["t"] * 21}, "tags"),
        ({"due_at": "2026-12-01T10:00:00"}, "due_at"),
        ({"version": 7}, "version"),
        ({"user_id": "a" * 24}, "user_id"),
        ({"status": {"$ne": None}}, "status"),
    ],
)
async def test_bad_patches_are_422_and_change_nothing(
    client: httpx.AsyncClient, register: Register, body: dict[str, Any], field: str
) -> None:
    ada = await register()
    task = await create_task(client, ada)
    response = await client.patch(f"/api/v1/tasks/{task['id']}", json=body, headers=ada.auth)
    problem = assert_problem(response, 422)
    assert field in {error["field"] for error in problem["errors"]}  # type: ignore[attr-defined]
    assert (await client.get(f"/api/v1/tasks/{task['id']}", headers=ada.auth)).json() == task


async def test_if_none_match_answers_304_while_current(client: httpx.AsyncClient, own: OwnTask) -> None:
    ada, url = own.owner, own.url
    cached = await client.get(url, headers={**ada.auth, "If-None-Match": '"1"'})
    assert cached.status_code == 304
    assert cached.content == b""
    assert cached.headers["etag"] == '"1"'
    assert (await client.get(url, headers={**ada.auth, "If-None-Match": 'W/"1", "9"'})).status_code == 304
    await client.patch(url, json={"title": "New"}, headers=ada.auth)
    fresh = await client.get(url, headers={**ada.auth, "If-None-Match": '"1"'})
    assert fresh.status_code == 200
    assert fresh.headers["etag"] == '"2"'


async def test_if_match_refuses_a_stale_version(client: httpx.AsyncClient, own: OwnTask) -> None:
    ada, url = own.owner, own.url
    assert (await client.patch(url, json={"title": "B"}, headers={**ada.auth, "If-Match": '"1"'})).status_code == 200
    for stale in ('"1"', 'W/"2"', "garbage"):
        response = await client.patch(url, json={"title": "C"}, headers={**ada.auth, "If-Match": stale})
        assert_problem(response, 412, "precondition-failed")
    assert_problem(await client.delete(url, headers={**ada.auth, "If-Match": '"1"'}), 412, "precondition-failed")
    assert (await client.get(url, headers=ada.auth)).json()["title"] == "B"
    assert (await client.delete(url, headers={**ada.auth, "If-Match": '"2"'})).status_code == 204
    assert_problem(await client.get(url, headers=ada.auth), 404, "task-not-found")


async def test_twenty_concurrent_patches_with_one_if_match_give_one_success(
    client: httpx.AsyncClient, own: OwnTask
) -> None:
    ada, url = own.owner, own.url
    responses = await asyncio.gather(
        *(client.patch(url, json={"title": f"T{i}"}, headers={**ada.auth, "If-Match": '"1"'}) for i in range(20))
    )
    assert sorted(r.status_code for r in responses) == [200] + [412] * 19
    winner = next(r for r in responses if r.status_code == 200).json()
    assert (await client.get(url, headers=ada.auth)).json() == winner


async def test_concurrent_patches_without_if_match_all_apply(client: httpx.AsyncClient, own: OwnTask) -> None:
    ada, url = own.owner, own.url
    responses = await asyncio.gather(*(client.patch(url, json={"title": f"T{i}"}, headers=ada.auth) for i in range(4)))
    assert all(r.status_code == 200 for r in responses)
    assert sorted(r.json()["version"] for r in responses) == [2, 3, 4, 5]


async def test_delete_is_204_then_404(client: httpx.AsyncClient, own: OwnTask) -> None:
    ada, url = own.owner, own.url
    assert (await client.delete(url, headers=ada.auth)).status_code == 204
    assert_problem(await client.delete(url, headers=ada.auth), 404, "task-not-found")
    assert_problem(await client.patch(url, json={"title": "x"}, headers=ada.auth), 404, "task-not-found")


async def test_another_users_task_is_404_whatever_the_preconditions(
    client: httpx.AsyncClient, register: Register
) -> None:
    ada, eve = await register(), await register()
    task = await create_task(client, ada)
    url = f"/api/v1/tasks/{task['id']}"
    attempts = [
        client.get(url, headers=eve.auth),
        client.get(url, headers={**eve.auth, "If-None-Match": '"1"'}),
        client.get(url, headers={**eve.auth, "If-None-Match": "*"}),
        client.patch(url, json={"title": "mine"}, headers=eve.auth),
        client.patch(url, json={"title": "mine"}, headers={**eve.auth, "If-Match": '"1"'}),
        client.patch(url, json={"title": "mine"}, headers={**eve.auth, "If-Match": '"7"'}),
        client.delete(url, headers=eve.auth),
        client.delete(url, headers={**eve.auth, "If-Match": '"7"'}),
    ]
    for response in await asyncio.gather(*attempts):
        assert_problem(response, 404, "task-not-found")
        assert "etag" not in response.headers
    assert (await client.get(url, headers=ada.auth)).json() == task


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
async def test_changes_need_a_token_and_a_well_formed_id(
    client: httpx.AsyncClient, register: Register, method: str
) -> None:
    ada = await register()
    assert_problem(await client.request(method, "/api/v1/tasks/" + "a" * 24, json={"title": "x"}), 401)
    for bad_id in ("nope", "A" * 24, "a" * 25):
        response = await client.request(method, f"/api/v1/tasks/{bad_id}", json={"title": "x"}, headers=ada.auth)
        assert_problem(response, 404, "task-not-found")


async def test_a_patch_in_another_media_type_is_415(client: httpx.AsyncClient, register: Register) -> None:
    ada = await register()
    task = await create_task(client, ada)
    response = await client.patch(
        f"/api/v1/tasks/{task['id']}", content=b"title=x", headers={**ada.auth, "content-type": "text/plain"}
    )
    assert_problem(response, 415)


async def test_an_empty_or_unchanged_patch_keeps_the_version_and_etag(client: httpx.AsyncClient, own: OwnTask) -> None:
    for body in ({}, {"title": own.task["title"], "status": own.task["status"]}):
        response = await client.patch(own.url, json=body, headers={**own.owner.auth, "If-Match": '"1"'})
        assert response.status_code == 200, response.text
        assert response.headers["etag"] == '"1"'
        assert response.json() == own.task
