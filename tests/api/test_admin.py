"""Administration and one's own profile, through HTTP on the real stack."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import httpx
import pytest

from taskflow.settings import Settings
from tests.api.conftest import PASSWORD, Account, Register, assert_problem, serve


async def test_admin_routes_are_401_without_a_token_and_403_for_users(
    client: httpx.AsyncClient, register: Register
) -> None:
    ada = await register()
    for method, path in [
        ("GET", "/api/v1/admin/users"),
        ("GET", "/api/v1/admin/stats"),
        ("PATCH", f"/api/v1/admin/users/{ada.id}"),
    ]:
        assert_problem(await client.request(method, path, json={"role": "admin"}), 401)
        assert_problem(await client.request(method, path, json={"role": "admin"}, headers=ada.auth), 403, "forbidden")
    me = await client.get("/api/v1/users/me", headers=ada.auth)
    assert me.json()["role"] == "user"


async def test_listing_filters_and_pages_by_cursor(
    client: httpx.AsyncClient, register: Register, make_admin: Callable[[], Awaitable[Account]]
) -> None:
    root = await make_admin()
    users = [await register() for _ in range(3)]
    seen: list[str] = []
    params: dict[str, str | int] = {"email_prefix": "user-", "role": "user", "limit": 2}
    while True:
        page = await client.get("/api/v1/admin/users", params=params, headers=root.auth)
        assert page.status_code == 200, page.text
        seen += [item["email"] for item in page.json()["items"]]
        if page.json()["next_cursor"] is None:
            break
        params["cursor"] = page.json()["next_cursor"]
    assert sorted(seen) == sorted(u.email for u in users)  # the admin is filtered out by role


@pytest.mark.parametrize(
    "params",
    [{"limit": 0}, {"limit": 101}, {"role": "root"}, {"is_active": "maybe"}, {"cursor": "!!"}, {"cursor": "AAAA"}],
)
async def test_bad_listing_parameters_are_422(
    client: httpx.AsyncClient, make_admin: Callable[[], Awaitable[Account]], params: dict[str, str | int]
) -> None:
    root = await make_admin()
    assert_problem(await client.get("/api/v1/admin/users", params=params, headers=root.auth), 422)


async def test_an_email_prefix_is_matched_literally(
    client: httpx.AsyncClient, register: Register, make_admin: Callable[[], Awaitable[Account]]
) -> None:
    root = await make_admin()
    await register()
    for prefix in (".*", "[", "user-.*"):
        page = await client.get("/api/v1/admin/users", params={"email_prefix": prefix}, headers=root.auth)
        assert page.status_code == 200
        assert page.json()["items"] == []


async def test_deactivation_and_demotion_take_effect_on_the_next_request(
    client: httpx.AsyncClient, register: Register, make_admin: Callable[[], Awaitable[Account]]
) -> None:
    root, deputy, ada = await make_admin(), await make_admin(), await register()
    off = await client.patch(f"/api/v1/admin/users/{ada.id}", json={"is_active": False}, headers=root.auth)
    assert off.status_code == 200
    assert off.json()["is_active"] is False
    assert_problem(await client.get("/api/v1/users/me", headers=ada.auth), 401)
    login = await client.post("/api/v1/auth/login", json={"email": ada.email, "password": PASSWORD})
    assert_problem(login, 401, "invalid-credentials")
    unknown = await client.post("/api/v1/auth/login", json={"email": "nobody@example.com", "password": PASSWORD})
    assert login.content == unknown.content  # a deactivated account looks like no account
    varying = {"x-request-id", "date", "content-length", "ratelimit"}  # the address budget counts down
    assert {k: v for k, v in login.headers.items() if k not in varying} == {
        k: v for k, v in unknown.headers.items() if k not in varying
    }

    assert (await client.get("/api/v1/admin/stats", headers=deputy.auth)).status_code == 200
    demoted = await client.patch(f"/api/v1/admin/users/{deputy.id}", json={"role": "user"}, headers=root.auth)
    assert demoted.json()["role"] == "user"
    assert_problem(await client.get("/api/v1/admin/stats", headers=deputy.auth), 403)


async def test_admin_updates_refuse_bad_input_and_self_lockout(
    client: httpx.AsyncClient, make_admin: Callable[[], Awaitable[Account]]
) -> None:
    root = await make_admin()
    own = f"/api/v1/admin/users/{root.id}"
    assert_problem(await client.patch(own, json={"role": "user"}, headers=root.auth), 409, "self-lockout")
    assert_problem(await client.patch(own, json={"is_active": False}, headers=root.auth), 409, "self-lockout")
    assert_problem(await client.patch(own, json={"role": "god"}, headers=root.auth), 422)
    assert_problem(await client.patch(own, json={"email": "x@example.com"}, headers=root.auth), 422)
    assert_problem(await client.patch("/api/v1/admin/users/nope", json={"role": "user"}, headers=root.auth), 404)
    missing = "/api/v1/admin/users/" + "0" * 24
    assert_problem(await client.patch(missing, json={"role": "user"}, headers=root.auth), 404, "user-not-found")
    me = await client.get("/api/v1/users/me", headers=root.auth)
    assert me.json()["role"] == "admin"


async def test_system_stats_count_everyone(
    client: httpx.AsyncClient, register: Register, make_admin: Callable[[], Awaitable[Account]]
) -> None:
    root, ada = await make_admin(), await register()
    await client.post("/api/v1/tasks", json={"title": "a"}, headers=ada.auth)
    await client.post("/api/v1/tasks", json={"title": "b", "status": "done"}, headers=root.auth)
    stats = await client.get("/api/v1/admin/stats", headers=root.auth)
    assert stats.json() == {
        "users": {"total": 2, "active": 2, "admins": 1},
        "tasks": {"total": 2, "by_status": {"todo": 1, "in_progress": 0, "done": 1}},
    }


async def test_a_user_renames_themselves_and_nothing_else(client: httpx.AsyncClient, register: Register) -> None:
    ada = await register()
    renamed = await client.patch("/api/v1/users/me", json={"name": "Ada L."}, headers=ada.auth)
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "Ada L."
    for body in ({"role": "admin"}, {"is_active": False}, {"id": "0" * 24}, {"name": ""}, {"name": "   "}, {}):
        problem = assert_problem(await client.patch("/api/v1/users/me", json=body, headers=ada.auth), 422)
        assert problem["errors"]
    assert (await client.get("/api/v1/users/me", headers=ada.auth)).json()["role"] == "user"


async def test_revocations_take_effect_at_once_on_every_api_process(
    client: httpx.AsyncClient, register: Register, make_admin: Callable[[], Awaitable[Account]], settings: Settings
) -> None:
    root, deputy, ada, bob = await make_admin(), await make_admin(), await register(), await register()
    async with serve(settings) as other_url, httpx.AsyncClient(base_url=other_url, timeout=10) as other:
        for account in (deputy, ada, bob):
            assert (await other.get("/api/v1/users/me", headers=account.auth)).status_code == 200
        # each change is made on the first process and checked on the second
        assert (await client.post("/api/v1/auth/logout", headers=ada.auth)).status_code == 204
        assert_problem(await other.get("/api/v1/users/me", headers=ada.auth), 401)
        change = {"current_password": PASSWORD, "new_password": "a brand new passphrase here"}
        assert (await client.post("/api/v1/users/me/password", headers=bob.auth, json=change)).status_code == 200
        assert_problem(await other.get("/api/v1/users/me", headers=bob.auth), 401)
        await client.patch(f"/api/v1/admin/users/{deputy.id}", json={"role": "user"}, headers=root.auth)
        assert_problem(await other.get("/api/v1/admin/stats", headers=deputy.auth), 403)
        await client.patch(f"/api/v1/admin/users/{deputy.id}", json={"is_active": False}, headers=root.auth)
        assert_problem(await other.get("/api/v1/users/me", headers=deputy.auth), 401)


async def test_admin_listing_refuses_undeclared_and_repeated_query_parameters(
    client: httpx.AsyncClient, make_admin: Callable[[], Awaitable[Account]]
) -> None:
    root = await make_admin()
    for query, field in [("role[$ne]=user", "role[$ne]"), ("limit=5&limit=50", "limit")]:
        response = await client.get(f"/api/v1/admin/users?{query}", headers=root.auth)
        body = assert_problem(response, 422)
        assert [e["field"] for e in body["errors"]] == [field]  # type: ignore[attr-defined]


async def test_options_on_every_path_answers_all_of_its_methods(
    client: httpx.AsyncClient, make_admin: Callable[[], Awaitable[Account]]
) -> None:
    """`Allow` lists exactly what the document says each resource has (admin routes too)."""
    admin = await make_admin()
    spec = (await client.get("/openapi.json")).json()
    for path, operations in spec["paths"].items():
        concrete = re.sub(r"\{[^}]+\}", "0" * 24, path)
        answer = await client.options(concrete, headers=admin.auth)
        assert answer.status_code == 204, (path, answer.text)
        documented = {method.upper() for method in operations if method != "parameters"} | {"OPTIONS"}
        assert set(answer.headers["allow"].split(", ")) == documented, path
        for method in {"HEAD", "PUT", "TRACE"} - documented:  # no 5xx from a method a path does not have
            refused = await client.request(method, concrete, headers=admin.auth)
            assert refused.status_code == 405, (method, path, refused.status_code)


async def test_admins_delete_other_accounts_not_their_own_and_users_none(
    client: httpx.AsyncClient, register: Register, make_admin: Callable[[], Awaitable[Account]]
) -> None:
    root, ada = await make_admin(), await register()
    assert_problem(await client.delete(f"/api/v1/admin/users/{root.id}", headers=root.auth), 409, "self-lockout")
    assert_problem(await client.delete(f"/api/v1/admin/users/{root.id}", headers=ada.auth), 403, "forbidden")
    assert_problem(await client.delete(f"/api/v1/admin/users/{'f' * 24}", headers=root.auth), 404)
    assert_problem(await client.request("DELETE", "/api/v1/users/me", json={}, headers=ada.auth), 422)
    gone = await client.delete(f"/api/v1/admin/users/{ada.id}", headers=root.auth)
    assert (gone.status_code, set(gone.json())) == (202, {"deleted_at"})
    assert_problem(await client.get("/api/v1/users/me", headers=ada.auth), 401)
