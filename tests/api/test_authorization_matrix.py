"""Every operation that names a project, for every kind of caller: allowed, 403, or the 404 of a missing id.

Each operation on one task is called both ways: with `?project_id=` and by the task's id alone.
Callers: each role, a member removed a moment ago, an account never in the project, and a
member who deleted their account a moment ago (401, the same whatever it names). The operations
come from the OpenAPI document: any operation with a `project_id` (in its path, its query or its
body) must have a row here, so a new route cannot be left out. Each row says the lowest role it
needs and how to call it; every caller gets a fresh project (of the same accounts), with a member
at each role and one task in it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from bson import ObjectId

from taskflow.domain.access.roles import ProjectRole
from tests.api.conftest import PASSWORD, Account, Join, Leave, Register

PROJECTS = "/api/v1/projects"
TASKS = "/api/v1/tasks"
ROLES = list(ProjectRole)


@dataclass(frozen=True)
class Place:
    project: str
    task: str
    members: dict[ProjectRole, Account]
    stranger: Account  # an account in no project: the target of moves that name a user


Call = Callable[[httpx.AsyncClient, Account, Place, str], Awaitable[httpx.Response]]


def _call(method: str, path: str, *, body: Callable[[Place], Any] | None = None, query: bool = False) -> Call:
    """`path` may name {project}, {task} and {viewer} (the viewer member's id); `query`: `?project_id=`."""

    async def call(client: httpx.AsyncClient, caller: Account, place: Place, project: str) -> httpx.Response:
        url = path.format(project=project, task=place.task, viewer=place.members[ProjectRole.VIEWER].id)
        params = {"project_id": project} if query else None
        payload = body(place) if body else None
        if isinstance(payload, dict) and "project_id" in payload:
            payload = {**payload, "project_id": project}
        return await client.request(method, url, params=params, json=payload, headers=caller.auth)

    return call


# operationId: (the lowest role it needs, how to call it)
MATRIX: dict[str, tuple[ProjectRole, Call]] = {
    "getProject": (ProjectRole.VIEWER, _call("GET", PROJECTS + "/{project}")),
    "renameProject": (ProjectRole.OWNER, _call("PATCH", PROJECTS + "/{project}", body=lambda _: {"name": "New"})),
    "deleteProject": (ProjectRole.OWNER, _call("DELETE", PROJECTS + "/{project}")),
    "listProjectMembers": (ProjectRole.VIEWER, _call("GET", PROJECTS + "/{project}/members")),
    "changeProjectMemberRole": (
        ProjectRole.ADMIN,
        _call("PATCH", PROJECTS + "/{project}/members/{viewer}", body=lambda _: {"role": "doer"}),
    ),
    "removeProjectMember": (ProjectRole.ADMIN, _call("DELETE", PROJECTS + "/{project}/members/{viewer}")),
    "leaveProject": (ProjectRole.VIEWER, _call("POST", PROJECTS + "/{project}/leave")),
    "transferProject": (
        ProjectRole.OWNER,
        _call("POST", PROJECTS + "/{project}/transfer", body=lambda p: {"user_id": p.members[ProjectRole.ADMIN].id}),
    ),
    "inviteToProject": (
        ProjectRole.ADMIN,
        _call("POST", PROJECTS + "/{project}/invitations", body=lambda _: {"email": "x@example.com", "role": "viewer"}),
    ),
    "createTask": (ProjectRole.EDITOR, _call("POST", TASKS, body=lambda _: {"title": "New", "project_id": ""})),
    "listTasks": (ProjectRole.VIEWER, _call("GET", TASKS, query=True)),
    "getTask": (ProjectRole.VIEWER, _call("GET", TASKS + "/{task}", query=True)),
    "updateTask": (ProjectRole.EDITOR, _call("PATCH", TASKS + "/{task}", body=lambda _: {"title": "T2"}, query=True)),
    "deleteTask": (ProjectRole.EDITOR, _call("DELETE", TASKS + "/{task}", query=True)),
    "getTaskActivity": (ProjectRole.VIEWER, _call("GET", TASKS + "/{task}/activity", query=True)),
    "getTaskStats": (ProjectRole.VIEWER, _call("GET", TASKS + "/stats", query=True)),
    "exportTasks": (ProjectRole.VIEWER, _call("GET", TASKS + "/export", query=True)),
}
# A task's id alone reaches it too (decision 0039): the same rows, without `?project_id=`.
BY_ID_ALONE: dict[str, tuple[ProjectRole, Call]] = {
    f"{operation} by id alone": (needed, _call(method, TASKS + path, body=body))
    for operation, needed, method, path, body in [
        ("getTask", ProjectRole.VIEWER, "GET", "/{task}", None),
        ("updateTask", ProjectRole.EDITOR, "PATCH", "/{task}", lambda _: {"title": "T2"}),
        ("deleteTask", ProjectRole.EDITOR, "DELETE", "/{task}", None),
        ("getTaskActivity", ProjectRole.VIEWER, "GET", "/{task}/activity", None),
    ]
}
ROWS = {**MATRIX, **BY_ID_ALONE}
# What an allowed caller may still be told, for reasons other than access: the owner cannot
# leave (409), nor change or remove a member at or above them.
ALLOWED_OTHERWISE = {("leaveProject", ProjectRole.OWNER): 409}


def _request_names_a_project(operation: dict[str, Any], schemas: dict[str, Any]) -> bool:
    """`project_id` in the operation's parameters, or among its JSON body's properties."""
    if any(parameter["name"] == "project_id" for parameter in operation.get("parameters", [])):
        return True
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    if "$ref" in body:
        body = schemas[body["$ref"].rsplit("/", 1)[-1]]
    return "project_id" in body.get("properties", {})


async def test_every_operation_that_names_a_project_is_in_the_matrix(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    schemas = document["components"]["schemas"]
    naming = {
        operation["operationId"]
        for item in document["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict) and _request_names_a_project(operation, schemas)
    }
    assert naming == set(MATRIX)


async def _people(register: Register) -> tuple[dict[ProjectRole, Account], Account]:
    """One account per role and a stranger; each place makes a fresh project with them in it."""
    return {role: await register() for role in ROLES}, await register()


async def _place(
    client: httpx.AsyncClient,
    people: tuple[dict[ProjectRole, Account], Account],
    join: Join,
    replacing: dict[ProjectRole, Account] | None = None,
) -> Place:
    """A fresh project of the owner's, with one member at each other role and one task."""
    members, stranger = {**people[0], **(replacing or {})}, people[1]
    owner = members[ProjectRole.OWNER]
    project = (await client.post(PROJECTS, json={"name": "Matrix"}, headers=owner.auth)).json()
    for role in ROLES[:-1]:
        await join(members[role], project, role)
    task = await client.post(TASKS, json={"title": "T", "project_id": project["id"]}, headers=owner.auth)
    return Place(project["id"], task.json()["id"], members, stranger)


@pytest.mark.parametrize("operation", sorted(ROWS))
async def test_each_caller_gets_what_their_role_allows(
    client: httpx.AsyncClient, register: Register, join: Join, leave: Leave, operation: str
) -> None:
    needed, call = ROWS[operation]
    people = await _people(register)
    for role in ROLES:
        place = await _place(client, people, join)
        answer = await call(client, place.members[role], place, place.project)
        expected = ALLOWED_OTHERWISE.get((operation, role))
        if role.covers(needed):
            assert answer.status_code == expected or answer.status_code < 400, (operation, role, answer.text)
        else:
            assert answer.status_code == 403, (operation, role, answer.text)
    # Outsiders: a member removed a moment ago, and an account that was never in it. Each gets,
    # byte for byte, what a project (or, by id alone, a task) that does not exist gets.
    place = await _place(client, people, join)
    removed = place.members[ProjectRole.EDITOR]
    # Known to the membership gate before the removal: it must hold with the gate warm.
    assert (await client.get(f"{PROJECTS}/{place.project}", headers=removed.auth)).status_code == 200
    await leave(removed, {"id": place.project})
    missing = await call(client, removed, dataclasses.replace(place, task=str(ObjectId())), str(ObjectId()))
    for outsider in (removed, place.stranger):
        answer = await call(client, outsider, place, place.project)
        assert (answer.status_code, answer.content) == (404, missing.content), (operation, answer.text)
    # A member with the role the operation needs, who deleted their account a moment ago (known to
    # both gates): their token no longer works, and the answer says nothing about the project.
    place = await _place(client, people, join, replacing={needed: await register()})
    deleted = place.members[needed]
    assert (await client.get(f"{PROJECTS}/{place.project}", headers=deleted.auth)).status_code == 200
    gone = await client.request("DELETE", "/api/v1/users/me", json={"password": PASSWORD}, headers=deleted.auth)
    assert gone.status_code == 202, gone.text
    answer = await call(client, deleted, place, place.project)
    elsewhere = await call(client, deleted, place, str(ObjectId()))
    assert (answer.status_code, answer.content) == (401, elsewhere.content), (operation, answer.text)
