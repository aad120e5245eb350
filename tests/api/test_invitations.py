"""Invitations end to end: the API, the outbox, a real `taskflow worker`, the SMTP sink, and back."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from pymongo import AsyncMongoClient

from taskflow.entrypoints.processes import Child
from tests.api.conftest import (
    Account,
    OwnRedisStack,
    assert_problem,
    mailed_token,
    new_account,
    stack_on_own_redis,
    worker_process,
)

PROJECTS = "/api/v1/projects"
TOKEN = re.compile(r"/api/v1/invitations/([\w-]+)/accept")


@pytest.fixture
async def mail_stack(mongodb: Child, mail_sink: tuple[Child, Path]) -> AsyncIterator[tuple[OwnRedisStack, Path]]:
    sink, directory = mail_sink
    async with stack_on_own_redis(mongodb, smtp_url=sink.url, outbox_sweep_seconds=1) as stack:
        yield stack, directory


async def _token_mailed_to(directory: Path, address: str) -> str:
    return await mailed_token(directory, address, TOKEN, subject="You are invited")


async def _project(client: httpx.AsyncClient, owner: Account) -> str:
    created = await client.post(PROJECTS, json={"name": "Home"}, headers=owner.auth)
    assert created.status_code == 201
    return str(created.json()["id"])


async def test_an_invitation_goes_by_mail_and_is_accepted_once_by_its_address(
    mail_stack: tuple[OwnRedisStack, Path],
) -> None:
    stack, directory = mail_stack
    with worker_process(stack.settings):
        async with httpx.AsyncClient(base_url=stack.url, timeout=10) as client:
            ada, bob, eve = [await new_account(client) for _ in range(3)]
            project = await _project(client, ada)
            invitations = f"{PROJECTS}/{project}/invitations"
            answers = [
                await client.post(invitations, json={"email": address, "role": "editor"}, headers=ada.auth)
                for address in (bob.email, "nobody-yet@example.com")
            ]
            assert [answer.status_code for answer in answers] == [202, 202]
            assert [set(answer.json()) for answer in answers] == [{"email", "role", "expires_at"}] * 2
            assert [answer.json()["email"] for answer in answers] == [bob.email, "nobody-yet@example.com"]
            token = await _token_mailed_to(directory, bob.email)
            await _token_mailed_to(directory, "nobody-yet@example.com")  # an address with no account gets one too
            accept = f"/api/v1/invitations/{token}/accept"
            assert_problem(await client.post(accept, headers=eve.auth), 404, "invitation-not-found")
            joined = await client.post(accept, headers=bob.auth)
            assert (joined.status_code, joined.json()["id"], joined.json()["role"]) == (200, project, "editor")
            assert_problem(await client.post(accept, headers=bob.auth), 404, "invitation-not-found")
            members = (await client.get(f"{PROJECTS}/{project}/members", headers=bob.auth)).json()["items"]
            assert [(m["user_id"], m["role"]) for m in members] == [(ada.id, "owner"), (bob.id, "editor")]


async def test_inviting_is_for_admins_below_their_role_and_a_bad_request_stores_nothing(
    mail_stack: tuple[OwnRedisStack, Path],
) -> None:
    stack, _ = mail_stack
    async with httpx.AsyncClient(base_url=stack.url, timeout=10) as client:
        ada, eve = await new_account(client), await new_account(client)
        project = await _project(client, ada)
        invitations = f"{PROJECTS}/{project}/invitations"
        assert_problem(
            await client.post(invitations, json={"email": "x@example.com", "role": "viewer"}, headers=eve.auth), 404
        )
        assert_problem(
            await client.post(invitations, json={"email": "x@example.com", "role": "owner"}, headers=ada.auth), 403
        )
        for body in ({"email": "not an address", "role": "viewer"}, {"email": "x@example.com"}, {"role": "viewer"}):
            assert_problem(await client.post(invitations, json=body, headers=ada.auth), 422)
        assert_problem(await client.post(invitations, json={"email": "x@example.com", "role": "viewer"}), 401)
        assert_problem(await client.post("/api/v1/invitations/nonsense/accept", headers=eve.auth), 404)
        assert_problem(await client.post("/api/v1/invitations/nonsense/accept"), 401)
    mongo: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(stack.settings.mongodb_uri)
    try:
        assert await mongo[stack.settings.mongodb_database].invitations.count_documents({}) == 0
    finally:
        await mongo.close()
