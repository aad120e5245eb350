"""A project's tasks through HTTP: each member as their role allows, nobody else at all."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from bson import ObjectId

from taskflow.domain.access.roles import ProjectRole
from taskflow.settings import Settings
from tests.api.conftest import Account, Join, Leave, Register, api_processes, assert_problem, cache_counter, new_account

TASKS = "/api/v1/tasks"


async def _project(client: httpx.AsyncClient, owner: Account) -> str:
    created = await client.post("/api/v1/projects", json={"name": "Home"}, headers=owner.auth)
    assert created.status_code == 201
    return str(created.json()["id"])


async def _shared(
    client: httpx.AsyncClient, register: Register, join: Join, role: ProjectRole
) -> tuple[Account, Account, str]:
    """Ada's project, with Bob in it at `role`."""
    ada, bob = await register(), await register()
    project = await _project(client, ada)
    await join(bob, {"id": project, "owner_id": ada.id}, role)
    return ada, bob, project


async def test_a_project_task_is_made_read_and_changed_by_its_members(
    client: httpx.AsyncClient, register: Register, join: Join
) -> None:
    ada, bob, project = await _shared(client, register, join, ProjectRole.EDITOR)
    created = await client.post(TASKS, json={"title": "Paint", "project_id": project}, headers=bob.auth)
    assert created.status_code == 201, created.text
    task = created.json()
    assert task["project_id"] == project
    assert created.headers["location"] == f"{TASKS}/{task['id']}?project_id={project}"
    url = f"{TASKS}/{task['id']}?project_id={project}"
    assert (await client.get(url, headers=ada.auth)).json() == task
    listed = await client.get(TASKS, params={"project_id": project}, headers=ada.auth)
    assert [item["id"] for item in listed.json()["items"]] == [task["id"]]
    warm = await client.get(url, headers=ada.auth)  # from the cache now
    assert warm.json()["version"] == 1
    changed = await client.patch(url, json={"title": "Paint the door"}, headers=bob.auth)
    assert changed.json()["version"] == 2
    assert (await client.get(url, headers=ada.auth)).json()["title"] == "Paint the door"  # another member's write
    assert (await client.delete(url, headers=ada.auth)).status_code == 204
    assert_problem(await client.get(url, headers=bob.auth), 404, "task-not-found")


async def test_a_project_task_is_no_ones_own_task(client: httpx.AsyncClient, register: Register, join: Join) -> None:
    ada, _, project = await _shared(client, register, join, ProjectRole.VIEWER)
    shared = (await client.post(TASKS, json={"title": "Shared", "project_id": project}, headers=ada.auth)).json()
    own = (await client.post(TASKS, json={"title": "Own"}, headers=ada.auth)).json()
    assert own["project_id"] is None
    assert [item["id"] for item in (await client.get(TASKS, headers=ada.auth)).json()["items"]] == [own["id"]]
    assert (await client.get(f"{TASKS}/{shared['id']}", headers=ada.auth)).json() == shared  # its id alone reaches it
    assert_problem(await client.get(f"{TASKS}/{own['id']}?project_id={project}", headers=ada.auth), 404)
    stats = (await client.get(f"{TASKS}/stats", headers=ada.auth)).json()
    assert stats["total"] == 1


@pytest.mark.parametrize(
    ("role", "create", "complete", "rename", "delete"),
    [
        (ProjectRole.VIEWER, 403, 403, 403, 403),
        (ProjectRole.DOER, 403, 200, 403, 403),
        (ProjectRole.EDITOR, 201, 200, 200, 204),
        (ProjectRole.ADMIN, 201, 200, 200, 204),
    ],
)
async def test_what_each_role_may_do_with_a_projects_tasks(  # noqa: PLR0917 - the matrix's columns
    client: httpx.AsyncClient,
    register: Register,
    join: Join,
    role: ProjectRole,
    create: int,
    complete: int,
    rename: int,
    delete: int,
) -> None:
    ada, bob, project = await _shared(client, register, join, role)
    task = (await client.post(TASKS, json={"title": "T", "project_id": project}, headers=ada.auth)).json()
    url = f"{TASKS}/{task['id']}?project_id={project}"
    assert (await client.get(url, headers=bob.auth)).status_code == 200
    made = await client.post(TASKS, json={"title": "Mine", "project_id": project}, headers=bob.auth)
    assert made.status_code == create, made.text
    assert (await client.patch(url, json={"status": "done"}, headers=bob.auth)).status_code == complete
    assert (await client.patch(url, json={"title": "Renamed"}, headers=bob.auth)).status_code == rename
    assert (await client.delete(url, headers=bob.auth)).status_code == delete
    for status in {create, complete, rename, delete} - {200, 201, 204}:
        assert status == 403


