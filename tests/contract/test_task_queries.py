"""Listing, streaming and counting tasks mean the same in memory and on MongoDB.

The expected answers come from the domain's own rules (`TaskFilter.matches`,
`TaskOrder.sort_key`), computed here over the tasks the test wrote.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from taskflow.domain.model.task_queries import TaskFilter, TaskOrder, TaskPosition, TaskSortKey
from taskflow.domain.model.tasks import Task, TaskDraft
from taskflow.domain.values import Priority, TaskId, TaskStatus, UserId
from tests.contract.conftest import Repositories, add_task, own

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
ADA, BOB = UserId("a" * 24), UserId("b" * 24)
TITLES = ["Write the report", "Call the bank", "Réviser l'ÉTÉ", "report (draft) *v2*", "Buy milk"]
ORDERS = [TaskOrder(key, descending) for key in TaskSortKey for descending in (False, True)]


def _dataset() -> list[Task]:
    """Ties on purpose: few distinct instants, so the id has to break them."""
    rng = random.Random(4)  # noqa: S311 - a fixed, reproducible dataset, nothing secret
    tasks = []
    for n in range(36):
        owner = BOB if n % 6 == 5 else ADA
        created = START + timedelta(minutes=rng.randrange(6))
        due = rng.choice([None, START + timedelta(days=rng.randrange(-3, 4))])
        draft = TaskDraft(
            title=rng.choice(TITLES),
            description=rng.choice(["", "see REPORT.pdf", "a.b"]),
            status=rng.choice(list(TaskStatus)),
            priority=rng.choice(list(Priority)),
            due_at=due,
            tags=tuple(rng.sample(["home", "work", "ürgent"], rng.randrange(3))),
        )
        task = Task.create(TaskId(f"{n:024x}"), owner, draft, now=created)
        tasks.append(replace(task, updated_at=created + timedelta(minutes=rng.randrange(3))))
    return tasks


def _expected(tasks: list[Task], task_filter: TaskFilter, order: TaskOrder) -> list[TaskId]:
    mine = [t for t in tasks if t.owner_id == ADA and task_filter.matches(t)]
    return [t.id for t in sorted(mine, key=order.sort_key, reverse=order.descending)]


async def _walk(repositories: Repositories, task_filter: TaskFilter, order: TaskOrder, size: int) -> list[TaskId]:
    seen: list[TaskId] = []
    after: TaskPosition | None = None
    while True:
        page = await repositories.tasks.list_page(own(ADA), task_filter, order, after=after, limit=size)
        seen += [task.id for task in page]
        if len(page) < size:
            return seen
        after = TaskPosition(order.value_of(page[-1]), page[-1].id)


@pytest.fixture
async def dataset(repositories: Repositories) -> list[Task]:
    tasks = _dataset()
    for task in tasks:
        await add_task(repositories.tasks, task)
    return tasks


@pytest.mark.parametrize("order", ORDERS, ids=str)
async def test_pages_walk_every_order_without_gaps_or_repeats(
    repositories: Repositories, dataset: list[Task], order: TaskOrder
) -> None:
    assert await _walk(repositories, TaskFilter(), order, size=4) == _expected(dataset, TaskFilter(), order)


FILTERS = {
    "status any of": TaskFilter(statuses=frozenset({TaskStatus.TODO, TaskStatus.DONE})),
    "priority": TaskFilter(priorities=frozenset({Priority.URGENT})),
    "tag any of": TaskFilter(tags=frozenset({"ürgent", "home"})),
    "due range": TaskFilter(due_after=START - timedelta(days=1), due_before=START + timedelta(days=2)),
    "text is literal and case-blind": TaskFilter(text="REPORT"),
    "text with pattern characters": TaskFilter(text="(draft) *v2*"),
    "text dot is no wildcard": TaskFilter(text="a.b"),
    "unicode text": TaskFilter(text="réviser l'été"),
    "all together": TaskFilter(
        statuses=frozenset(TaskStatus), tags=frozenset({"work"}), due_after=START - timedelta(days=3), text="e"
    ),
}


@pytest.mark.parametrize("name", FILTERS)
@pytest.mark.parametrize("order", [TaskOrder(), TaskOrder(TaskSortKey.DUE_AT, descending=False)], ids=str)
async def test_filters_keep_exactly_the_matching_tasks(
    repositories: Repositories, dataset: list[Task], name: str, order: TaskOrder
) -> None:
    task_filter = FILTERS[name]
    expected = _expected(dataset, task_filter, order)
    assert expected, "the dataset must exercise this filter"
    assert await _walk(repositories, task_filter, order, size=3) == expected


async def test_another_owners_tasks_never_appear(repositories: Repositories, dataset: list[Task]) -> None:
    page = await repositories.tasks.list_page(own(BOB), TaskFilter(), TaskOrder(), after=None, limit=100)
    assert {task.id for task in page} == {t.id for t in dataset if t.owner_id == BOB}


async def test_streaming_yields_every_task_of_the_owner_oldest_first(
    repositories: Repositories, dataset: list[Task]
) -> None:
    streamed = [task async for task in repositories.tasks.stream(own(ADA))]
    oldest_first = TaskOrder(TaskSortKey.CREATED_AT, descending=False)
    assert [t.id for t in streamed] == _expected(dataset, TaskFilter(), oldest_first)
    assert streamed[0] == next(t for t in dataset if t.id == streamed[0].id)


async def test_stats_count_the_owners_tasks_only(repositories: Repositories, dataset: list[Task]) -> None:
    now = START + timedelta(days=1)
    stats = await repositories.tasks.stats(own(ADA), now=now, done_since=START + timedelta(minutes=3))
    mine = [t for t in dataset if t.owner_id == ADA]
    assert stats.total == len(mine)
    assert stats.by_status == {s: sum(t.status is s for t in mine) for s in TaskStatus}
    assert stats.by_priority == {p: sum(t.priority is p for t in mine) for p in Priority}
    overdue = [t for t in mine if t.status is not TaskStatus.DONE and t.due_at is not None and t.due_at < now]
    done_recently = [
        t
        for t in mine
        if t.status is TaskStatus.DONE and t.completed_at and t.completed_at >= START + timedelta(minutes=3)
    ]
    assert overdue
    assert done_recently
    assert stats.overdue == len(overdue)
    assert stats.done_since == len(done_recently)


async def test_stats_of_a_user_with_no_tasks_are_zeros(repositories: Repositories) -> None:
    stats = await repositories.tasks.stats(own(ADA), now=START, done_since=START)
    assert stats.total == stats.overdue == stats.done_since == 0
    assert set(stats.by_status.values()) == set(stats.by_priority.values()) == {0}
