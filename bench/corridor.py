"""The change corridor (issue 30): write-to-notification latency, the consumer's throughput, POST's cost beside it.

- Latency: a project's owner assigns tasks to a member at a steady rate (each create sent
  on a fixed schedule, not after the last answer); the member holds one live stream, and
  each `notification.created` is timed as it arrives. A delivery's latency runs from the
  moment its create was sent: the create, MongoDB's change stream to the worker, the
  consumer's handlers (history, notification), the notification's insert, the change
  stream to the API and its fan-out.
- Throughput: with no worker running, a burst of tasks assigned in turn to a project's
  members is written straight to MongoDB (as the listing seeds are); a worker then starts,
  and the consumer's changes per second run from the first history entry to the last.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from datetime import UTC, datetime
from typing import Any

import httpx
from pymongo import AsyncMongoClient

from bench.listing import Project, seed
from bench.live_updates import account, percentile
from taskflow.adapters.mongo.change_feed import MongoChangeFeed
from taskflow.adapters.mongo.projects import MongoMembershipRepository
from taskflow.adapters.mongo.schema.change_consumers import CHANGE_CONSUMERS, position_to_document, position_to_entity
from taskflow.domain.access.roles import ProjectRole
from taskflow.domain.changes.consumer import CHANGE_CONSUMER
from taskflow.domain.model.projects import Membership
from taskflow.domain.values import ProjectId, UserId

RATE, SECONDS = 50, 10
BURST = 10_000


async def _join(uri: str, database: str, member: UserId, project: ProjectId, space: UserId) -> None:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri)
    try:
        await MongoMembershipRepository(client[database]).add(
            Membership(
                user_id=member, project_id=project, space=space, role=ProjectRole.EDITOR, joined_at=datetime.now(UTC)
            )
        )
    finally:
        await client.close()


async def _watch(http: httpx.AsyncClient, token: str, arrivals: dict[str, float], ready: asyncio.Event) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    async with http.stream("GET", "/api/v1/tasks/events", headers=headers) as response:
        ready.set()
        kind = ""
        async for line in response.aiter_lines():
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: ") and kind == "notification.created":
                arrivals.setdefault(json.loads(line[6:])["task"]["title"], time.perf_counter())


async def notification_latency(url: str, uri: str, database: str) -> str:
    """Assignments at RATE a second for SECONDS, each timed from its create's sending to its notification."""
    async with httpx.AsyncClient(base_url=url, timeout=httpx.Timeout(30, read=None)) as http:
        owner_token, owner = await account(http, "corridor-owner")
        member_token, member = await account(http, "corridor-member")
        headers = {"Authorization": f"Bearer {owner_token}"}
        project = ProjectId(
            (await http.post("/api/v1/projects", json={"name": "corridor"}, headers=headers)).json()["id"]
        )
        await _join(uri, database, member, project, owner)
        arrivals: dict[str, float] = {}
        ready = asyncio.Event()
        reader = asyncio.create_task(_watch(http, member_token, arrivals, ready))
        await ready.wait()
        sent: dict[str, float] = {}
        answers: list[float] = []

        refused: dict[int, int] = {}

        async def create(title: str) -> None:
            started = sent[title] = time.perf_counter()
            body = {"title": title, "project_id": project.value, "assignee_id": member.value}
            status = (await http.post("/api/v1/tasks", json=body, headers=headers)).status_code
            if status != httpx.codes.CREATED:
                del sent[title]
                refused[status] = refused.get(status, 0) + 1
            answers.append(time.perf_counter() - started)

        start, creates = time.perf_counter(), []
        for n in range(RATE * SECONDS):
            await asyncio.sleep(max(0.0, start + n / RATE - time.perf_counter()))
            creates.append(asyncio.create_task(create(f"corridor {n}")))
        await asyncio.gather(*creates)
        deadline = time.perf_counter() + 60
        while len(arrivals.keys() & sent.keys()) < len(sent) and time.perf_counter() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        reader.cancel()
        await asyncio.gather(reader, return_exceptions=True)
    latencies = [arrivals[title] - sent[title] for title in sent if title in arrivals]
    if not latencies:
        return f"no notification arrived ({len(sent)} created; refused: {refused or 'none'})"
    return (
        f"{RATE} writes/s for {SECONDS} s: write-to-notification p50 {statistics.median(latencies) * 1000:.0f} ms, "
        f"p99 {percentile(latencies, 0.99) * 1000:.0f} ms, {len(latencies)} of {len(sent)} arrived "
        f"(targets: p50 <= 1 s, p99 <= 3 s); the create itself p50 {statistics.median(answers) * 1000:.1f} ms"
    )