async def test_a_stranger_gets_the_404_of_a_project_that_does_not_exist(
    client: httpx.AsyncClient, register: Register
) -> None:
    ada, eve = await register(), await register()
    project = await _project(client, ada)
    task = (await client.post(TASKS, json={"title": "T", "project_id": project}, headers=ada.auth)).json()
    for place in (project, str(ObjectId())):
        answers = [
            await client.get(f"{TASKS}/{task['id']}?project_id={place}", headers=eve.auth),
            await client.patch(f"{TASKS}/{task['id']}?project_id={place}", json={"status": "done"}, headers=eve.auth),
            await client.delete(f"{TASKS}/{task['id']}?project_id={place}", headers=eve.auth),
            await client.get(TASKS, params={"project_id": place}, headers=eve.auth),
            await client.post(TASKS, json={"title": "In", "project_id": place}, headers=eve.auth),
        ]
        for answer in answers:
            assert_problem(answer, 404, "project-not-found")
    assert_problem(await client.get(TASKS, params={"project_id": "not-an-id"}, headers=eve.auth), 422)
    assert (await client.get(f"{TASKS}/{task['id']}?project_id={project}", headers=ada.auth)).json() == task


async def test_a_cursor_works_only_where_it_was_made(client: httpx.AsyncClient, register: Register, join: Join) -> None:
    ada, _, project = await _shared(client, register, join, ProjectRole.VIEWER)
    for number in range(3):
        await client.post(TASKS, json={"title": f"T{number}", "project_id": project}, headers=ada.auth)
        await client.post(TASKS, json={"title": f"Own {number}"}, headers=ada.auth)
    page = (await client.get(TASKS, params={"project_id": project, "limit": 2}, headers=ada.auth)).json()
    assert page["next_cursor"]
    assert_problem(await client.get(TASKS, params={"limit": 2, "cursor": page["next_cursor"]}, headers=ada.auth), 422)
    rest = await client.get(
        TASKS, params={"project_id": project, "limit": 2, "cursor": page["next_cursor"]}, headers=ada.auth
    )
    assert [item["title"] for item in rest.json()["items"]] == ["T0"]


async def test_a_removed_member_loses_the_tasks_on_the_next_request_with_the_cache_warm(
    client: httpx.AsyncClient, register: Register, join: Join, leave: Leave
) -> None:
    ada, bob, project = await _shared(client, register, join, ProjectRole.EDITOR)
    task = (await client.post(TASKS, json={"title": "T", "project_id": project}, headers=ada.auth)).json()
    url = f"{TASKS}/{task['id']}?project_id={project}"
    for _ in range(2):
        assert (await client.get(url, headers=bob.auth)).status_code == 200  # the second from the cache
    await leave(bob, {"id": project})
    assert_problem(await client.get(url, headers=bob.auth), 404, "project-not-found")
    assert_problem(await client.get(TASKS, params={"project_id": project}, headers=bob.auth), 404)


async def test_a_projects_figures_and_export_are_its_members_alone(
    client: httpx.AsyncClient, register: Register, join: Join
) -> None:
    ada, bob, project = await _shared(client, register, join, ProjectRole.VIEWER)
    eve = await register()
    await client.post(TASKS, json={"title": "Shared", "status": "done", "project_id": project}, headers=ada.auth)
    await client.post(TASKS, json={"title": "Own"}, headers=ada.auth)
    stats = (await client.get(f"{TASKS}/stats", params={"project_id": project}, headers=bob.auth)).json()
    assert (stats["total"], stats["by_status"]["done"]) == (1, 1)
    exported = await client.get(f"{TASKS}/export", params={"project_id": project, "format": "jsonl"}, headers=bob.auth)
    assert [line["title"] for line in map(json.loads, exported.text.splitlines())] == ["Shared"]
    for path in ("stats", "export"):
        assert_problem(await client.get(f"{TASKS}/{path}", params={"project_id": project}, headers=eve.auth), 404)


