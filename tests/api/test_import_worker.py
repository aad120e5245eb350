"""Imports run by real `taskflow worker` processes, killed and stopped half way through."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from bson import ObjectId
from pymongo import AsyncMongoClient

from taskflow.entrypoints.processes import Child
from tests.api.conftest import Account, OwnRedisStack, new_account, stack_on_own_redis, worker_process

IMPORT = "/api/v1/tasks/import"
ROWS = 10_000
# Short, so a killed worker's job is taken over soon (after the timeout and the takeover margin),
# and a run that overruns it is cut and resumed: every run still moves the import forward.
JOB_TIMEOUT_SECONDS = 5
TAKEOVER_MARGIN_SECONDS = 1


@pytest.fixture
async def stack(mongodb: Child) -> AsyncIterator[OwnRedisStack]:
    async with stack_on_own_redis(
        mongodb,
        outbox_sweep_seconds=1,
        job_timeout_seconds=JOB_TIMEOUT_SECONDS,
        job_takeover_margin_seconds=TAKEOVER_MARGIN_SECONDS,
    ) as own:
        yield own


def _csv(rows: int) -> bytes:
    # An unclosed quote runs to the end of the file, so it comes last.
    hostile = 'Formula,=HYPERLINK("http://evil")\nNot UTF-8 caf\xe9,x\n,missing title\n"broken quote,x\n'
    body = "".join(f"Task {n:05d},row {n}\n" for n in range(rows))
    return b"title,description\n" + body.encode() + hostile.encode("latin-1")


async def _start(client: httpx.AsyncClient, account: Account, data: bytes) -> str:
    accepted = await client.post(IMPORT, content=data, headers={**account.auth, "Content-Type": "text/csv"})
    assert accepted.status_code == 202, accepted.text
    return str(accepted.headers["location"])


async def _follow(
    client: httpx.AsyncClient, account: Account, location: str, *, until: Any, within: float = 240
) -> tuple[dict[str, Any], list[int]]:
    """Poll the job until `until(job)`; the job then, and every `processed` seen on the way.

    A 503 (the database busy past the request's deadline, as it may be on a loaded machine
    while the import and the change consumer write) is asked again, as any client would.
    """
    seen: list[int] = []
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        answer = await client.get(location, headers=account.auth)
        if answer.status_code == httpx.codes.SERVICE_UNAVAILABLE:
            await asyncio.sleep(0.2)
            continue
        job: dict[str, Any] = answer.json()
        assert "progress" in job, job
        seen.append(job["progress"]["processed"])
        if until(job):
            return job, seen
        await asyncio.sleep(0.05)
    msg = f"the job did not get there in {within} s: {job}"
    raise AssertionError(msg)


async def _stored(stack: OwnRedisStack, account: Account) -> tuple[int, int]:
    """(tasks of the account, distinct titles among them), read from the primary."""
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(stack.settings.mongodb_uri, readPreference="primary")
    try:
        tasks = mongo[stack.settings.mongodb_database].tasks
        owner = {"user_id": ObjectId(account.id)}
        count = await tasks.count_documents(owner)
        titles = len(await tasks.distinct("title", owner))
    finally:
        await mongo.close()
    return count, titles


def _finished(job: dict[str, Any]) -> bool:
    return job["state"] in {"succeeded", "failed"}


def _expected(job: dict[str, Any]) -> None:
    assert job["state"] == "succeeded", job
    assert job["progress"] == {"processed": ROWS + 4, "total": ROWS + 4}
    assert (job["created"], job["failed"]) == (ROWS + 1, 3)  # the formula is text; the other three fail
    assert [(error["row"], error["field"]) for error in job["errors"]] == [
        (ROWS + 2, None),  # not UTF-8
        (ROWS + 3, "title"),
        (ROWS + 4, None),  # the quote never closes
    ]


@pytest.mark.slow
@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
async def test_a_worker_stopped_half_way_loses_nothing_and_writes_each_row_once(
    stack: OwnRedisStack, stop: signal.Signals
) -> None:
    async with httpx.AsyncClient(base_url=stack.url, timeout=10) as client:
        ada = await new_account(client)
        location = await _start(client, ada, _csv(ROWS))
        with worker_process(stack.settings) as first:
            _, before = await _follow(client, ada, location, until=lambda job: job["progress"]["processed"] >= 1_000)
            os.kill(first.process.pid, stop)
            first.process.wait(30)
        cut, _ = await _follow(client, ada, location, until=lambda _: True)
        assert cut["state"] in {"queued", "running"}
        assert cut["progress"]["processed"] < ROWS, "stopped too late to prove anything"
        with worker_process(stack.settings):
            job, after = await _follow(client, ada, location, until=_finished)
    _expected(job)
    progress = before + after
    assert progress == sorted(progress), "progress went backwards"
    assert await _stored(stack, ada) == (ROWS + 1, ROWS + 1)


async def test_two_imports_by_two_users_run_side_by_side(stack: OwnRedisStack) -> None:
    async with httpx.AsyncClient(base_url=stack.url, timeout=10) as client:
        ada, bob = await new_account(client), await new_account(client)
        with worker_process(stack.settings):
            locations = [await _start(client, ada, _csv(500)), await _start(client, bob, _csv(300))]
            jobs = [
                (await _follow(client, account, location, until=_finished))[0]
                for account, location in zip((ada, bob), locations, strict=True)
            ]
        assert [job["created"] for job in jobs] == [501, 301]
        assert (await client.get(locations[0], headers=bob.auth)).status_code == 404
    assert await _stored(stack, ada) == (501, 501)
    assert await _stored(stack, bob) == (301, 301)
