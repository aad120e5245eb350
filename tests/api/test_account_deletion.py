"""Deleting an account on the real servers: it stops at once, and the real worker erases it, even when killed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from bson import ObjectId
from pymongo import AsyncMongoClient

from taskflow.bootstrap import build_services, open_ports
from taskflow.domain.access.roles import ProjectRole
from taskflow.entrypoints.processes import Child
from tests.api.conftest import (
    PASSWORD,
    Account,
    OwnRedisStack,
    assert_problem,
    joining,
    membership_repository,
    new_account,
    stack_on_own_redis,
    worker_process,
)
from tests.api.shard_key_guard import TEST_HOUSEKEEPING
from tests.conftest import mail_messages

ME = "/api/v1/users/me"


@pytest.fixture
async def mail_stack(mongodb: Child, mail_sink: tuple[Child, Path]) -> AsyncIterator[tuple[OwnRedisStack, Path]]:
    sink, directory = mail_sink
    # A short job timeout and takeover margin: a job whose worker was killed runs again soon after.
    async with stack_on_own_redis(
        mongodb, smtp_url=sink.url, outbox_sweep_seconds=1, job_timeout_seconds=3, job_takeover_margin_seconds=1
    ) as stack:
        yield stack, directory


async def _project(client: httpx.AsyncClient, owner: Account, name: str) -> dict[str, object]:
    created = await client.post("/api/v1/projects", json={"name": name}, headers=owner.auth)
    assert created.status_code == 201, created.text
    project: dict[str, object] = created.json()
    return project


async def _erased(client: httpx.AsyncClient, account: Account, *, within: float = 60) -> None:
    """Until the e-mail can be registered again: the erasure's last step."""
    deadline = time.monotonic() + within
    body = {"email": account.email, "password": PASSWORD, "name": "Again"}
    while (await client.post("/api/v1/auth/register", json=body)).status_code != 201:
        assert time.monotonic() < deadline, "the account was not erased"
        await asyncio.sleep(0.25)


@pytest.mark.slow
async def test_a_deleted_account_stops_at_once_and_the_worker_erases_it_and_hands_its_projects_on(
    mail_stack: tuple[OwnRedisStack, Path],
) -> None:
    stack, directory = mail_stack
    async with (
        httpx.AsyncClient(base_url=stack.url, timeout=10) as client,
        membership_repository(stack.settings) as memberships,
    ):
        ada, bob, carol, dan = [await new_account(client) for _ in range(4)]
        join = joining(memberships)
        kept, gone = await _project(client, ada, "Kept"), await _project(client, ada, "Gone")
        await join(bob, kept, ProjectRole.ADMIN)
        await join(carol, gone, ProjectRole.VIEWER)
        dans = await _project(client, dan, "Dan's")
        await join(ada, dans, ProjectRole.EDITOR)
        task = await client.post(
            "/api/v1/tasks", json={"title": "T", "project_id": dans["id"], "assignee_id": ada.id}, headers=dan.auth
        )
        await client.post("/api/v1/tasks", json={"title": "mine"}, headers=ada.auth)

        wrong = await client.request("DELETE", ME, json={"password": "not the password at all"}, headers=ada.auth)
        assert_problem(wrong, 403, "wrong-password")
        assert (await client.get(ME, headers=ada.auth)).status_code == 200
        deleted = await client.request("DELETE", ME, json={"password": PASSWORD}, headers=ada.auth)
        assert (deleted.status_code, set(deleted.json())) == (202, {"deleted_at"})

        # At once, before any worker runs: no token, no sign-in (as for an unknown address), no new account.
        assert_problem(await client.get(ME, headers=ada.auth), 401)
        unknown = await client.post("/api/v1/auth/login", json={"email": "nobody@example.com", "password": PASSWORD})
        login = await client.post("/api/v1/auth/login", json={"email": ada.email, "password": PASSWORD})
        assert (login.status_code, login.json()["type"]) == (401, unknown.json()["type"])
        retaken = await client.post(
            "/api/v1/auth/register", json={"email": ada.email, "password": PASSWORD, "name": "A"}
        )
        assert_problem(retaken, 409)

        with worker_process(stack.settings):
            await _erased(client, ada)
            deadline = time.monotonic() + 30
            while len([m for m in mail_messages(directory) if "owner left" in str(m["Subject"])]) < 2:
                assert time.monotonic() < deadline, "the members were not told"
                await asyncio.sleep(0.2)

        owned = await client.get(f"/api/v1/projects/{kept['id']}", headers=bob.auth)
        assert (owned.json()["owner_id"], owned.json()["role"]) == (bob.id, "owner")
        assert_problem(await client.get(f"/api/v1/projects/{gone['id']}", headers=carol.auth), 404, "project-not-found")
        members = (await client.get(f"/api/v1/projects/{dans['id']}/members", headers=dan.auth)).json()["items"]
        assert ada.id not in {member["user_id"] for member in members}
        unassigned = await client.get(
            f"/api/v1/tasks/{task.json()['id']}", params={"project_id": str(dans["id"])}, headers=dan.auth
        )
        assert unassigned.json()["assignee_id"] is None
    told = sorted(
        (str(m["To"]), str(m["Subject"])) for m in mail_messages(directory) if "owner left" in str(m["Subject"])
    )
    assert told == sorted(
        [(bob.email, "Kept: its owner left taskflow"), (carol.email, "Gone: its owner left taskflow")]
    )