async def test_tasks_are_assigned_to_members_and_doers_take_them_themselves(
    client: httpx.AsyncClient, register: Register, join: Join
) -> None:
    ada, bob, project = await _shared(client, register, join, ProjectRole.DOER)
    eve = await register()
    body = {"title": "Paint", "project_id": project, "assignee_id": ada.id}
    task = (await client.post(TASKS, json=body, headers=ada.auth)).json()
    assert task["assignee_id"] == ada.id
    stranger = await client.post(TASKS, json={**body, "assignee_id": eve.id}, headers=ada.auth)
    assert assert_problem(stranger, 422)["errors"] == [
        {"field": "assignee_id", "message": "a task is assigned to a member of its project only"}
    ]
    own = await client.post(TASKS, json={"title": "Mine", "assignee_id": ada.id}, headers=ada.auth)
    assert_problem(own, 422)  # one's own tasks are not assigned
    url = f"{TASKS}/{task['id']}?project_id={project}"
    assert_problem(await client.patch(url, json={"assignee_id": ada.id}, headers=bob.auth), 403)
    assert_problem(await client.patch(url, json={"assignee_id": None}, headers=bob.auth), 403)
    taken = await client.patch(url, json={"assignee_id": bob.id, "status": "in_progress"}, headers=bob.auth)
    assert (taken.status_code, taken.json()["assignee_id"], taken.json()["status"]) == (200, bob.id, "in_progress")
    cleared = await client.patch(url, json={"assignee_id": None}, headers=ada.auth)
    assert (cleared.status_code, cleared.json()["assignee_id"]) == (200, None)
    assert_problem(await client.patch(url, json={"assignee_id": eve.id}, headers=ada.auth), 422)


async def test_assigned_to_me_spans_every_project_and_follows_membership(
    client: httpx.AsyncClient, register: Register, join: Join, leave: Leave
) -> None:
    ada, bob, home = await _shared(client, register, join, ProjectRole.EDITOR)  # Ada's project, Bob an editor
    work = await _project(client, bob)  # Bob's project, Ada an editor in it
    await join(ada, {"id": work, "owner_id": bob.id}, ProjectRole.EDITOR)
    for project, title, assignee in ((home, "h1", ada), (work, "w1", ada), (work, "w2", bob), (home, "h2", ada)):
        body = {"title": title, "project_id": project, "assignee_id": assignee.id}
        assert (await client.post(TASKS, json=body, headers=bob.auth)).status_code == 201
    await client.post(TASKS, json={"title": "own"}, headers=ada.auth)
    mine = await client.get(TASKS, params={"assignee": "me", "sort": "created_at"}, headers=ada.auth)
    assert [item["title"] for item in mine.json()["items"]] == ["h1", "w1", "h2"]
    first = (await client.get(TASKS, params={"assignee": "me", "limit": 2}, headers=ada.auth)).json()
    rest = await client.get(
        TASKS, params={"assignee": "me", "limit": 2, "cursor": first["next_cursor"]}, headers=ada.auth
    )
    assert len(first["items"]) + len(rest.json()["items"]) == 3
    assert_problem(await client.get(TASKS, params={"limit": 2, "cursor": first["next_cursor"]}, headers=ada.auth), 422)
    in_work = await client.get(TASKS, params={"assignee": "me", "project_id": work}, headers=ada.auth)
    assert [item["title"] for item in in_work.json()["items"]] == ["w1"]
    await leave(ada, {"id": work})
    after = await client.get(TASKS, params={"assignee": "me", "sort": "created_at"}, headers=ada.auth)
    assert [item["title"] for item in after.json()["items"]] == ["h1", "h2"]
    assert_problem(await client.get(TASKS, params={"assignee": "someone"}, headers=ada.auth), 422)


