"""The app on a real uvicorn server on loopback, in the test event loop, against real servers."""

from __future__ import annotations

import asyncio
import os
import re
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import httpx
import pytest
import uvicorn
from pymongo import AsyncMongoClient, monitoring

from taskflow.adapters.mongo.projects import MongoMembershipRepository
from taskflow.adapters.redis.client import connect as connect_redis
from taskflow.adapters.redis.epoch import Epoch
from taskflow.adapters.redis.membership_gate import RedisMembershipGate
from taskflow.adapters.redis_failures import RedisHealth
from taskflow.adapters.stores.memberships import GatedMembershipRepository
from taskflow.bootstrap import build_services, open_ports
from taskflow.domain.access.roles import ProjectRole
from taskflow.domain.model.projects import Membership
from taskflow.domain.ports.projects import MembershipRepository
from taskflow.domain.values import ProjectId, UserId
from taskflow.entrypoints.asgi import create_app
from taskflow.entrypoints.migration import migrate
from taskflow.entrypoints.processes import Child, free_port, spawn, start_redis, wait_for_http
from taskflow.settings import Settings
from tests.api.shard_key_guard import TEST_HOUSEKEEPING, ShardKeyGuard
from tests.conftest import count_audit_entries_checked, mail_messages, make_settings

PASSWORD = "correct horse battery staple"


@asynccontextmanager
async def serve(settings: Settings, *, port: int | None = None) -> AsyncIterator[str]:
    """The app on a real uvicorn server, configured as `taskflow serve` configures it."""
    port = port or free_port()
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_config=None,
        server_header=False,
        proxy_headers=False,  # as `taskflow serve`: X-Forwarded-For is judged by the app alone
        lifespan="on",
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        app.stop_streams()  # as `taskflow serve` does on a signal: uvicorn would wait on open live streams
        server.should_exit = True
        await task


CLI: Final = [sys.executable, "-m", "taskflow.entrypoints.cli"]


def process_env(settings: Settings) -> dict[str, str]:
    """`settings` as the `TASKFLOW_*` environment of a `taskflow` process (the settings tests use)."""
    return {**os.environ, **settings.to_env(), "TASKFLOW_LOG_LEVEL": "warning"}


@contextmanager
def worker_process(settings: Settings) -> Iterator[Child]:
    """`taskflow worker` on `settings`' servers, as `taskflow dev` starts it."""
    child = spawn("worker", [*CLI, "worker"], port=0, url="", env=process_env(settings))
    try:
        yield child
    finally:
        child.stop()


@asynccontextmanager
async def consuming_worker(settings: Settings) -> AsyncIterator[Child]:
    """A worker whose change consumer has its checkpoint: every write from here on reaches it.

    The database is emptied after each test (the checkpoint `migrate` stored with it), so a
    worker started later begins where the history ends when it first runs.
    """
    with worker_process(settings) as worker:
        mongo: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(settings.mongodb_uri)
        try:
            consumers = mongo[settings.mongodb_database]["change_consumers"]
            deadline = time.monotonic() + 30
            while await consumers.find_one({"_id": "changes", "position": {"$ne": None}}) is None:
                assert time.monotonic() < deadline, "the worker's consumer never started"
                await asyncio.sleep(0.05)
        finally:
            await mongo.close()
        yield worker


@contextmanager
def api_processes(settings: Settings, *, count: int) -> Iterator[list[str]]:
    """`count` separate `taskflow serve` processes on `settings`' servers; their URLs."""
    env = process_env(settings)
    children: list[Child] = []
    try:
        for _ in range(count):
            port = free_port()
            url = f"http://127.0.0.1:{port}"
            children.append(spawn("API", [*CLI, "serve", "--port", str(port)], port=port, url=url, env=env))
        for child in children:
            wait_for_http(child, f"{child.url}/health/ready")
        yield [child.url for child in children]
    finally:
        for child in children:
            child.stop()


@pytest.fixture(scope="session")
def shard_key_guard() -> ShardKeyGuard:
    """Registered before the app's client exists: PyMongo hands it to clients made later."""
    guard = ShardKeyGuard()
    monitoring.register(guard)
    return guard


@pytest.fixture(autouse=True)
def _every_partitioned_command_routes(shard_key_guard: ShardKeyGuard) -> Iterator[None]:
    shard_key_guard.violations.clear()
    yield
    violations, shard_key_guard.violations = shard_key_guard.violations, []
    assert not violations, "\n".join(violations)


