"""Seeding a place (a user's own tasks, or a project's) with many tasks, a deep cursor, and the plan.

Tasks are written straight to MongoDB (the API would take minutes for 100,000 on two
cores) from the same domain entities and mapping the API uses. The deep-page cursor is
signed with the stack's own secret for the task near the end of the default order, so
the request is exactly what a client would send after paging that far. Project members
are added as the tests add them, through the membership adapter; the place's grant comes
from the access service, as on every request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bson import ObjectId
from pymongo import AsyncMongoClient

from taskflow.adapters.http.tasks.cursors import TaskCursors
from taskflow.adapters.mongo.projects import MongoMembershipRepository
from taskflow.adapters.mongo.schema.tasks import TASKS, task_to_document
from taskflow.adapters.mongo.task_listing import listing_query, listing_sort
from taskflow.adapters.stores.tasks.mongo import place_of
from taskflow.domain.access.principal import Principal
from taskflow.domain.access.roles import Action, ProjectRole
from taskflow.domain.access.service import AccessService
from taskflow.domain.model.projects import Membership
from taskflow.domain.model.task_queries import PAGE_SIZE_DEFAULT, TaskFilter, TaskOrder, TaskPosition
from taskflow.domain.model.tasks import Task, TaskDraft
from taskflow.domain.values import Priority, ProjectId, Role, TaskId, TaskStatus, UserId

BATCH = 5_000
START = datetime(2026, 1, 1, tzinfo=UTC)
STATUSES, PRIORITIES = list(TaskStatus), list(Priority)


@dataclass(frozen=True)
class Seeded:
    owner: UserId
    """Whose cache entries a cold read drops: the reader's, or the project's space's."""
    count: int
    deep_cursor: str
    plan: str


@dataclass(frozen=True)
class Project:
    """A project made through the API; the bench adds its members and its tasks."""

    id: ProjectId
    space: UserId
    members: tuple[UserId, ...] = ()
    """Who the seeded tasks are assigned to, in turn; added to the project as doers."""


async def seed(
    uri: str, database: str, reader: UserId, count: int, *, secret: str, project: Project | None = None
) -> Seeded:
    """`count` tasks one second apart in the reader's own tasks or a project; the deep cursor opens the last page."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri)
    tasks = client[database][TASKS]
    try:
        memberships = MongoMembershipRepository(client[database])
        access = AccessService(memberships)
        if project is None:
            grant = access.own(reader)
        else:
            await _join(memberships, project)
            grant = await access.project(Principal(reader, Role.USER), project.id, Action.READ)
        for first in range(0, count, BATCH):
            batch = [_task(grant.space, n, project) for n in range(first, min(first + BATCH, count))]
            await tasks.insert_many([task_to_document(task) for task in batch], ordered=False)
        order, task_filter = TaskOrder(), TaskFilter()
        # Newest first, so after "Task 20" come exactly the 20 oldest: the last page.
        stored = await tasks.find_one({**place_of(grant), "title": f"Task {PAGE_SIZE_DEFAULT}"})
        if stored is None:
            msg = "the seeded tasks are not there"
            raise RuntimeError(msg)
        position = TaskPosition(stored["created_at"], TaskId(str(stored["_id"])))
        cursor = TaskCursors(secret).encode(position, reader, order, task_filter, grant.project)
        plan = await _plan(client, database, listing_query(place_of(grant), task_filter, order, position), order)
        return Seeded(owner=grant.space, count=count, deep_cursor=cursor, plan=plan)
    finally:
        await client.close()


async def _join(memberships: MongoMembershipRepository, project: Project) -> None:
    for member in project.members:  # the creator is one already: `add` says no to a second membership
        await memberships.add(
            Membership(
                user_id=member, project_id=project.id, space=project.space, role=ProjectRole.DOER, joined_at=START
            )
        )


def _task(space: UserId, n: int, project: Project | None) -> Task:
    assignees = project.members if project else ()
    draft = TaskDraft(
        title=f"Task {n}",
        description="seeded by make bench",
        status=STATUSES[n % len(STATUSES)],
        priority=PRIORITIES[n % len(PRIORITIES)],
        due_at=START + timedelta(days=n % 90) if n % 2 else None,
        tags=("bench", f"t{n % 10}"),
        assignee_id=assignees[n % len(assignees)] if assignees else None,
    )
    place = project.id if project else None
    return Task.create(TaskId(str(ObjectId())), space, draft, now=START + timedelta(seconds=n), project_id=place)


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
