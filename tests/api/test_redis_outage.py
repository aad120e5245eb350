"""Redis stopped or frozen: the API answers from MongoDB, says so once, and recovers."""

from __future__ import annotations

import json
import os
import re
import signal

import httpx
import pytest

from taskflow.entrypoints.processes import start_redis
from tests.api.conftest import OwnRedisStack, new_account


async def _exercise(client: httpx.AsyncClient, auth: dict[str, str]) -> list[int]:
    created = await client.post("/api/v1/tasks", json={"title": "x"}, headers=auth)
    return [
        created.status_code,
        (await client.get(created.headers.get("location", "/api/v1/tasks/x"), headers=auth)).status_code,
        (await client.get("/api/v1/tasks", headers=auth)).status_code,
        (await client.get("/api/v1/users/me", headers=auth)).status_code,
        (await client.get("/health/ready")).status_code,
    ]


def _metric(text: str, name: str) -> float:
    """A sample's value; 0 for a labelled counter not incremented yet."""
    found = re.search(rf"^{re.escape(name)} ([0-9.e+]+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


FALLBACKS = (
    'taskflow_redis_fallbacks_total{use="rate_limit"}',
    'taskflow_redis_fallbacks_total{use="revocation"}',
    'taskflow_redis_fallbacks_total{use="cache"}',
)
PAGE_HITS = 'taskflow_cache_hits_total{kind="page"}'


def _events(err: str) -> list[str]:
    events = []
    for line in err.splitlines():
        try:
            events.append(json.loads(line).get("event", ""))
        except ValueError:
            continue
    return events


async def test_a_stopped_redis_is_reported_once_and_nothing_fails(
    own_redis_stack: OwnRedisStack, capfd: pytest.CaptureFixture[str]
) -> None:
    async with httpx.AsyncClient(base_url=own_redis_stack.url, timeout=10) as client:
        auth = (await new_account(client)).auth
        before = (await client.get("/metrics")).text
        port = own_redis_stack.redis.port
        own_redis_stack.redis.stop()
        capfd.readouterr()
        during = [await _exercise(client, auth) for _ in range(3)]
        metrics = (await client.get("/metrics")).text
        down_events = _events(capfd.readouterr().err)
        own_redis_stack.redis = start_redis(data_dir=None, port=port)
        after = await _exercise(client, auth)
        up_events = _events(capfd.readouterr().err)
        relisted = [(await client.get("/api/v1/tasks", headers=auth)).status_code for _ in range(2)]
        recovered = (await client.get("/metrics")).text
    assert during == [[201, 200, 200, 200, 200]] * 3
    assert down_events.count("redis_unavailable") == 1  # once per change, not once per call
    assert _metric(metrics, "taskflow_redis_up") == 0
    # Three rounds of four signed-in requests: each checked its token and spent its budget without
    # Redis; of each round's three task requests, the write could not drop the user's entries and
    # the two reads could not look theirs up.
    assert [_metric(metrics, name) - _metric(before, name) for name in FALLBACKS] == [12, 12, 9]
    assert after == [201, 200, 200, 200, 200]
    assert up_events.count("redis_available") == 1
    assert _metric(recovered, "taskflow_redis_up") == 1
    # Caching resumed without a restart: the list `after` stored answers both reads that follow.
    assert relisted == [200, 200]
    assert _metric(recovered, PAGE_HITS) - _metric(metrics, PAGE_HITS) == 2


async def test_a_frozen_redis_costs_a_socket_timeout_not_an_error(own_redis_stack: OwnRedisStack) -> None:
    async with httpx.AsyncClient(base_url=own_redis_stack.url, timeout=10) as client:
        auth = (await new_account(client)).auth
        pid = own_redis_stack.redis.process.pid
        os.kill(pid, signal.SIGSTOP)  # accepts connections, answers nothing
        try:
            frozen = await _exercise(client, auth)
        finally:
            os.kill(pid, signal.SIGCONT)
        thawed = await _exercise(client, auth)
    assert frozen == [201, 200, 200, 200, 200]
    assert thawed == [201, 200, 200, 200, 200]