@pytest.fixture(scope="session")
async def api_url(
    settings: Settings,
    shard_key_guard: ShardKeyGuard,  # noqa: ARG001 - registered before the app's client is made
) -> AsyncIterator[str]:
    await migrate(settings)  # indexes, as `taskflow migrate` makes them before any deploy
    async with serve(settings) as url:
        yield url


@pytest.fixture
async def client(api_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=api_url, timeout=10) as http:
        yield http


@pytest.fixture(autouse=True)
async def _clean_database(settings: Settings) -> AsyncIterator[None]:
    yield
    mongo: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(settings.mongodb_uri)
    try:
        database = mongo[settings.mongodb_database]
        for name in await database.list_collection_names():
            await database[name].delete_many({}, comment=TEST_HOUSEKEEPING)
    finally:
        await mongo.close()


@dataclass
class OwnRedisStack:
    url: str
    redis: Child
    settings: Settings


@asynccontextmanager
async def stack_on_own_redis(mongodb: Child, **overrides: object) -> AsyncIterator[OwnRedisStack]:
    """An API whose Redis the caller may stop and start again; `overrides` go to its settings.

    Its address is its public URL, so the links its mails carry lead back to it.
    """
    redis = start_redis(data_dir=None)
    port = free_port()
    overrides.setdefault("public_url", f"http://127.0.0.1:{port}")
    settings = make_settings(mongodb, redis, redis_timeout_seconds=0.2, **overrides)
    await migrate(settings)
    try:
        async with serve(settings, port=port) as url:
            yield OwnRedisStack(url, redis, settings)
    finally:
        redis.stop()


@pytest.fixture
async def own_redis_stack(mongodb: Child) -> AsyncIterator[OwnRedisStack]:
    async with stack_on_own_redis(mongodb) as stack:
        yield stack


@dataclass(frozen=True)
class Account:
    email: str
    token: str
    id: str
    refresh_token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def new_account(client: httpx.AsyncClient) -> Account:
    """Register a fresh account on whatever API `client` talks to, and sign it in."""
    email = f"user-{uuid.uuid4().hex[:10]}@example.com"
    created = await client.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD, "name": "T"})
    assert created.status_code == 201, created.text
    login = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    tokens = login.json()
    return Account(
        email=email, token=tokens["access_token"], id=created.json()["id"], refresh_token=tokens["refresh_token"]
    )


async def create_task(client: httpx.AsyncClient, account: Account, **body: Any) -> dict[str, Any]:
    """A task for `account`, "Write the report" unless `body` says otherwise; 201 or the test fails."""
    response = await client.post("/api/v1/tasks", json={"title": "Write the report", **body}, headers=account.auth)
    assert response.status_code == 201, response.text
    task: dict[str, Any] = response.json()
    return task


async def create_project(client: httpx.AsyncClient, owner: Account, name: str = "Home") -> dict[str, Any]:
    """A project of `owner`'s, made through the API; 201 or the test fails."""
    response = await client.post("/api/v1/projects", json={"name": name}, headers=owner.auth)
    assert response.status_code == 201, response.text
    project: dict[str, Any] = response.json()
    return project


Register = Callable[[], Awaitable[Account]]


async def mailed_token(directory: Path, address: str, pattern: re.Pattern[str], *, subject: str) -> str:
    """The token `pattern` finds in the first mail to `address` whose subject starts so, once it arrives."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for message in mail_messages(directory):
            if str(message["To"]) == address and str(message["Subject"]).startswith(subject):
                found = pattern.search(message.get_body(("plain",)).get_content())  # type: ignore[union-attr]
                assert found is not None
                return found.group(1)
        await asyncio.sleep(0.1)
    pytest.fail(f"no mail {subject!r} reached {address}")


@pytest.fixture
def register(client: httpx.AsyncClient) -> Register:
    async def make() -> Account:
        return await new_account(client)

    return make


def cache_counter(text: str, name: str, kind: str) -> float:
    """One labelled sample of `/metrics`; 0 for a counter not incremented yet."""
    found = re.search(rf'^{name}{{kind="{kind}"}} ([0-9.e+]+)$', text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


async def cache_hits_and_misses(client: httpx.AsyncClient, kind: str) -> tuple[float, float]:
    text = (await client.get("/metrics")).text
    return cache_counter(text, "taskflow_cache_hits_total", kind), cache_counter(
        text, "taskflow_cache_misses_total", kind
    )


def assert_problem(response: httpx.Response, status: int, type_suffix: str | None = None) -> dict[str, object]:
    """Status, media type, and an RFC 9457 body that names nothing internal."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, object] = response.json()
    assert body["status"] == status
    assert str(body["type"]).startswith("https://taskflow.dev/problems/")
    assert body["title"]
    if type_suffix is not None:
        assert body["type"] == f"https://taskflow.dev/problems/{type_suffix}"
    text = response.text
    for leak in ("Traceback", "pymongo", "Error(", 'File "', "msgspec"):
        assert leak not in text
    return body


