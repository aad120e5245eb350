"""Bad input on every endpoint of the slice: a problem+json 4xx that names the problem, never a 500."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.api.conftest import PASSWORD, Register, assert_problem

JSON = {"content-type": "application/json"}


async def test_unknown_route_is_a_problem(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/api/v1/nowhere"), 404)


async def test_wrong_method_is_a_problem_with_allow(client: httpx.AsyncClient) -> None:
    response = await client.delete("/api/v1/auth/register")
    assert_problem(response, 405)
    assert "POST" in response.headers["allow"]


@pytest.mark.parametrize("path", ["/api/v1/auth/register", "/api/v1/auth/login"])
async def test_malformed_json_is_400(client: httpx.AsyncClient, path: str) -> None:
    assert_problem(await client.post(path, content=b'{"email": ', headers=JSON), 400)


async def test_absurdly_nested_json_is_400_not_500(client: httpx.AsyncClient) -> None:
    body = b"[" * 3000 + b"]" * 3000
    assert_problem(await client.post("/api/v1/auth/register", content=body, headers=JSON), 400, "body-too-deep")
    nested = b'{"a":' * 3000 + b"1" + b"}" * 3000
    assert_problem(await client.post("/api/v1/auth/login", content=nested, headers=JSON), 400, "body-too-deep")


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "application/x-www-form-urlencoded"])
async def test_wrong_content_type_is_415(client: httpx.AsyncClient, content_type: str) -> None:
    body = json.dumps({"email": "a@example.com", "password": PASSWORD, "name": "A"})
    response = await client.post("/api/v1/auth/register", content=body, headers={"content-type": content_type})
    assert_problem(response, 415)


async def test_oversized_body_is_413(client: httpx.AsyncClient) -> None:
    body = json.dumps({"email": "a@example.com", "password": PASSWORD, "name": "x" * 2_000_000})
    assert_problem(await client.post("/api/v1/auth/register", content=body, headers=JSON), 413)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "a@example.com", "password": PASSWORD, "name": "A", "role": "admin"}, "role"),
        ({"email": "a@example.com", "password": PASSWORD, "name": "A", "is_active": False}, "is_active"),
        ({"email": "a@example.com", "password": PASSWORD}, "name"),
        ({"email": "not-an-email", "password": PASSWORD, "name": "A"}, "email"),
        ({"email": "a@example.com", "password": "short", "name": "A"}, "password"),
        ({"email": "a@example.com", "password": "p" * 1025, "name": "A"}, "password"),
        ({"email": {"$ne": None}, "password": PASSWORD, "name": "A"}, "email"),
    ],
)
async def test_registration_schema_errors_are_422_naming_the_field(
    client: httpx.AsyncClient, body: dict[str, object], field: str
) -> None:
    problem = assert_problem(await client.post("/api/v1/auth/register", json=body), 422)
    assert field in {error["field"] for error in problem["errors"]}  # type: ignore[attr-defined]  # problem body is JSON


async def test_a_second_registration_of_an_email_is_409(client: httpx.AsyncClient, register: Register) -> None:
    ada = await register()
    again = await client.post(
        "/api/v1/auth/register", json={"email": ada.email.upper(), "password": PASSWORD, "name": "A"}
    )
    assert_problem(again, 409, "email-taken")


async def test_login_failures_are_indistinguishable(client: httpx.AsyncClient, register: Register) -> None:
    ada = await register()
    unknown = await client.post("/api/v1/auth/login", json={"email": "nobody@example.com", "password": PASSWORD})
    wrong = await client.post("/api/v1/auth/login", json={"email": ada.email, "password": PASSWORD + "!"})
    for response in (unknown, wrong):
        assert_problem(response, 401, "invalid-credentials")
        assert response.headers["www-authenticate"].startswith("Bearer")
    assert unknown.content == wrong.content


async def test_login_with_an_operator_for_email_is_422(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/auth/login", json={"email": {"$gt": ""}, "password": PASSWORD})
    assert_problem(response, 422)


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/api/v1/users/me"), ("POST", "/api/v1/tasks"), ("GET", "/api/v1/tasks/" + "a" * 24)],
)
async def test_protected_routes_need_a_token(client: httpx.AsyncClient, method: str, path: str) -> None:
    response = await client.request(method, path, json={"title": "x"})
    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "authorization", ["Bearer nonsense", "Bearer", "Basic YTpi", "Bearer a.b.c", "bearer eyJhbGciOiJub25lIn0.e30."]
)
async def test_bad_tokens_are_401_before_the_body_is_read(client: httpx.AsyncClient, authorization: str) -> None:
    response = await client.post("/api/v1/tasks", content=b"{broken", headers={**JSON, "authorization": authorization})
    assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_a_token_in_the_query_string_is_ignored(client: httpx.AsyncClient, register: Register) -> None:
    ada = await register()
    assert_problem(await client.get("/api/v1/users/me", params={"access_token": ada.token}), 401)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "   "}, "title"),
        ({}, "title"),
        ({"title": "x", "description": "d" * 10_001}, "description"),
        ({"title": "x", "tags": [f"t{i}" for i in range(21)]}, "tags"),
        ({"title": "x", "tags": ["t" * 41]}, "tags"),
        ({"title": "x", "status": "finished"}, "status"),
        ({"title": "x", "priority": "whenever"}, "priority"),
        ({"title": "x", "due_at": "2026-12-01T10:00:00"}, "due_at"),
        ({"title": "x", "due_at": "tomorrow"}, "due_at"),
        ({"title": "x", "user_id": "b" * 24}, "user_id"),
        ({"title": "x", "version": 7}, "version"),
        ({"title": "x", "created_at": "2026-01-01T00:00:00Z"}, "created_at"),
        ({"title": "x", "_id": "b" * 24}, "_id"),
        ({"title": {"$ne": None}}, "title"),
    ],
)
async def test_task_schema_errors_are_422_naming_the_field(
    client: httpx.AsyncClient, register: Register, body: dict[str, object], field: str
) -> None:
    ada = await register()
    problem = assert_problem(await client.post("/api/v1/tasks", json=body, headers=ada.auth), 422)
    fields = [str(error["field"]) for error in problem["errors"]]  # type: ignore[attr-defined]  # problem body is JSON
    assert any(name == field or name.startswith(f"{field}[") for name in fields), fields


async def test_a_task_body_that_is_not_an_object_is_422(client: httpx.AsyncClient, register: Register) -> None:
    ada = await register()
    assert_problem(await client.post("/api/v1/tasks", json=["title"], headers=ada.auth), 422)


async def test_another_users_task_is_not_found_exactly_like_a_missing_one(
    client: httpx.AsyncClient, register: Register
) -> None:
    ada, bob = await register(), await register()
    created = await client.post("/api/v1/tasks", json={"title": "Ada's"}, headers=ada.auth)
    theirs = await client.get(created.headers["location"], headers=bob.auth)
    missing = await client.get("/api/v1/tasks/" + "0" * 24, headers=bob.auth)
    assert_problem(theirs, 404, "task-not-found")
    assert "etag" not in theirs.headers
    assert theirs.json() == missing.json()


@pytest.mark.parametrize("task_id", ["zzz", "A" * 24, "a" * 25, "%24ne", '{"$ne":null}'])
async def test_malformed_task_ids_are_not_found(client: httpx.AsyncClient, register: Register, task_id: str) -> None:
    ada = await register()
    assert_problem(await client.get(f"/api/v1/tasks/{task_id}", headers=ada.auth), 404)


async def test_the_password_form_refuses_bad_credentials_and_json(
    client: httpx.AsyncClient, register: Register
) -> None:
    ada = await register()
    wrong = await client.post("/api/v1/auth/token", data={"username": ada.email, "password": PASSWORD + "!"})
    assert_problem(wrong, 401, "invalid-credentials")
    empty = await client.post("/api/v1/auth/token", data={"grant_type": "password"})
    assert_problem(empty, 401, "invalid-credentials")
    as_json = await client.post("/api/v1/auth/token", json={"username": ada.email, "password": PASSWORD})
    assert_problem(as_json, 415)
    huge = await client.post("/api/v1/auth/token", data={"username": ada.email, "password": "p" * 1025})
    assert_problem(huge, 422)


@pytest.mark.parametrize(
    ("method", "path", "field"),
    [
        ("GET", "/api/v1/users/me?fields=password_hash", "fields"),
        ("POST", "/api/v1/tasks?user_id=000000000000000000000000", "user_id"),
        ("GET", "/api/v1/tasks/stats?overdue[$gt]=0", "overdue[$gt]"),
        ("GET", "/api/v1/tasks/000000000000000000000000?if_match=1", "if_match"),
    ],
)
async def test_every_route_refuses_query_parameters_it_does_not_declare(
    client: httpx.AsyncClient, register: Register, method: str, path: str, field: str
) -> None:
    ada = await register()
    response = await client.request(method, path, json={"title": "x"} if method == "POST" else None, headers=ada.auth)
    body = assert_problem(response, 422)
    assert [e["field"] for e in body["errors"]] == [field]  # type: ignore[attr-defined]


async def test_json_bodies_are_read_strictly_as_the_document_types_them(
    client: httpx.AsyncClient, register: Register
) -> None:
    """Litestar's lax mode took `0` for a date and `"1"` for a number; JSON says what it means."""
    ada = await register()
    for body, field in (({"title": "t", "due_at": 0}, "due_at"), ({"title": "t", "tags": [1]}, "tags[0]")):
        refused = await client.post("/api/v1/tasks", json=body, headers=ada.auth)
        assert_problem(refused, 422, "validation-failed")
        assert refused.json()["errors"][0]["field"] == field
    dated = {"title": "t", "due_at": "2030-01-01T00:00:00Z"}
    created = await client.post("/api/v1/tasks", json=dated, headers=ada.auth)
    assert created.status_code == 201
    renamed = await client.patch("/api/v1/users/me", json={"name": 7}, headers=ada.auth)
    assert_problem(renamed, 422, "validation-failed")