@pytest.mark.slow
async def test_an_erasure_whose_worker_is_killed_half_way_is_finished_by_the_next_worker(
    mail_stack: tuple[OwnRedisStack, Path],
) -> None:
    stack, _ = mail_stack
    client_db: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(stack.settings.mongodb_uri)
    projects = client_db[stack.settings.mongodb_database].projects
    users = client_db[stack.settings.mongodb_database].users
    try:
        async with (
            httpx.AsyncClient(base_url=stack.url, timeout=10) as client,
            membership_repository(stack.settings) as memberships,
        ):
            ada, bob = await new_account(client), await new_account(client)
            owned = [await _project(client, ada, f"P{number}") for number in range(12)]
            for project in owned:
                await joining(memberships)(bob, project, ProjectRole.ADMIN)
            deleted = await client.request("DELETE", ME, json={"password": PASSWORD}, headers=ada.auth)
            assert deleted.status_code == 202
            handed_to_bob = {"owner_id": ObjectId(bob.id)}
            with worker_process(stack.settings) as worker:
                deadline = time.monotonic() + 60
                while not await projects.count_documents(handed_to_bob, comment=TEST_HOUSEKEEPING):
                    assert time.monotonic() < deadline, "the erasure never started"
                    await asyncio.sleep(0.01)
                worker.process.kill()  # SIGKILL: no clean-up of any kind
                worker.process.wait()
            handed = await projects.count_documents(handed_to_bob, comment=TEST_HOUSEKEEPING)
            assert await users.count_documents({"_id": ObjectId(ada.id)}) == 1, "killed after it had finished"
            assert handed < len(owned), "killed after every project was handed on"
            with worker_process(stack.settings):
                await _erased(client, ada)
            assert await projects.count_documents(handed_to_bob, comment=TEST_HOUSEKEEPING) == len(owned)
            listed = (await client.get("/api/v1/projects", headers=bob.auth)).json()
            assert sorted(view["role"] for view in listed["items"]) == ["owner"] * len(owned)
    finally:
        await client_db.close()


async def test_the_only_admin_cannot_delete_their_account(mongodb: Child) -> None:
    async with (
        stack_on_own_redis(mongodb) as stack,  # a database of its own: no admin but the one made here
        httpx.AsyncClient(base_url=stack.url, timeout=10) as client,
    ):
        root = await new_account(client)
        async with open_ports(stack.settings) as ports:
            await build_services(ports, stack.settings).registration.create_admin(root.email, PASSWORD, "ignored")
        refused = await client.request("DELETE", ME, json={"password": PASSWORD}, headers=root.auth)
        assert_problem(refused, 409, "last-admin")
        assert (await client.get(ME, headers=root.auth)).status_code == 200
