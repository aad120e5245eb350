"""Refresh, logout and password change through HTTP, on the real stack."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from taskflow.entrypoints.processes import start_redis
from tests.api.conftest import PASSWORD, Account, OwnRedisStack, Register, assert_problem

NEW_PASSWORD = "a different passphrase, long enough"


async def _login(client: httpx.AsyncClient, who: Account | str, password: str = PASSWORD) -> dict[str, Any]:
    email = who if isinstance(who, str) else who.email
    response = await client.post("/api/v1/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _me(client: httpx.AsyncClient, token: str) -> int:
    return (await client.get("/api/v1/users/me", headers=_bearer(token))).status_code


async def _refresh(client: httpx.AsyncClient, refresh_token: str) -> httpx.Response:
    return await client.post("/api/v1/auth/refresh", json={"refresh_token": refresh_token})


async def test_login_answers_an_oauth2_token_pair(client: httpx.AsyncClient, register: Register) -> None:
    account = await register()
    tokens = await _login(client, account)
    assert set(tokens) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 900
    assert len(tokens["refresh_token"].split(".")[1]) >= 22  # at least 128 bits, base64url
    refreshed = await _refresh(client, tokens["refresh_token"])
    login = await client.post("/api/v1/auth/login", json={"email": account.email, "password": PASSWORD})
    for response in (login, refreshed):
        assert response.headers["cache-control"] == "no-store"


async def test_refresh_rotates_and_the_new_pair_works(client: httpx.AsyncClient, register: Register) -> None:
    account = await register()
    response = await _refresh(client, account.refresh_token)
    assert response.status_code == 200, response.text
    pair = response.json()
    assert pair["refresh_token"] != account.refresh_token
    assert await _me(client, pair["access_token"]) == 200
    assert (await _refresh(client, pair["refresh_token"])).status_code == 200


async def test_reusing_a_spent_refresh_token_ends_the_whole_session(
    client: httpx.AsyncClient, register: Register
) -> None:
    account = await register()
    other_session = await _login(client, account)
    stolen = (await _refresh(client, account.refresh_token)).json()
    assert_problem(await _refresh(client, account.refresh_token), 401, "invalid-refresh-token")
    assert_problem(await _refresh(client, stolen["refresh_token"]), 401, "invalid-refresh-token")
    assert await _me(client, stolen["access_token"]) == 401  # the access tokens of the session too
    assert await _me(client, other_session["access_token"]) == 200  # other sessions are untouched
    assert (await _refresh(client, other_session["refresh_token"])).status_code == 200


async def test_concurrent_refreshes_with_one_token_give_exactly_one_success(
    client: httpx.AsyncClient, register: Register
) -> None:
    account = await register()
    responses = await asyncio.gather(*(_refresh(client, account.refresh_token) for _ in range(6)))
    assert sorted(response.status_code for response in responses) == [200] + [401] * 5
    for response in responses:
        if response.status_code == 401:
            assert_problem(response, 401, "invalid-refresh-token")
    # The losers presented a spent token: strict rotation ends the session (decision 0010).
    winner = next(response for response in responses if response.status_code == 200).json()
    assert (await _refresh(client, winner["refresh_token"])).status_code == 401


@pytest.mark.parametrize(
    ("body", "status", "problem"),
    [
        ({"refresh_token": ""}, 422, "validation-failed"),
        ({"refresh_token": "nonsense"}, 401, "invalid-refresh-token"),
        ({"refresh_token": "0" * 32 + "." + "A" * 43}, 401, "invalid-refresh-token"),
        ({"refresh_token": "x" * 3000}, 422, "validation-failed"),
        ({}, 422, "validation-failed"),
        ({"refresh_token": "0" * 32 + "." + "A" * 43, "user_id": "x"}, 422, "validation-failed"),
    ],
    ids=["empty", "garbage", "unknown", "too-long", "missing", "unknown-field"],
)
async def test_bad_refresh_requests_are_refused(
    client: httpx.AsyncClient, body: dict[str, str], status: int, problem: str
) -> None:
    assert_problem(await client.post("/api/v1/auth/refresh", json=body), status, problem)


async def test_an_access_token_is_refused_at_refresh_and_a_refresh_token_as_bearer(
    client: httpx.AsyncClient, register: Register
) -> None:
    account = await register()
    assert_problem(await _refresh(client, account.token), 401, "invalid-refresh-token")
    response = await client.get("/api/v1/users/me", headers=_bearer(account.refresh_token))
    assert_problem(response, 401, "invalid-token")
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_logout_revokes_its_access_token_and_refresh_token_only(
    client: httpx.AsyncClient, register: Register
) -> None:
    account = await register()
    other = await _login(client, account)
    response = await client.post("/api/v1/auth/logout", headers=account.auth)
    assert response.status_code == 204
    assert await _me(client, account.token) == 401
    assert_problem(await _refresh(client, account.refresh_token), 401, "invalid-refresh-token")
    assert await _me(client, other["access_token"]) == 200
    assert_problem(await client.post("/api/v1/auth/logout", headers=account.auth), 401)
    assert_problem(await client.post("/api/v1/auth/logout"), 401)


async def test_password_change_ends_every_session_and_returns_a_new_pair(
    client: httpx.AsyncClient, register: Register
) -> None:
    account = await register()
    other = await _login(client, account)
    response = await client.post(
        "/api/v1/users/me/password",
        headers=account.auth,
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )
    assert response.status_code == 200, response.text
    fresh = response.json()
    for token in (account.token, other["access_token"]):
        assert await _me(client, token) == 401
    for refresh_token in (account.refresh_token, other["refresh_token"]):
        assert (await _refresh(client, refresh_token)).status_code == 401
    assert await _me(client, fresh["access_token"]) == 200
    assert (await _refresh(client, fresh["refresh_token"])).status_code == 200
    old = await client.post("/api/v1/auth/login", json={"email": account.email, "password": PASSWORD})
    assert_problem(old, 401, "invalid-credentials")
    await _login(client, account, NEW_PASSWORD)


@pytest.mark.parametrize(
    ("body", "status", "problem"),
    [
        ({"current_password": "not my password at all", "new_password": NEW_PASSWORD}, 403, "wrong-password"),
        ({"current_password": PASSWORD, "new_password": "short"}, 422, "invalid-value"),
        ({"current_password": PASSWORD, "new_password": "passwordpassword"}, 422, "invalid-value"),
        ({"current_password": PASSWORD, "new_password": "é" * 513}, 422, "invalid-value"),
        ({"current_password": PASSWORD}, 422, "validation-failed"),
        ({"current_password": PASSWORD, "new_password": NEW_PASSWORD, "role": "admin"}, 422, "validation-failed"),
    ],
    ids=["wrong-current", "too-short", "common", "too-many-bytes", "missing-new", "unknown-field"],
)
async def test_bad_password_changes_change_nothing(
    client: httpx.AsyncClient,
    register: Register,
    body: dict[str, str],
    status: int,
    problem: str,
) -> None:
    account = await register()
    response = await client.post("/api/v1/users/me/password", headers=account.auth, json=body)
    assert_problem(response, status, problem)
    assert await _me(client, account.token) == 200
    await _login(client, account)


async def test_password_change_needs_a_token(client: httpx.AsyncClient) -> None:
    body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    response = await client.post("/api/v1/users/me/password", json=body)
    assert_problem(response, 401)


async def _account(client: httpx.AsyncClient, email: str) -> dict[str, Any]:
    created = await client.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD, "name": "R"})
    assert created.status_code == 201, created.text
    return await _login(client, email)


async def test_revocation_holds_with_redis_stopped_and_after_it_returns(own_redis_stack: OwnRedisStack) -> None:
    async with httpx.AsyncClient(base_url=own_redis_stack.url, timeout=10) as client:
        before = await _account(client, "before@example.com")
        during = await _account(client, "during@example.com")
        during_other = await _login(client, "during@example.com")
        assert (await client.post("/api/v1/auth/logout", headers=_bearer(before["access_token"]))).status_code == 204

        port = own_redis_stack.redis.port
        own_redis_stack.redis.stop()
        # Revoked while Redis was up: MongoDB's session record decides now.
        assert await _me(client, before["access_token"]) == 401
        # Revoked while Redis is down.
        assert (await client.post("/api/v1/auth/logout", headers=_bearer(during["access_token"]))).status_code == 204
        assert await _me(client, during["access_token"]) == 401
        assert (await _refresh(client, during["refresh_token"])).status_code == 401

        # A Redis that comes back empty does not bring the revoked token back.
        own_redis_stack.redis = start_redis(data_dir=None, port=port)
        assert await _me(client, during["access_token"]) == 401
        # The other session's access token fell to the account's cut-off; its refresh token still works.
        assert await _me(client, during_other["access_token"]) == 401
        renewed = await _refresh(client, during_other["refresh_token"])
        assert renewed.status_code == 200, renewed.text
        assert await _me(client, renewed.json()["access_token"]) == 200


async def test_reuse_is_logged_as_a_security_event_without_any_token(
    client: httpx.AsyncClient, register: Register, capfd: pytest.CaptureFixture[str]
) -> None:
    account = await register()
    fresh = (await _refresh(client, account.refresh_token)).json()
    await _refresh(client, account.refresh_token)
    await client.post(
        "/api/v1/users/me/password",
        headers=_bearer(fresh["access_token"]),
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
    )
    err = capfd.readouterr().err
    events = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    reuse = [event for event in events if event["event"] == "refresh_token_reuse"]
    assert len(reuse) == 1
    assert reuse[0]["security_event"] is True
    assert reuse[0]["user_id"] == account.id
    assert reuse[0]["level"] == "warning"
    for secret in (account.token, fresh["access_token"], PASSWORD, NEW_PASSWORD):
        assert secret not in err
    for refresh_token in (account.refresh_token, fresh["refresh_token"]):
        assert refresh_token.split(".")[1] not in err


async def test_a_logout_holds_after_redis_restarts_empty_and_other_tokens_work(
    own_redis_stack: OwnRedisStack,
) -> None:
    """Redis forgets the revocation; the session record, read for tokens older than Redis's data, does not."""
    async with httpx.AsyncClient(base_url=own_redis_stack.url, timeout=10) as client:
        gone = await _account(client, "gone@example.com")
        kept = await _account(client, "kept@example.com")
        assert await _me(client, gone["access_token"]) == 200
        assert (await client.post("/api/v1/auth/logout", headers=_bearer(gone["access_token"]))).status_code == 204
        port = own_redis_stack.redis.port
        own_redis_stack.redis.stop()
        own_redis_stack.redis = start_redis(data_dir=None, port=port)
        assert await _me(client, gone["access_token"]) == 401
        assert await _me(client, kept["access_token"]) == 200