async def burst_written(url: str, uri: str, database: str, *, secret: str) -> int:
    """BURST tasks assigned in turn to a project's members, straight to MongoDB; how many (one change each)."""
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:
        lead_token, lead = await account(http, "burst-lead")
        members = [(await account(http, f"burst-member-{n}"))[1] for n in range(4)]
        headers = {"Authorization": f"Bearer {lead_token}"}
        project = ProjectId((await http.post("/api/v1/projects", json={"name": "burst"}, headers=headers)).json()["id"])
    seeded = await seed(uri, database, lead, BURST, secret=secret, project=Project(project, lead, tuple(members)))
    return seeded.count


async def consumer_throughput(uri: str, database: str, changes: int, *, within: float = 600) -> str:
    """Once a worker runs: changes per second from the first history entry to the `changes`-th."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri)
    entries = client[database]["task_activity"]
    try:
        base = await entries.count_documents({})
        deadline = time.perf_counter() + within
        while await entries.count_documents({}) == base:
            if time.perf_counter() > deadline:
                return "the consumer handled nothing"
            await asyncio.sleep(0.05)
        first = time.perf_counter()
        while (done := await entries.count_documents({}) - base) < changes:
            if time.perf_counter() > deadline:
                break
            await asyncio.sleep(0.2)
        seconds = time.perf_counter() - first
    finally:
        await client.close()
    return (
        f"a burst of {changes:,} changes (assignments: a history entry and a notification each): "
        f"{done:,} handled in {seconds:.1f} s, {done / seconds:,.0f} changes/s"
    )


async def consumer_from_now(uri: str, database: str) -> None:
    """The consumer's checkpoint moved to where the history ends: the bench's seeds are not its to handle.

    They were written straight to MongoDB before any worker ran, and would otherwise be
    handled by the next worker started, in the middle of whatever that run measures.
    """
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri)
    try:
        now = await MongoChangeFeed(client[database], max_await_seconds=0).now()
        await client[database][CHANGE_CONSUMERS].update_one(
            {"_id": CHANGE_CONSUMER}, {"$set": {"position": position_to_document(now)}}, upsert=True
        )
    finally:
        await client.close()


async def consumer_running(uri: str, database: str, *, caught_up: bool = False, within: float = 300) -> None:
    """Until a worker's consumer holds the lease.

    With `caught_up`, also until no change is after its checkpoint: what is measured next
    does not wait behind earlier changes.
    """
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri)
    try:
        feed = MongoChangeFeed(client[database], max_await_seconds=0)
        deadline = time.perf_counter() + within
        while True:
            raw = await client[database][CHANGE_CONSUMERS].find_one({"_id": CHANGE_CONSUMER})
            held = raw and raw.get("holder") and raw["lease_until"].replace(tzinfo=UTC) > datetime.now(UTC)
            at = position_to_entity((raw or {}).get("position"))
            behind = at is not None and await feed.count_after(at, limit=1, within=1)
            if held and (not caught_up or not behind):
                return
            if time.perf_counter() > deadline:
                msg = "no worker took the consumer's lease"
                raise RuntimeError(msg)
            await asyncio.sleep(0.1)
    finally:
        await client.close()
