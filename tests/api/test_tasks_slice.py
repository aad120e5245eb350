"""Create and read a task through HTTP on the real stack."""

from __future__ import annotations

import httpx

from tests.api.conftest import Register, assert_problem


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


async def test_any_unicode_text_round_trips_and_limits_count_characters(
    client: httpx.AsyncClient, register: Register
) -> None:
    ada = await register()
    title = "\U0001f469\U0001f3fd\u200d\U0001f4bb" * 49 + "\u00e9" * 4  # 4 code points each: 200 in all
    body = {
        "title": title,
        "description": "\u05e9\u05dc\u05d5\u05dd \u202e right-to-left override, NUL \x00, e\u0301 combining",
        "tags": ["日本語", "🏷️", "x" * 40],
    }
    created = await client.post("/api/v1/tasks", json=body, headers=ada.auth)
    assert created.status_code == 201, created.text
    read = (await client.get(created.headers["location"], headers=ada.auth)).json()
    assert (read["title"], read["description"], read["tags"]) == (body["title"], body["description"], body["tags"])
    too_long = await client.post("/api/v1/tasks", json={**body, "title": title + "é"}, headers=ada.auth)
    assert_problem(too_long, 422)


async def test_a_lone_surrogate_is_not_text(client: httpx.AsyncClient, register: Register) -> None:
    ada = await register()
    raw = b'{"title": "broken \\ud800 text"}'
    response = await client.post("/api/v1/tasks", content=raw, headers={**ada.auth, "content-type": "application/json"})
    assert_problem(response, 400)
