"""The listing rules themselves: orders, filters and their limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from taskflow.domain.errors import InvalidValueError
from taskflow.domain.model.task_queries import TaskFilter, TaskOrder, TaskSort, TaskSortKey
from taskflow.domain.model.tasks import Task, TaskDraft
from taskflow.domain.values import Priority, TaskId, UserId

NOW = datetime(2026, 3, 1, tzinfo=UTC)
ADA = UserId("a" * 24)


def _task(n: int, **draft: object) -> Task:
    return Task.create(TaskId(f"{n:024x}"), ADA, TaskDraft(title="t", **draft), now=NOW)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "order"),
    [
        ("created_at", TaskOrder(TaskSortKey.CREATED_AT, descending=False)),
        ("-due_at", TaskOrder(TaskSortKey.DUE_AT, descending=True)),
        ("-priority", TaskOrder(TaskSortKey.PRIORITY, descending=True)),
    ],
)
def test_orders_parse_and_print_the_same(text: str, order: TaskOrder) -> None:
    assert TaskOrder.parse(text) == order
    assert str(order) == text


@pytest.mark.parametrize("text", ["title", "--created_at", "+created_at", "", "created_at "])
def test_only_the_allowlisted_orders_parse(text: str) -> None:
    with pytest.raises(InvalidValueError) as refused:
        TaskOrder.parse(text)
    assert refused.value.field == "sort"


def test_priority_sorts_by_rank_and_undated_tasks_sort_first() -> None:
    tasks = [_task(1, priority=Priority.LOW), _task(2, priority=Priority.URGENT), _task(3, priority=Priority.HIGH)]
    by_priority = TaskOrder(TaskSortKey.PRIORITY, descending=True)
    assert [t.id.value[-1] for t in sorted(tasks, key=by_priority.sort_key, reverse=True)] == ["2", "3", "1"]
    dated, undated = _task(4, due_at=NOW), _task(5)
    by_due = TaskOrder(TaskSortKey.DUE_AT, descending=False)
    assert sorted([dated, undated], key=by_due.sort_key) == [undated, dated]


def test_due_after_is_inclusive_and_due_before_exclusive() -> None:
    on_the_mark = _task(1, due_at=NOW)
    assert TaskFilter(due_after=NOW).matches(on_the_mark)
    assert not TaskFilter(due_before=NOW).matches(on_the_mark)
    assert not TaskFilter(due_after=NOW).matches(_task(2))  # undated tasks match no due range


def test_text_matches_literally_and_ignores_case() -> None:
    task = _task(1, description="costs 1.5 (EUR)*")
    assert TaskFilter(text="(eur)*").matches(task)
    assert not TaskFilter(text="1x5").matches(task)  # "." is not a wildcard


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"due_after": NOW, "due_before": NOW}, "due_after"),
        ({"due_before": datetime(2026, 3, 1)}, "due_before"),  # noqa: DTZ001 - the naive instant under test
        ({"text": ""}, "q"),
        ({"text": "x" * 101}, "q"),
        ({"tags": frozenset(f"t{n}" for n in range(21))}, "tag"),
        ({"tags": frozenset({"x" * 41})}, "tag"),
    ],
)
def test_filters_refuse_what_they_cannot_mean(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidValueError) as refused:
        TaskFilter(**kwargs)  # type: ignore[arg-type]
    assert refused.value.field == field


def test_filter_instants_are_kept_in_utc_milliseconds() -> None:
    paris_summer = datetime(2026, 7, 1, 12, 0, 0, 123456, tzinfo=timezone(timedelta(hours=2)))
    assert TaskFilter(due_after=paris_summer).due_after == datetime(2026, 7, 1, 10, 0, 0, 123000, tzinfo=UTC)


def test_the_orders_offered_are_every_key_both_ways() -> None:
    orders = {str(TaskOrder(key, descending)) for key in TaskSortKey for descending in (False, True)}
    assert {sort.value for sort in TaskSort} == orders
    assert all(str(TaskOrder.parse(sort)) == sort for sort in TaskSort)
