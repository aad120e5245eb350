"""`/api/v1/projects` through HTTP: the owner's routes, and what members and strangers get.

Members are added with the MongoDB adapter (`join`); invitations are tested end to end on their own.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest
from bson import ObjectId

from taskflow.domain.access.roles import ProjectRole
from tests.api.conftest import Join, Leave, Register, assert_problem, create_project

PROJECTS = "/api/v1/projects"


async def test_a_project_is_created_listed_read_renamed_and_deleted(
    client: httpx.AsyncClient, register: Register
) -> None:
    ada = await register()
    created = await client.post(PROJECTS, json={"name": "Home"}, headers=ada.auth)
    assert created.status_code == 201
    project = created.json()
    assert created.headers["location"] == f"{PROJECTS}/{project['id']}"
    assert created.headers["etag"] == '"1"'
    assert (project["name"], project["owner_id"], project["role"], project["version"]) == ("Home", ada.id, "owner", 1)
    url = f"{PROJECTS}/{project['id']}"
    assert (await client.get(PROJECTS, headers=ada.auth)).json() == {"items": [project]}
    assert (await client.get(url, headers=ada.auth)).json() == project
    renamed = await client.patch(url, json={"name": "House"}, headers={**ada.auth, "If-Match": '"1"'})
    assert (renamed.status_code, renamed.headers["etag"], renamed.json()["name"]) == (200, '"2"', "House")
    stale = await client.patch(url, json={"name": "Flat"}, headers={**ada.auth, "If-Match": '"1"'})
    assert_problem(stale, 412, "precondition-failed")
    assert_problem(await client.delete(url, headers={**ada.auth, "If-Match": '"1"'}), 412, "precondition-failed")
    assert (await client.delete(url, headers=ada.auth)).status_code == 204
    assert_problem(await client.get(url, headers=ada.auth), 404, "project-not-found")
    assert (await client.get(PROJECTS, headers=ada.auth)).json() == {"items": []}


@pytest.mark.parametrize(
    "body",
    [{}, {"name": ""}, {"name": "   "}, {"name": "x" * 101}, {"name": 7}, {"name": "Home", "space": "x"}, []],
)
async def test_a_bad_project_body_is_422_and_stores_nothing(
    client: httpx.AsyncClient, register: Register, body: object
) -> None:
    ada = await register()
    assert_problem(await client.post(PROJECTS, json=body, headers=ada.auth), 422)
    assert (await client.get(PROJECTS, headers=ada.auth)).json() == {"items": []}


async def test_projects_need_a_token(client: httpx.AsyncClient) -> None:
    for response in await asyncio.gather(
        client.get(PROJECTS), client.post(PROJECTS, json={"name": "x"}), client.get(f"{PROJECTS}/{'0' * 24}")
    ):
        assert_problem(response, 401)


async def test_a_stranger_gets_the_same_404_as_for_an_id_that_does_not_exist(
    client: httpx.AsyncClient, register: Register
) -> None:
    ada, eve = await register(), await register()
    project = await create_project(client, ada)
    missing = str(ObjectId())
    for method, body in (("GET", None), ("PATCH", {"name": "mine"}), ("DELETE", None)):
        answers = [
            await client.request(method, f"{PROJECTS}/{project_id}", json=body, headers=eve.auth)
            for project_id in (project["id"], missing)
        ]
        for answer in answers:
            assert_problem(answer, 404, "project-not-found")
        assert answers[0].content == answers[1].content
        assert "etag" not in answers[0].headers
    assert_problem(await client.get(f"{PROJECTS}/not-an-id", headers=eve.auth), 404, "project-not-found")
    assert (await client.get(PROJECTS, headers=eve.auth)).json() == {"items": []}
    assert (await client.get(f"{PROJECTS}/{project['id']}", headers=ada.auth)).json() == project


async def test_a_member_sees_the_project_with_their_role_and_cannot_rename_or_delete_it(
    client: httpx.AsyncClient, register: Register, join: Join
) -> None:
    ada, bob = await register(), await register()
    project = await create_project(client, ada)
    await join(bob, project, ProjectRole.ADMIN)
    url = f"{PROJECTS}/{project['id']}"
    assert (await client.get(url, headers=bob.auth)).json() == {**project, "role": "admin"}
    assert [item["id"] for item in (await client.get(PROJECTS, headers=bob.auth)).json()["items"]] == [project["id"]]
    assert_problem(await client.patch(url, json={"name": "mine"}, headers=bob.auth), 403, "forbidden")
    assert_problem(await client.delete(url, headers=bob.auth), 403, "forbidden")
    assert (await client.get(url, headers=ada.auth)).json() == project


async def test_a_removed_member_loses_the_project_on_the_next_request(
    client: httpx.AsyncClient, register: Register, join: Join, leave: Leave
) -> None:
    ada, bob = await register(), await register()
    project = await create_project(client, ada)
    await join(bob, project, ProjectRole.EDITOR)
    url = f"{PROJECTS}/{project['id']}"
    assert (await client.get(url, headers=bob.auth)).status_code == 200
    await leave(bob, project)
    assert_problem(await client.get(url, headers=bob.auth), 404, "project-not-found")
    assert (await client.get(PROJECTS, headers=bob.auth)).json() == {"items": []}


async def test_deleting_a_project_takes_it_from_every_member(
    client: httpx.AsyncClient, register: Register, join: Join
) -> None:
    ada, bob = await register(), await register()
    project = await create_project(client, ada)
    await join(bob, project, ProjectRole.VIEWER)
    assert (await client.delete(f"{PROJECTS}/{project['id']}", headers=ada.auth)).status_code == 204
    assert_problem(await client.get(f"{PROJECTS}/{project['id']}", headers=bob.auth), 404, "project-not-found")
    assert (await client.get(PROJECTS, headers=bob.auth)).json() == {"items": []}


async def test_members_are_listed_and_managed_below_ones_own_role(
    client: httpx.AsyncClient, register: Register, join: Join
) -> None:
    ada, bob, carol = await register(), await register(), await register()
    project = await create_project(client, ada)
    await join(bob, project, ProjectRole.ADMIN)
    await join(carol, project, ProjectRole.VIEWER)
    url = f"{PROJECTS}/{project['id']}/members"
    await client.patch("/api/v1/users/me", json={"name": "Carol"}, headers=carol.auth)
    listed = (await client.get(url, headers=carol.auth)).json()["items"]
    assert [(m["user_id"], m["role"]) for m in listed] == [(ada.id, "owner"), (bob.id, "admin"), (carol.id, "viewer")]
    assert [m["name"] for m in listed] == ["T", "T", "Carol"]  # each member's display name
    changed = await client.patch(f"{url}/{carol.id}", json={"role": "editor"}, headers=bob.auth)
    assert (changed.status_code, changed.json()["role"], changed.json()["name"]) == (200, "editor", "Carol")
    for target, role in ((carol.id, "admin"), (carol.id, "owner"), (bob.id, "viewer"), (ada.id, "viewer")):
        refused = await client.patch(f"{url}/{target}", json={"role": role}, headers=bob.auth)
        assert_problem(refused, 403, "forbidden")
    assert_problem(await client.patch(f"{url}/{ada.id}", json={"role": "viewer"}, headers=carol.auth), 403)
    assert_problem(await client.patch(f"{url}/{'0' * 24}", json={"role": "viewer"}, headers=bob.auth), 404)
    assert_problem(await client.patch(f"{url}/{carol.id}", json={"role": "boss"}, headers=bob.auth), 422)
    assert (await client.delete(f"{url}/{carol.id}", headers=bob.auth)).status_code == 204
    assert_problem(await client.get(url, headers=carol.auth), 404, "project-not-found")
    assert_problem(await client.delete(f"{url}/{carol.id}", headers=bob.auth), 404, "member-not-found")
    assert_problem(await client.delete(f"{url}/{ada.id}", headers=bob.auth), 403, "forbidden")


async def test_a_stranger_cannot_list_or_manage_members(client: httpx.AsyncClient, register: Register) -> None:
    ada, eve = await register(), await register()
    project = await create_project(client, ada)
    url = f"{PROJECTS}/{project['id']}"
    for response in (
        await client.get(f"{url}/members", headers=eve.auth),
        await client.patch(f"{url}/members/{ada.id}", json={"role": "viewer"}, headers=eve.auth),
        await client.delete(f"{url}/members/{ada.id}", headers=eve.auth),
        await client.post(f"{url}/leave", headers=eve.auth),
        await client.post(f"{url}/transfer", json={"user_id": eve.id}, headers=eve.auth),
    ):
        assert_problem(response, 404, "project-not-found")
    assert [m["user_id"] for m in (await client.get(f"{url}/members", headers=ada.auth)).json()["items"]] == [ada.id]


async def test_the_owner_transfers_before_leaving(client: httpx.AsyncClient, register: Register, join: Join) -> None:
    ada, bob, eve = await register(), await register(), await register()
    project = await create_project(client, ada)
    await join(bob, project, ProjectRole.DOER)
    url = f"{PROJECTS}/{project['id']}"
    assert_problem(await client.post(f"{url}/leave", headers=ada.auth), 409, "owner-must-transfer")
    for heir in (eve.id, ada.id, "not-an-id"):
        assert_problem(await client.post(f"{url}/transfer", json={"user_id": heir}, headers=ada.auth), 422)
    assert_problem(await client.post(f"{url}/transfer", json={"user_id": ada.id}, headers=bob.auth), 403)
    handed = await client.post(f"{url}/transfer", json={"user_id": bob.id}, headers=ada.auth)
    assert handed.status_code == 200
    assert (handed.json()["owner_id"], handed.json()["role"], handed.headers["etag"]) == (bob.id, "admin", '"2"')
    assert (await client.get(url, headers=bob.auth)).json()["role"] == "owner"
    assert (await client.post(f"{url}/leave", headers=ada.auth)).status_code == 204
    assert_problem(await client.get(url, headers=ada.auth), 404, "project-not-found")
    assert [m["user_id"] for m in (await client.get(f"{url}/members", headers=bob.auth)).json()["items"]] == [bob.id]
