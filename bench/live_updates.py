"""Write-to-event latency of `GET /tasks/events`, with 1 and with 100 streams open, and memory per stream.

The streams belong to members of one project (one stream each, as a browser tab would
hold); its owner creates tasks in it, one at a time, paced, and each member's stream
timestamps the event when it arrives. The latency of a delivery runs from the moment the
create was sent to the moment that stream read its event: it includes the create itself
(its p50 is printed beside), MongoDB's change stream, the API's fan-out and the client.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
from pymongo import AsyncMongoClient

from taskflow.adapters.mongo.projects import MongoMembershipRepository
from taskflow.domain.access.roles import ProjectRole
from taskflow.domain.model.projects import Membership
from taskflow.domain.values import ProjectId, UserId

WRITES = 60
PACE_SECONDS = 0.05
PASSWORD = "correct horse battery staple"  # noqa: S105 - the bench's own throwaway accounts


async def account(http: httpx.AsyncClient, name: str) -> tuple[str, UserId]:
    email = f"{name}@example.com"
    created = await http.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD, "name": name})
    login = (await http.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})).json()
    return login["access_token"], UserId(created.json()["id"])


async def _watch(http: httpx.AsyncClient, token: str, arrivals: dict[str, list[float]], ready: asyncio.Event) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    async with http.stream("GET", "/api/v1/tasks/events", headers=headers) as response:
        ready.set()
        async for line in response.aiter_lines():
            if line.startswith("data: {"):
                title = json.loads(line[6:])["title"]
                arrivals.setdefault(title, []).append(time.perf_counter())


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def _measure(url: str, uri: str, database: str, streams: int, rss: Callable[[], int]) -> str:
    limits = httpx.Limits(max_connections=streams + 10, max_keepalive_connections=streams + 10)
    async with httpx.AsyncClient(base_url=url, timeout=httpx.Timeout(30, read=None), limits=limits) as http:
        owner_token, owner = await account(http, f"live-owner-{streams}")
        members = [await account(http, f"live-{streams}-{n}") for n in range(streams)]
        project = (await http.post(
            "/api/v1/projects", json={"name": "live"}, headers={"Authorization": f"Bearer {owner_token}"}
        )).json()["id"]  # fmt: skip
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri)
        try:
            memberships = MongoMembershipRepository(client[database])
            for _, member in members:
                membership = Membership(
                    user_id=member,
                    project_id=ProjectId(project),
                    space=owner,
                    role=ProjectRole.VIEWER,
                    joined_at=datetime.now(UTC),
                )
                await memberships.add(membership)
        finally:
            await client.close()
        before = rss()
        arrivals: dict[str, list[float]] = {}
        readers = []
        for token, _ in members:
            ready = asyncio.Event()
            readers.append(asyncio.create_task(_watch(http, token, arrivals, ready)))
            await ready.wait()
        opened = rss()
        sent, creates = {}, []
        headers = {"Authorization": f"Bearer {owner_token}"}
        for n in range(WRITES):
            title = f"live {streams} {n}"
            started = time.perf_counter()
            answer = await http.post("/api/v1/tasks", json={"title": title, "project_id": project}, headers=headers)
            creates.append(time.perf_counter() - started)
            if answer.status_code == httpx.codes.CREATED:
                sent[title] = started
            await asyncio.sleep(PACE_SECONDS)
        deadline = time.perf_counter() + 30
        while sum(len(arrivals.get(title, [])) for title in sent) < len(sent) * streams:
            if time.perf_counter() > deadline:
                break
            await asyncio.sleep(0.05)
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
    latencies = [arrived - sent[title] for title in sent for arrived in arrivals.get(title, [])]
    delivered = len(latencies) / max(1, len(sent) * streams)
    if not latencies:
        return f"{streams} stream(s): no event arrived"
    per_stream = (opened - before) / streams
    return (
        f"{streams:>3} stream(s): write-to-event p50 {statistics.median(latencies) * 1000:.1f} ms, "
        f"p99 {percentile(latencies, 0.99) * 1000:.1f} ms over {len(latencies):,} deliveries "
        f"({delivered:.0%} of {len(sent) * streams:,}); the create itself p50 "
        f"{statistics.median(creates) * 1000:.1f} ms; API RSS {per_stream:,.0f} KiB per open stream "
        f"({before / 1024:.0f} -> {opened / 1024:.0f} MiB)"
    )


def live_update_rows(
    url: str, uri: str, database: str, rss: Callable[[], int], *, counts: tuple[int, ...] = (1, 100)
) -> list[str]:
    """One line per stream count; `rss` reads the API process's resident memory in KiB."""

    async def run() -> list[str]:
        return [await _measure(url, uri, database, streams, rss) for streams in counts]

    return asyncio.run(run())
