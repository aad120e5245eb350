"""Password reset on the real servers, with the mail read from the sink the real worker sent it to."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from pymongo import AsyncMongoClient

from taskflow.adapters.mongo.outbox import PENDING
from taskflow.entrypoints.processes import Child
from tests.api.conftest import PASSWORD, OwnRedisStack, assert_problem, new_account, stack_on_own_redis, worker_process
from tests.conftest import mail_messages

RESET, CONFIRM = "/api/v1/auth/password-reset", "/api/v1/auth/password-reset/confirm"
NEW = "a brand new passphrase for Ada"


@pytest.fixture
async def mail_stack(mongodb: Child, mail_sink: tuple[Child, Path]) -> AsyncIterator[tuple[OwnRedisStack, Path]]:
    sink, directory = mail_sink
    async with stack_on_own_redis(mongodb, smtp_url=sink.url) as stack:
        yield stack, directory


def _resets(directory: Path) -> list[tuple[str, str]]:
    """(to, text) of every reset mail in the sink."""
    return [
        (str(m["To"]), m.get_body(("plain",)).get_content())  # type: ignore[union-attr]
        for m in mail_messages(directory)
        if str(m["Subject"]) == "Reset your taskflow password"
    ]


async def _settled(stack: OwnRedisStack) -> None:
    """Until no reset job is pending in the outbox: each marks its entry done when it has run."""
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(stack.settings.mongodb_uri)
    outbox = client[stack.settings.mongodb_database].outbox
    try:
        deadline = time.monotonic() + 30
        while await outbox.count_documents({"_id": {"$regex": "^password-reset:"}, "state": PENDING}):
            assert time.monotonic() < deadline, "a reset job never ran"
            await asyncio.sleep(0.1)
        assert await outbox.count_documents({"_id": {"$regex": "^password-reset:"}}) == 2
    finally:
        await client.close()


async def test_a_reset_mail_sets_a_new_password_once_and_unknown_addresses_get_the_same_answer(
    mail_stack: tuple[OwnRedisStack, Path],
) -> None:
    stack, directory = mail_stack
    async with httpx.AsyncClient(base_url=stack.url, timeout=10) as client:
        ada = await new_account(client)
        known = await client.post(RESET, json={"email": ada.email})
        unknown = await client.post(RESET, json={"email": "nobody-at-all@example.com"})
        assert known.status_code == unknown.status_code == 202
        assert known.content == unknown.content
        with worker_process(stack.settings):
            deadline = time.monotonic() + 30
            while not _resets(directory):
                assert time.monotonic() < deadline, "no reset mail"
                await asyncio.sleep(0.2)
            await _settled(stack)  # both jobs have run, the unknown address's too: it sent nothing
        ((to, text),) = _resets(directory)
        assert to == ada.email
        found = re.search(r'"token": "([\w-]+)"', text)
        assert found is not None
        token = found.group(1)

        weak = await client.post(CONFIRM, json={"token": token, "new_password": "short"})
        assert_problem(weak, 422)
        done = await client.post(CONFIRM, json={"token": token, "new_password": NEW})
        assert (done.status_code, done.content) == (204, b"")
        assert_problem(await client.get("/api/v1/users/me", headers=ada.auth), 401)  # every session ended
        old = await client.post("/api/v1/auth/login", json={"email": ada.email, "password": PASSWORD})
        assert_problem(old, 401)
        new = await client.post("/api/v1/auth/login", json={"email": ada.email, "password": NEW})
        assert new.status_code == 200
        again = await client.post(CONFIRM, json={"token": token, "new_password": "and yet another passphrase"})
        wrong = await client.post(CONFIRM, json={"token": "x" * 43, "new_password": "and yet another passphrase"})
        assert_problem(again, 400, "invalid-reset-token")
        assert again.content == wrong.content  # used or wrong: one answer
