"""The account export: one streamed JSON document with the account, its projects and its own tasks."""

from __future__ import annotations

import json

import httpx

from taskflow.domain.access.roles import ProjectRole
from tests.api.conftest import Join, Register, assert_problem, create_task

EXPORT = "/api/v1/users/me/export"
TASKS = 450  # more than one encoded chunk (200 tasks), so chunks must join into one array


async def test_the_export_is_one_document_with_the_account_its_projects_and_every_own_task(
    client: httpx.AsyncClient, register: Register, join: Join
) -> None:
    ada, bob = await register(), await register()
    for number in range(TASKS):
        await create_task(client, ada, title=f"Task {number}")
    bobs = (await client.post("/api/v1/projects", json={"name": "Bob's"}, headers=bob.auth)).json()
    await join(ada, bobs, ProjectRole.EDITOR)
    await client.post("/api/v1/tasks", json={"title": "Bob's task", "project_id": bobs["id"]}, headers=bob.auth)
    await create_task(client, bob, title="Bob's own")

    async with client.stream("GET", EXPORT, headers=ada.auth) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/json")
        assert "attachment" in response.headers["content-disposition"]
        body = b"".join([chunk async for chunk in response.aiter_bytes()])
    document = json.loads(body)
    assert document["format"] == "taskflow-account-export/1"
    assert document["account"] == (await client.get("/api/v1/users/me", headers=ada.auth)).json()
    assert document["projects"] == [{"project_id": bobs["id"], "name": "Bob's", "role": "editor"}]
    titles = [task["title"] for task in document["tasks"]]
    assert titles == [f"Task {number}" for number in range(TASKS)]  # oldest first, each once
    one = document["tasks"][0]
    assert one == (await client.get(f"/api/v1/tasks/{one['id']}", headers=ada.auth)).json()
    for secret in ("password", "hash", "token", "argon2"):
        assert secret not in body.decode().lower()


async def test_an_empty_account_exports_an_empty_list_and_a_stranger_gets_401(
    client: httpx.AsyncClient, register: Register
) -> None:
    ada = await register()
    document = (await client.get(EXPORT, headers=ada.auth)).json()
    assert (document["projects"], document["tasks"]) == ([], [])
    assert_problem(await client.get(EXPORT), 401)
    assert_problem(await client.get(EXPORT, headers={"Authorization": "Bearer nope"}), 401)