# Joining through the API takes an invitation's mail and the worker (tests/api/test_invitations.py
# does it end to end); the other API tests add and remove a member through the repository the
# services use: MongoDB with the membership gate written through, as in the app.
Join = Callable[[Account, dict[str, object], ProjectRole], Awaitable[None]]
Leave = Callable[[Account, dict[str, object]], Awaitable[None]]


@asynccontextmanager
async def membership_repository(settings: Settings) -> AsyncIterator[MembershipRepository]:
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(settings.mongodb_uri)
    redis = connect_redis(settings.redis_url, timeout_seconds=settings.redis_timeout_seconds)
    try:
        yield GatedMembershipRepository(
            MongoMembershipRepository(client[settings.mongodb_database]),
            RedisMembershipGate(redis, Epoch(redis, RedisHealth())),
        )
    finally:
        await redis.aclose()
        await client.close()


@pytest.fixture
async def memberships(settings: Settings) -> AsyncIterator[MembershipRepository]:
    async with membership_repository(settings) as repository:
        yield repository


def joining(memberships: MembershipRepository) -> Join:
    async def add(account: Account, project: dict[str, object], role: ProjectRole) -> None:
        membership = Membership(
            user_id=UserId(account.id),
            project_id=ProjectId(str(project["id"])),
            space=UserId(str(project["owner_id"])),
            role=role,
            joined_at=datetime.now(UTC),
        )
        assert await memberships.add(membership)

    return add


@pytest.fixture
def join(memberships: MembershipRepository) -> Join:
    return joining(memberships)


@pytest.fixture
def leave(memberships: MembershipRepository) -> Leave:
    async def remove(account: Account, project: dict[str, object]) -> None:
        assert await memberships.remove(UserId(account.id), ProjectId(str(project["id"])))

    return remove


@pytest.fixture
def make_admin(register: Register, settings: Settings) -> Callable[[], Awaitable[Account]]:
    """An account promoted the way `taskflow create-admin` promotes one."""

    async def make() -> Account:
        account = await register()
        async with open_ports(settings) as ports:
            await build_services(ports, settings).registration.create_admin(account.email, PASSWORD, "ignored")
        return account

    return make


# What an audit entry's detail may hold; anything else would be a field nobody reviewed.
AUDIT_DETAIL_FIELDS: Final = frozenset(
    {
        "email",
        "before",
        "after",
        "email_prefix",
        "role",
        "is_active",
        "returned",
        "consumer",
        "checkpoint",
        "resumed_at",
    }
)
_SECRET_SHAPES: Final = re.compile(r"\$argon2|eyJ[\w-]{8,}|" + re.escape(PASSWORD), re.IGNORECASE)


@pytest.fixture(scope="session", autouse=True)
def audit_holds_no_secret(mongodb: Child, pytestconfig: pytest.Config) -> Iterator[None]:
    """After every API test: no audit entry, in any database the tests used, holds a password, token or hash.

    Each detail field is one reviewed here; every string is searched for a hash, a JWT and the tests' password.
    The run fails if, over all its processes, there was no entry to check (tests/conftest.py).
    """
    yield
    entries = asyncio.run(_every_audit_entry(mongodb.url))
    count_audit_entries_checked(pytestconfig, len(entries))
    for entry in entries:
        assert set(entry.get("detail") or {}) <= AUDIT_DETAIL_FIELDS, entry
        found = _SECRET_SHAPES.search(repr(entry))
        assert found is None, (found.group(0) if found else "", entry)


async def _every_audit_entry(url: str) -> list[dict[str, Any]]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(url)
    try:
        entries: list[dict[str, Any]] = []
        for name in await client.list_database_names():
            entries += await client[name].audit.find({}, comment=TEST_HOUSEKEEPING).to_list()
        return entries
    finally:
        await client.close()
