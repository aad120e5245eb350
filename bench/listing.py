"""Seeding a user with many tasks, a deep cursor into them, and what the server plans.

Tasks are written straight to MongoDB (the API would take minutes for 100,000 on two
cores) from the same domain entities and mapping the API uses. The deep-page cursor is
signed with the stack's own secret for the task near the end of the default order, so
the request is exactly what a client would send after paging that far.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bson import ObjectId
from pymongo import AsyncMongoClient

from taskflow.adapters.http.cursors import TaskCursors
from taskflow.adapters.mongo.documents import TASKS, task_to_document
from taskflow.adapters.mongo.task_listing import listing_query, listing_sort
from taskflow.adapters.task_store.mongo import place_of
from taskflow.domain.access import AccessService
from taskflow.domain.entities import Task, TaskDraft
from taskflow.domain.task_queries import PAGE_SIZE_DEFAULT, TaskFilter, TaskOrder, TaskPosition
from taskflow.domain.values import Priority, TaskId, TaskStatus, UserId

BATCH = 5_000
START = datetime(2026, 1, 1, tzinfo=UTC)
STATUSES, PRIORITIES = list(TaskStatus), list(Priority)


@dataclass(frozen=True)
class Seeded:
    owner: UserId
    count: int
    deep_cursor: str
    plan: str


async def seed(uri: str, database: str, owner: UserId, count: int, *, secret: str) -> Seeded:
    """`count` tasks one second apart; the deep cursor opens the last page."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri)
    tasks = client[database][TASKS]
    try:
        for first in range(0, count, BATCH):
            batch = [_task(owner, n) for n in range(first, min(first + BATCH, count))]
            await tasks.insert_many([task_to_document(task) for task in batch], ordered=False)
        order, task_filter = TaskOrder(), TaskFilter()
        # Newest first, so after "Task 20" come exactly the 20 oldest: the last page.
        stored = await tasks.find_one({"user_id": ObjectId(owner.value), "title": f"Task {PAGE_SIZE_DEFAULT}"})
        if stored is None:
            msg = "the seeded tasks are not there"
            raise RuntimeError(msg)
        position = TaskPosition(stored["created_at"], TaskId(str(stored["_id"])))
        cursor = TaskCursors(secret).encode(position, owner, order, task_filter)
        plan = await _plan(
            client, database, listing_query(place_of(AccessService.own(owner)), task_filter, order, position), order
        )
        return Seeded(owner=owner, count=count, deep_cursor=cursor, plan=plan)
    finally:
        await client.close()


def _task(owner: UserId, n: int) -> Task:
    draft = TaskDraft(
        title=f"Task {n}",
        description="seeded by make bench",
        status=STATUSES[n % len(STATUSES)],
        priority=PRIORITIES[n % len(PRIORITIES)],
        due_at=START + timedelta(days=n % 90) if n % 2 else None,
        tags=("bench", f"t{n % 10}"),
    )
    return Task.create(TaskId(str(ObjectId())), owner, draft, now=START + timedelta(seconds=n))


async def _plan(
    client: AsyncMongoClient[dict[str, Any]], database: str, query: dict[str, Any], order: TaskOrder
) -> str:
    """The server's own explain of the deep-page query: its stages, and what it examined."""
    command = {"find": TASKS, "filter": query, "sort": dict(listing_sort(order)), "limit": PAGE_SIZE_DEFAULT + 1}
    try:
        explained = await client[database].command("explain", command, verbosity="executionStats")
    except Exception as error:  # noqa: BLE001 - a server without explain is reported, not fatal
        return f"explain failed: {error}"
    stats = explained.get("executionStats", {})
    return (
        f"stages {_stages(explained.get('queryPlanner', {}).get('winningPlan', {}))}; "
        f"keys examined {stats.get('totalKeysExamined', '?')}, docs examined {stats.get('totalDocsExamined', '?')}, "
        f"returned {stats.get('nReturned', '?')}"
    )


def _stages(plan: dict[str, Any]) -> str:
    names = []
    while plan:
        stage = plan.get("stage", "?")
        if index := plan.get("indexName"):
            stage += f"({index})"
        names.append(stage)
        children = plan.get("inputStages") or [plan.get("inputStage") or {}]
        plan = children[0]
    return " <- ".join(names) or "?"
