"""Create and read a task through HTTP on the real stack."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx

from tests.api.conftest import Account

Register = Callable[[], Awaitable[Account]]


async def test_created_task_can_be_read_back_by_its_owner(client: httpx.AsyncClient, register: Register) -> None:
    ada = await register()
    body = {
        "title": "Write the report",
        "tags": ["work", "work", "q4"],
        "due_at": "2026-12-01T10:00:00+02:00",
    }
    created = await client.post("/api/v1/tasks", json=body, headers=ada.auth)
    assert created.status_code == 201, created.text
    task = created.json()
    assert created.headers["location"] == f"/api/v1/tasks/{task['id']}"
    assert created.headers["etag"] == '"1"'
    assert task["tags"] == ["work", "q4"]
    assert task["status"] == "todo"
    assert task["version"] == 1
    assert task["due_at"] == "2026-12-01T08:00:00Z"

    read = await client.get(created.headers["location"], headers=ada.auth)
    assert read.status_code == 200
    assert read.json() == task
    assert read.headers["etag"] == '"1"'
