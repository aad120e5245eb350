"""Listing, counting and exporting tasks through HTTP."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.api.conftest import Account, Register, assert_problem, create_task

TASKS = "/api/v1/tasks"
SOON = datetime.now(UTC) + timedelta(days=2)
PAST = datetime.now(UTC) - timedelta(days=2)


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def _list(client: httpx.AsyncClient, account: Account, params: Any = None) -> dict[str, Any]:
    response = await client.get(TASKS, params=params, headers=account.auth)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


async def _walk(client: httpx.AsyncClient, account: Account, params: list[tuple[str, str]]) -> list[str]:
    ids: list[str] = []
    cursor: str | None = None
    while True:
        page = await _list(client, account, params + ([("cursor", cursor)] if cursor else []))
        ids += [task["id"] for task in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return ids


async def test_pages_follow_the_cursor_newest_first_by_default(client: httpx.AsyncClient, register: Register) -> None:
    ada, bob = await register(), await register()
    created = [(await create_task(client, ada, title=f"Task {n}"))["id"] for n in range(25)]
    await create_task(client, bob)
    first = await _list(client, ada)
    assert len(first["items"]) == 20  # the default page size
    assert first["next_cursor"]
    # As instants, not strings: "…:05Z" (a whole second) sorts after "…:05.123000Z" as text.
    newest_first = [
        t["id"] for t in sorted(first["items"], key=lambda t: (_instant(t["created_at"]), t["id"]), reverse=True)
    ]
    assert [t["id"] for t in first["items"]] == newest_first
    walked = await _walk(client, ada, [("limit", "7")])
    assert sorted(walked) == sorted(created)
    assert len(walked) == len(set(walked)) == 25
    assert (await _list(client, ada, {"limit": "100"}))["next_cursor"] is None


@pytest.mark.parametrize(
    ("sort", "field", "descending"),
    [("due_at", "due_at", False), ("-priority", "priority", True), ("updated_at", "updated_at", False)],
)
async def test_each_sort_orders_by_its_key_then_id(
    client: httpx.AsyncClient, register: Register, sort: str, field: str, descending: bool
) -> None:
    ada = await register()
    rank = {"low": 0, "medium": 1, "high": 2, "urgent": 3}
    for n, priority in enumerate(["high", "low", "urgent", "medium", "high", "low"]):
        due = None if n % 3 == 0 else (SOON + timedelta(hours=n % 2)).isoformat()
        await create_task(client, ada, priority=priority, due_at=due)

    def key(task: dict[str, Any]) -> tuple[Any, ...]:
        value = task[field]
        value = rank[value] if field == "priority" else _instant(value) if value is not None else None
        return (value is not None, value, task["id"])

    walked = await _walk(client, ada, [("sort", sort), ("limit", "2")])
    everything = (await _list(client, ada, {"limit": "100"}))["items"]
    assert walked == [t["id"] for t in sorted(everything, key=key, reverse=descending)]


async def test_filters_combine_with_and_and_repeats_mean_any_of(client: httpx.AsyncClient, register: Register) -> None:
    ada = await register()
    soon, past = SOON.isoformat(), PAST.isoformat()
    wanted = await create_task(client, ada, status="todo", priority="high", tags=["work"], due_at=soon)
    also = await create_task(client, ada, status="in_progress", priority="high", tags=["home", "x"], due_at=soon)
    await create_task(client, ada, status="done", priority="high", tags=["work"], due_at=soon)
    await create_task(client, ada, status="todo", priority="low", tags=["work"], due_at=soon)
    await create_task(client, ada, status="todo", priority="high", tags=["work"], due_at=past)
    await create_task(client, ada, status="todo", priority="high", tags=["work"])
    params = [
        ("status", "todo"),
        ("status", "in_progress"),
        ("priority", "high"),
        ("tag", "work"),
        ("tag", "home"),
        ("due_after", datetime.now(UTC).isoformat()),
        ("due_before", (SOON + timedelta(days=1)).isoformat()),
    ]
    page = await _list(client, ada, params)
    assert {t["id"] for t in page["items"]} == {wanted["id"], also["id"]}


async def test_text_is_matched_literally_and_case_insensitively(client: httpx.AsyncClient, register: Register) -> None:
    ada = await register()
    dotted = await create_task(client, ada, title="Pay invoice 1.5", description="")
    await create_task(client, ada, title="Pay invoice 105")
    accented = await create_task(client, ada, title="Réunion", description="ÉTÉ planning")
    star = await create_task(client, ada, title="x", description="match .* literally")

    async def found(q: str) -> set[str]:
        return {t["id"] for t in (await _list(client, ada, {"q": q}))["items"]}

    assert await found("1.5") == {dotted["id"]}
    assert await found(".*") == {star["id"]}
    assert await found("été") == {accented["id"]}
    assert await found("PAY INVOICE 1.5") == {dotted["id"]}
    assert await found("^Pay") == set()


async def test_another_users_tasks_are_never_listed(client: httpx.AsyncClient, register: Register) -> None:
    ada, bob = await register(), await register()
    await create_task(client, bob, title="Bob's secret")
    assert (await _list(client, ada, {"q": "secret"}))["items"] == []
    assert (await _list(client, ada))["items"] == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("sort=title", "sort"),
        ("sort=--created_at", "sort"),
        ("status=finished", "status"),
        ("priority=urgentest", "priority"),
        ("q=" + "x" * 101, "q"),
        ("q=", "q"),
        ("tag=" + "t" * 41, "tag"),
        ("due_before=2026-12-01T10:00:00", "due_before"),
        ("due_after=tomorrow", "due_after"),
        ("due_after=2026-12-02T00:00:00Z&due_before=2026-12-01T00:00:00Z", "due_after"),
        ("limit=5&limit=50", "limit"),
        ("sort=due_at&sort=-due_at", "sort"),
        ("status[$ne]=done", "status[$ne]"),
        ('status={"$ne":null}', "status"),
        ("q[$regex]=.*", "q[$regex]"),
        ("user_id=000000000000000000000000", "user_id"),
    ],
)
async def test_bad_listing_queries_are_422_naming_the_parameter(
    client: httpx.AsyncClient, register: Register, query: str, field: str
) -> None:
    ada = await register()
    body = assert_problem(await client.get(f"{TASKS}?{query}", headers=ada.auth), 422)
    assert field in {e["field"] for e in body["errors"]}  # type: ignore[attr-defined]


async def test_a_cursor_works_only_for_its_own_user_sort_and_filters(
    client: httpx.AsyncClient, register: Register
) -> None:
    ada, bob = await register(), await register()
    for _ in range(3):
        await create_task(client, ada, tags=["a"])
        await create_task(client, bob, tags=["a"])
    cursor = (await _list(client, ada, {"limit": "1", "tag": "a"}))["next_cursor"]
    assert (await _list(client, ada, {"limit": "1", "tag": "a", "cursor": cursor}))["items"]  # the control
    payload, mac = cursor.split(".")
    tampered = [
        {"tag": "a", "cursor": payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB") + "." + mac},
        {"tag": "a", "cursor": payload + "." + mac[::-1]},
        {"tag": "a", "cursor": payload},
        {"tag": "a", "cursor": "garbage"},
        {"tag": "b", "cursor": cursor},  # other filters
        {"cursor": cursor},  # no filter
        {"tag": "a", "sort": "created_at", "cursor": cursor},  # other order
    ]
    for params in tampered:
        response = await client.get(TASKS, params={"limit": "1", **params}, headers=ada.auth)
        assert_problem(response, 422, "invalid-cursor")
    foreign = await client.get(TASKS, params={"limit": "1", "tag": "a", "cursor": cursor}, headers=bob.auth)
    assert_problem(foreign, 422, "invalid-cursor")


async def test_listing_needs_a_token(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get(TASKS), 401)
    assert_problem(await client.get(f"{TASKS}/stats"), 401)
    assert_problem(await client.get(f"{TASKS}/export"), 401)


async def test_stats_count_only_the_callers_tasks(client: httpx.AsyncClient, register: Register) -> None:
    ada, bob = await register(), await register()
    await create_task(client, ada, status="todo", priority="urgent", due_at=PAST.isoformat())  # overdue
    await create_task(client, ada, status="in_progress", due_at=SOON.isoformat())
    await create_task(client, ada, status="done", priority="low", due_at=PAST.isoformat())  # done: not overdue
    await create_task(client, ada, status="todo")
    await create_task(client, bob, status="todo", due_at=PAST.isoformat())
    asked = datetime.now(UTC)
    response = await client.get(f"{TASKS}/stats", headers=ada.auth)
    assert response.status_code == 200, response.text
    figures = response.json()
    computed_at = datetime.fromisoformat(figures.pop("computed_at"))
    assert asked - timedelta(seconds=1) <= computed_at <= datetime.now(UTC)  # no worker here: computed live
    assert figures == {
        "total": 4,
        "by_status": {"todo": 2, "in_progress": 1, "done": 1},
        "by_priority": {"low": 1, "medium": 2, "high": 0, "urgent": 1},
        "overdue": 1,
        "done_last_7_days": 1,
    }
    fresh = await register()
    empty = (await client.get(f"{TASKS}/stats", headers=fresh.auth)).json()
    assert (empty["total"], empty["overdue"], empty["by_status"]["todo"]) == (0, 0, 0)
    assert_problem(await client.get(f"{TASKS}/stats?user_id={bob.id}", headers=ada.auth), 422)


async def test_csv_export_streams_every_task_with_formulas_neutralised(
    client: httpx.AsyncClient, register: Register
) -> None:
    ada, bob = await register(), await register()
    hostile = ['=HYPERLINK("http://evil")', "+1", "-2", "@SUM(A1)", "\tx", "\rx", 'plain, "quoted"\nnext']
    for title in hostile:
        await create_task(client, ada, title=title, tags=["=cmd", "ok"])
    await create_task(client, bob, title="Bob's")
    async with client.stream("GET", f"{TASKS}/export", params={"format": "csv"}, headers=ada.auth) as response:
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        assert "content-length" not in response.headers  # streamed, not built in memory
        assert response.headers["content-disposition"] == 'attachment; filename="tasks.csv"'
        body = (await response.aread()).decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [row["title"] for row in rows] == [
        '\'=HYPERLINK("http://evil")',
        "'+1",
        "'-2",
        "'@SUM(A1)",
        "'\tx",
        "'\rx",
        'plain, "quoted"\nnext',
    ]
    assert json.loads(rows[0]["tags"]) == ["=cmd", "ok"]  # inside a JSON array the cell starts with "["
    assert {row["status"] for row in rows} == {"todo"}


async def test_jsonl_export_carries_tasks_exactly_as_the_api_shows_them(
    client: httpx.AsyncClient, register: Register
) -> None:
    ada = await register()
    created = [await create_task(client, ada, title=f"=Task {n}", due_at=SOON.isoformat()) for n in range(3)]
    response = await client.get(f"{TASKS}/export", params={"format": "jsonl"}, headers=ada.auth)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/jsonl"
    lines = response.text.splitlines()
    assert [json.loads(line) for line in lines] == [
        (await client.get(f"{TASKS}/{task['id']}", headers=ada.auth)).json() for task in created
    ]


async def test_an_empty_export_is_a_header_or_nothing(client: httpx.AsyncClient, register: Register) -> None:
    ada = await register()
    assert (await client.get(f"{TASKS}/export", headers=ada.auth)).text.strip() == (
        "id,title,description,status,priority,due_at,tags,created_at,updated_at,completed_at,version"
    )
    assert (await client.get(f"{TASKS}/export?format=jsonl", headers=ada.auth)).text == ""


@pytest.mark.parametrize("query", ["format=xml", "format=csv&format=jsonl", "format[$ne]=csv", "limit=5"])
async def test_bad_export_queries_are_422(client: httpx.AsyncClient, register: Register, query: str) -> None:
    ada = await register()
    assert_problem(await client.get(f"{TASKS}/export?{query}", headers=ada.auth), 422)
