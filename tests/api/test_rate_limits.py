"""The sign-in limits through HTTP: per account, per address, across processes, without Redis."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import httpx
import pytest

from taskflow.entrypoints.migration import migrate
from taskflow.entrypoints.processes import Child, start_redis
from taskflow.settings import Limit, RateLimits, Settings
from tests.api.conftest import PASSWORD, assert_problem, new_account, serve
from tests.conftest import make_settings

LIMITS = RateLimits(
    login_failures_per_account=Limit(3, 900),
    login_failures_per_address=Limit(4, 900),
    auth_requests_per_address=Limit(100_000, 60),
)
WRONG = "not the password, but long"

Stack = Callable[..., AbstractAsyncContextManager[tuple[httpx.AsyncClient, Child, Settings]]]


@pytest.fixture
def stack(mongodb: Child) -> Stack:
    """An API with small limits on its own Redis; `trusted_proxies` as the test says."""

    @asynccontextmanager
    async def start(
        *, trusted_proxies: tuple[str, ...] = ("127.0.0.1",), limits: RateLimits = LIMITS, redis_timeout: float = 0.2
    ) -> AsyncIterator[tuple[httpx.AsyncClient, Child, Settings]]:
        redis = start_redis(data_dir=None)
        settings = make_settings(
            mongodb, redis, rate_limits=limits, trusted_proxies=trusted_proxies, redis_timeout_seconds=redis_timeout
        )
        await migrate(settings)
        try:
            async with serve(settings) as url, httpx.AsyncClient(base_url=url, timeout=10) as client:
                yield client, redis, settings
        finally:
            redis.stop()

    return start


async def _register(client: httpx.AsyncClient, *, via: str = "192.0.2.200") -> str:
    email = f"user-{uuid.uuid4().hex[:10]}@example.com"
    response = await client.post(
        "/api/v1/auth/register",
        json={"email": email, "password": PASSWORD, "name": "R"},
        headers={"X-Forwarded-For": via},
    )
    assert response.status_code == 201, response.text
    return email


async def _login(client: httpx.AsyncClient, email: str, password: str, *, via: str | None) -> httpx.Response:
    headers = {"X-Forwarded-For": via} if via else {}
    return await client.post("/api/v1/auth/login", json={"email": email, "password": password}, headers=headers)


def _assert_limited(response: httpx.Response, window: int) -> None:
    assert_problem(response, 429, "too-many-requests")
    assert 0 < int(response.headers["retry-after"]) <= window


async def test_failed_logins_are_limited_per_account_from_several_addresses(stack: Stack) -> None:
    async with stack() as (client, _, _):
        email, bystander = await _register(client), await _register(client)
        for i in range(3):
            assert_problem(await _login(client, email, WRONG, via=f"198.51.100.{i}"), 401, "invalid-credentials")
        _assert_limited(await _login(client, email, PASSWORD, via="198.51.100.99"), 900)
        assert (await _login(client, bystander, PASSWORD, via="198.51.100.99")).status_code == 200


async def test_failed_logins_are_limited_per_address_across_accounts(stack: Stack) -> None:
    async with stack() as (client, _, _):
        for _ in range(4):
            response = await _login(client, f"nobody-{uuid.uuid4().hex[:6]}@example.com", WRONG, via="203.0.113.9")
            assert_problem(response, 401, "invalid-credentials")
        email = await _register(client)
        _assert_limited(await _login(client, email, PASSWORD, via="203.0.113.9"), 900)
        assert (await _login(client, email, PASSWORD, via="203.0.113.10")).status_code == 200


async def test_a_spoofed_forwarded_for_does_not_escape_the_address_limit(stack: Stack) -> None:
    async with stack() as (client, _, _):
        # Behind the trusted proxy, only the entry the proxy appended (the last) counts.
        for i in range(4):
            via = f"10.0.0.{i}, 203.0.113.50"
            await _login(client, f"nobody-{i}@example.com", WRONG, via=via)
        email = await _register(client)
        _assert_limited(await _login(client, email, PASSWORD, via="10.9.9.9, 203.0.113.50"), 900)
    async with stack(trusted_proxies=()) as (client, _, _):
        # From an untrusted peer the header is ignored: every guess counts for the peer.
        for i in range(4):
            await _login(client, f"nobody-{i}@example.com", WRONG, via=f"198.18.0.{i}")
        email = await _register(client)
        _assert_limited(await _login(client, email, PASSWORD, via="198.18.0.200"), 900)


async def test_successful_logins_do_not_count_against_the_address(stack: Stack) -> None:
    async with stack() as (client, _, _):
        email = await _register(client)
        for _ in range(8):
            assert (await _login(client, email, PASSWORD, via="203.0.113.77")).status_code == 200


async def test_register_and_login_share_a_budget_per_address(stack: Stack) -> None:
    limits = RateLimits(auth_requests_per_address=Limit(5, 60))
    async with stack(limits=limits) as (client, _, _):
        email = await _register(client, via="203.0.113.1")
        for _ in range(4):
            assert (await _login(client, email, PASSWORD, via="203.0.113.1")).status_code == 200
        _assert_limited(await _login(client, email, PASSWORD, via="203.0.113.1"), 60)
        refresh = await client.post(
            "/api/v1/auth/refresh", json={"refresh_token": "x"}, headers={"X-Forwarded-For": "203.0.113.1"}
        )
        _assert_limited(refresh, 60)
        assert (await _login(client, email, PASSWORD, via="203.0.113.2")).status_code == 200


async def test_limits_hold_across_api_processes(stack: Stack) -> None:
    async with (
        stack() as (first, _, settings),
        serve(settings) as second_url,
        httpx.AsyncClient(base_url=second_url, timeout=10) as second,
    ):
        email = await _register(first)
        statuses = [
            (await _login(process, email, WRONG, via=f"198.51.100.{i}")).status_code
            for i, process in enumerate([first, second] * 3)
        ]
    assert statuses == [401, 401, 401, 429, 429, 429]


async def test_with_redis_stopped_each_process_still_limits(stack: Stack) -> None:
    async with stack() as (client, redis, _):
        email = await _register(client)
        redis.stop()
        statuses = [(await _login(client, email, WRONG, via=f"198.51.100.{i}")).status_code for i in range(5)]
        assert statuses == [401, 401, 401, 429, 429]


USER_LIMITS = RateLimits(requests_per_user=Limit(5, 60), auth_requests_per_address=Limit(100_000, 60))


async def test_signed_in_requests_spend_their_users_budget_and_say_so(stack: Stack) -> None:
    async with stack(limits=USER_LIMITS) as (client, _, _):
        ada, bob = (await new_account(client)).auth, (await new_account(client)).auth
        answers = [await client.get("/api/v1/users/me", headers=ada) for _ in range(6)]
        assert [a.status_code for a in answers] == [200] * 5 + [429]
        for remaining, answer in zip([4, 3, 2, 1, 0, 0], answers, strict=True):
            assert answer.headers["ratelimit-policy"] == '"user";q=5;w=60'
            name, r, t = answer.headers["ratelimit"].split(";")
            assert (name, r) == ('"user"', f"r={remaining}")
            assert 0 < int(t.removeprefix("t=")) <= 60
        _assert_limited(answers[-1], 60)
        assert (await client.get("/api/v1/users/me", headers=bob)).status_code == 200  # budgets are per user
        assert (await client.get("/api/v1/tasks", headers=ada)).status_code == 429  # every endpoint draws on it


async def test_the_sign_in_budget_is_announced_too(stack: Stack) -> None:
    async with stack(limits=RateLimits(auth_requests_per_address=Limit(7, 60))) as (client, _, _):
        email = await _register(client, via="203.0.113.9")
        answer = await _login(client, email, PASSWORD, via="203.0.113.9")
    assert answer.headers["ratelimit-policy"] == '"auth-address";q=7;w=60'
    assert answer.headers["ratelimit"].startswith('"auth-address";r=5;t=')


async def test_a_users_budget_is_exact_across_api_processes(stack: Stack) -> None:
    limits = RateLimits(requests_per_user=Limit(20, 60), auth_requests_per_address=Limit(100_000, 60))
    # Fifty requests at once, on a machine running other tests: a Redis answer later than the
    # outage timeout (0.2 s) would be taken for an outage and counted again by the fallback.
    # This test is about counting across processes, not outages: Redis gets two seconds.
    async with (
        stack(limits=limits, redis_timeout=2.0) as (first, _, settings),
        serve(settings) as second_url,
        httpx.AsyncClient(base_url=second_url, timeout=10) as second,
    ):
        ada = (await new_account(first)).auth
        answers = await asyncio.gather(
            *(process.get("/api/v1/users/me", headers=ada) for process in [first, second] * 25)
        )
    statuses = [answer.status_code for answer in answers]
    assert (statuses.count(200), statuses.count(429)) == (20, 30)


async def test_with_redis_stopped_the_users_budget_is_per_process(stack: Stack) -> None:
    async with stack(limits=USER_LIMITS) as (client, redis, _):
        ada = (await new_account(client)).auth
        redis.stop()
        statuses = [(await client.get("/api/v1/users/me", headers=ada)).status_code for _ in range(7)]
    assert statuses == [200] * 5 + [429] * 2