@asynccontextmanager
async def _two_processes(settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """A client for each of two separate API processes on the same servers."""
    with api_processes(settings, count=2) as (one, two):
        async with (
            httpx.AsyncClient(base_url=one, timeout=10) as first,
            httpx.AsyncClient(base_url=two, timeout=10) as second,
        ):
            yield first, second


async def test_a_removal_holds_on_the_next_request_on_another_process_with_the_cache_warm(
    settings: Settings, join: Join
) -> None:
    async with _two_processes(settings) as (first, second):
        ada, bob = await new_account(first), await new_account(second)
        project = await _project(first, ada)
        await join(bob, {"id": project, "owner_id": ada.id}, ProjectRole.EDITOR)
        task = (await second.post(TASKS, json={"title": "T", "project_id": project}, headers=bob.auth)).json()
        url = f"{TASKS}/{task['id']}?project_id={project}"
        for _ in range(2):
            assert (await first.get(url, headers=bob.auth)).status_code == 200
        hits = cache_counter((await first.get("/metrics")).text, "taskflow_cache_hits_total", "task")
        assert hits >= 1  # the second answer came from the cache: it is warm
        removed = await second.delete(f"/api/v1/projects/{project}/members/{bob.id}", headers=ada.auth)
        assert removed.status_code == 204
        assert_problem(await first.get(url, headers=bob.auth), 404, "project-not-found")
        assert_problem(await first.get(TASKS, params={"project_id": project}, headers=bob.auth), 404)
        assert (await first.get(url, headers=ada.auth)).status_code == 200


async def test_a_task_is_reached_by_its_id_alone_on_any_process_wherever_it_moves(
    settings: Settings, join: Join
) -> None:
    """As notifications and other clients hand it out: no `project_id` needed, and one sent is checked."""
    async with _two_processes(settings) as (first, second):
        ada, bob, eve = await new_account(first), await new_account(first), await new_account(second)
        home, work = await _project(first, ada), await _project(first, ada)
        await join(bob, {"id": home, "owner_id": ada.id}, ProjectRole.EDITOR)
        created = await first.post(TASKS, json={"title": "Paint", "project_id": home}, headers=ada.auth)
        url = f"{TASKS}/{created.json()['id']}"
        read = await second.get(url, headers=bob.auth)  # at once, on another process
        assert (read.status_code, read.json()) == (200, created.json())
        changed = await second.patch(url, json={"title": "Paint the door"}, headers={**bob.auth, "If-Match": '"1"'})
        assert (changed.status_code, changed.json()["version"]) == (200, 2)
        assert (await first.get(f"{url}/activity", headers=bob.auth)).status_code == 200
        assert_problem(await second.get(url, headers=eve.auth), 404, "task-not-found")
        assert_problem(await second.patch(url, json={"title": "x"}, headers=eve.auth), 404, "task-not-found")
        assert_problem(await second.get(f"{url}?project_id={work}", headers=ada.auth), 404, "task-not-found")

        moved = await first.patch(url, json={"project_id": work}, headers=ada.auth)  # Bob is not in `work`
        assert moved.json()["project_id"] == work
        assert (await second.get(url, headers=ada.auth)).json()["version"] == 3
        assert_problem(await second.get(url, headers=bob.auth), 404, "task-not-found")
        assert (await second.delete(url, headers=ada.auth)).status_code == 204
        assert_problem(await first.get(url, headers=ada.auth), 404, "task-not-found")


async def test_a_task_moves_between_places_for_an_editor_of_both(
    client: httpx.AsyncClient, register: Register, join: Join
) -> None:
    ada, bob, home = await _shared(client, register, join, ProjectRole.EDITOR)
    work = await _project(client, ada)  # Bob is a viewer there
    await join(bob, {"id": work, "owner_id": ada.id}, ProjectRole.VIEWER)
    body = {"title": "Paint", "project_id": home, "assignee_id": bob.id}
    task = (await client.post(TASKS, json=body, headers=ada.auth)).json()
    at_home = f"{TASKS}/{task['id']}?project_id={home}"
    assert_problem(await client.patch(at_home, json={"project_id": work}, headers=bob.auth), 403)  # a viewer there
    assert_problem(await client.patch(at_home, json={"project_id": str(ObjectId())}, headers=ada.auth), 404)
    moved = await client.patch(at_home, json={"project_id": work}, headers=ada.auth)
    assert (moved.status_code, moved.json()["id"], moved.json()["project_id"]) == (200, task["id"], work)
    assert moved.json()["version"] == 2
    assert_problem(await client.get(at_home, headers=ada.auth), 404, "task-not-found")
    at_work = f"{TASKS}/{task['id']}?project_id={work}"
    assert (await client.get(at_work, headers=bob.auth)).json() == moved.json()  # Bob is a member there too
    outsider = await register()
    await join(outsider, {"id": home, "owner_id": ada.id}, ProjectRole.VIEWER)
    back = await client.patch(at_work, json={"project_id": home, "assignee_id": outsider.id}, headers=ada.auth)
    assert back.status_code == 200  # a member of where it goes
    mine = await client.patch(f"{TASKS}/{task['id']}?project_id={home}", json={"project_id": None}, headers=ada.auth)
    assert_problem(mine, 422)  # one's own tasks are not assigned: clear the assignee in the same change
    mine = await client.patch(
        f"{TASKS}/{task['id']}?project_id={home}", json={"project_id": None, "assignee_id": None}, headers=ada.auth
    )
    assert (mine.status_code, mine.json()["project_id"]) == (200, None)
    assert [item["id"] for item in (await client.get(TASKS, headers=ada.auth)).json()["items"]] == [task["id"]]
    assert_problem(await client.get(f"{TASKS}/{task['id']}?project_id={home}", headers=bob.auth), 404)
