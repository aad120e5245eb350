"""E-mail verification on the real servers: the token comes in the welcome mail the real worker sent."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from taskflow.entrypoints.processes import Child
from tests.api.conftest import OwnRedisStack, assert_problem, new_account, stack_on_own_redis, worker_process
from tests.conftest import mail_messages

VERIFY = "/api/v1/auth/verify-email"


@pytest.fixture
async def mail_stack(mongodb: Child, mail_sink: tuple[Child, Path]) -> AsyncIterator[tuple[OwnRedisStack, Path]]:
    sink, directory = mail_sink
    async with stack_on_own_redis(mongodb, smtp_url=sink.url) as stack:
        yield stack, directory


async def _token_mailed_to(directory: Path, address: str, subject: str) -> str:
    deadline = time.monotonic() + 30
    while True:
        for message in mail_messages(directory):
            if str(message["To"]) == address and str(message["Subject"]) == subject:
                text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
                found = re.search(r'"token": "([\w.-]+)"', text)
                assert found is not None
                return found.group(1)
        assert time.monotonic() < deadline, f"no {subject!r} mail to {address}"
        await asyncio.sleep(0.2)


async def test_the_welcome_mail_verifies_the_address_and_a_new_mail_can_be_asked_for(
    mail_stack: tuple[OwnRedisStack, Path],
) -> None:
    stack, directory = mail_stack
    async with httpx.AsyncClient(base_url=stack.url, timeout=10) as client:
        ada, bob = await new_account(client), await new_account(client)
        assert (await client.get("/api/v1/users/me", headers=ada.auth)).json()["email_verified"] is False
        with worker_process(stack.settings):
            token = await _token_mailed_to(directory, ada.email, "Welcome to taskflow")
            asked = await client.post("/api/v1/users/me/verification", headers=bob.auth)
            assert asked.status_code == 202
            bobs = await _token_mailed_to(directory, bob.email, "Confirm your e-mail address for taskflow")
        assert_problem(await client.post(VERIFY, json={"token": token[:-2] + "xx"}), 400, "invalid-verification-token")
        for _ in range(2):  # a second time changes nothing
            done = await client.post(VERIFY, json={"token": token})
            assert (done.status_code, done.content) == (204, b"")
        assert (await client.get("/api/v1/users/me", headers=ada.auth)).json()["email_verified"] is True
        again = await client.post("/api/v1/users/me/verification", headers=ada.auth)
        assert_problem(again, 409, "email-already-verified")
        assert (await client.post(VERIFY, json={"token": bobs})).status_code == 204
        assert (await client.get("/api/v1/users/me", headers=bob.auth)).json()["email_verified"] is True
