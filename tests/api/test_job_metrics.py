"""`/metrics` reports the job queue's depth and the jobs that gave up, whichever process ran them."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from taskflow.entrypoints.processes import Child
from tests.api.conftest import OwnRedisStack, assert_problem, new_account, stack_on_own_redis, worker_process

IMPORT = "/api/v1/tasks/import"
CSV = {"Content-Type": "text/csv"}


@pytest.fixture
async def stack(mongodb: Child) -> AsyncIterator[OwnRedisStack]:
    async with stack_on_own_redis(mongodb) as own:
        yield own


def _sample(text: str, name: str) -> float:
    found = re.search(rf"^{re.escape(name)} ([0-9.e+]+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


async def test_the_queue_depth_counts_jobs_no_worker_has_taken(stack: OwnRedisStack) -> None:
    async with httpx.AsyncClient(base_url=stack.url, timeout=10) as client:
        ada = await new_account(client)  # its welcome mail waits in the queue
        for _ in range(2):
            accepted = await client.post(IMPORT, content=b"title\nx\n", headers={**ada.auth, **CSV})
            assert accepted.status_code == 202
        metrics = (await client.get("/metrics")).text
    assert _sample(metrics, "taskflow_job_queue_depth") == 3


async def test_a_job_that_fails_is_shown_failed_with_a_reason_and_counted(stack: OwnRedisStack) -> None:
    admin: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(stack.settings.mongodb_uri, directConnection=True)
    async with httpx.AsyncClient(base_url=stack.url, timeout=10) as client:
        ada = await new_account(client)
        accepted = await client.post(IMPORT, content=b"title\nx\ny\n", headers={**ada.auth, **CSV})
        location = accepted.headers["location"]
        before = _sample((await client.get("/metrics")).text, 'taskflow_jobs_failed_total{job="run_import"}')
        # The worker's first insert (the rows) is refused with an error that is not transient.
        await admin.admin.command(
            {
                "configureFailPoint": "failCommand",
                "mode": {"times": 1},
                "data": {"failCommands": ["insert"], "errorCode": 2, "appName": "taskflow"},
            }
        )
        try:
            with worker_process(stack.settings):
                for _ in range(200):
                    job = (await client.get(location, headers=ada.auth)).json()
                    if job["state"] == "failed":
                        break
                    await asyncio.sleep(0.1)
        finally:
            await admin.admin.command({"configureFailPoint": "failCommand", "mode": "off"})
            await admin.close()
        assert job["state"] == "failed", job
        assert job["reason"].startswith("internal error")
        after = _sample((await client.get("/metrics")).text, 'taskflow_jobs_failed_total{job="run_import"}')
        assert after == before + 1
        assert_problem(await client.get(location, headers=(await new_account(client)).auth), 404, "job-not-found")
