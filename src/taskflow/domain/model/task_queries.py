"""What a task listing asks for: filters, one order, and where the previous page ended.

The rules here are the meaning; the MongoDB adapter turns them into a filter and an index
walk, and the contract tests check it agrees with `TaskFilter.matches` and `sort_key`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Final

from taskflow.domain.errors import InvalidValueError
from taskflow.domain.model.tasks import Task, to_utc_millis
from taskflow.domain.values import TAG_MAX_LENGTH, TAGS_MAX_COUNT, Priority, TaskId, TaskStatus, UserId

TEXT_QUERY_MAX_LENGTH: Final = 100
PAGE_SIZE_DEFAULT: Final = 20
PAGE_SIZE_MAX: Final = 100
PRIORITY_RANK: Final = {priority: rank for rank, priority in enumerate(Priority)}

SortValue = datetime | int | None


class TaskSortKey(StrEnum):
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    DUE_AT = "due_at"
    PRIORITY = "priority"


class TaskSort(StrEnum):
    """The orders a listing offers, by name; `-` means descending. Ties break on the task id."""

    CREATED_AT = "created_at"
    CREATED_AT_DESC = "-created_at"
    UPDATED_AT = "updated_at"
    UPDATED_AT_DESC = "-updated_at"
    DUE_AT = "due_at"
    DUE_AT_DESC = "-due_at"
    PRIORITY = "priority"
    PRIORITY_DESC = "-priority"


@dataclass(frozen=True, slots=True)
class TaskOrder:
    """One sort key and a direction; ties are broken by task id in the same direction.

    A task with no `due_at` sorts before every dated one (first ascending, last descending).
    """

    key: TaskSortKey = TaskSortKey.CREATED_AT
    descending: bool = True

    @classmethod
    def parse(cls, text: str) -> TaskOrder:
        """One of `TaskSort`: `created_at` is ascending, `-created_at` descending."""
        try:
            name = TaskSort(text)
        except ValueError:
            allowed = ", ".join(TaskSort)
            msg = f"sort must be one of {allowed}"
            raise InvalidValueError(msg, field="sort") from None
        return cls(TaskSortKey(name.removeprefix("-")), descending=name.startswith("-"))

    def __str__(self) -> str:
        return ("-" if self.descending else "") + self.key.value

    def value_of(self, task: Task) -> SortValue:
        match self.key:
            case TaskSortKey.CREATED_AT:
                return task.created_at
            case TaskSortKey.UPDATED_AT:
                return task.updated_at
            case TaskSortKey.DUE_AT:
                return task.due_at
            case TaskSortKey.PRIORITY:
                return PRIORITY_RANK[task.priority]

    def sort_key(self, task: Task) -> tuple[bool, SortValue, str]:
        """Ascending position of `task` in this order (reverse it for descending)."""
        value = self.value_of(task)
        return (value is not None, value, task.id.value)


@dataclass(frozen=True, slots=True)
class TaskPosition:
    """The last task of a page, as the order sees it: the next page starts after it."""

    value: SortValue
    task_id: TaskId

    def plain(self) -> list[str | int | None]:
        """JSON-ready: the value (ISO 8601 for a time) and the task id."""
        value = self.value.isoformat() if isinstance(self.value, datetime) else self.value
        return [value, self.task_id.value]


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskFilter:
    """Filters combine with AND; the values of one filter with OR (any of them).

    `due_after` is inclusive and `due_before` exclusive, so adjacent ranges tile. `text`
    matches title or description as a literal, case-insensitively.
    """

    statuses: frozenset[TaskStatus] = frozenset()
    priorities: frozenset[Priority] = frozenset()
    tags: frozenset[str] = frozenset()
    due_before: datetime | None = None
    due_after: datetime | None = None
    text: str | None = None
    assignee: UserId | None = None
    canonical: str = field(init=False, repr=False, compare=False)
    """The same text for equal filters in every process (sets are sorted): a key, or MAC input.

    Made once: a listing uses it for its cache key and for its cursor's signature.
    """

    def __post_init__(self) -> None:
        if len(self.tags) > TAGS_MAX_COUNT or not all(0 < len(tag) <= TAG_MAX_LENGTH for tag in self.tags):
            msg = f"tag may be given at most {TAGS_MAX_COUNT} times, each with 1 to {TAG_MAX_LENGTH} characters"
            raise InvalidValueError(msg, field="tag")
        for name in ("due_before", "due_after"):
            moment = getattr(self, name)
            if moment is not None:
                object.__setattr__(self, name, to_utc_millis(moment, field_name=name))
        if self.due_before is not None and self.due_after is not None and self.due_after >= self.due_before:
            msg = "due_after must be earlier than due_before"
            raise InvalidValueError(msg, field="due_after")
        if self.text is not None and not 1 <= len(self.text) <= TEXT_QUERY_MAX_LENGTH:
            msg = f"q must have 1 to {TEXT_QUERY_MAX_LENGTH} characters"
            raise InvalidValueError(msg, field="q")
        object.__setattr__(self, "canonical", self._canonical())

    def _canonical(self) -> str:
        return json.dumps(
            [
                sorted(self.statuses),
                sorted(self.priorities),
                sorted(self.tags),
                self.due_before.isoformat() if self.due_before else None,
                self.due_after.isoformat() if self.due_after else None,
                self.text,
                *([] if self.assignee is None else [self.assignee.value]),  # earlier filters keep their text
            ],
            separators=(",", ":"),
        )

    def matches(self, task: Task) -> bool:
        return (
            (not self.statuses or task.status in self.statuses)
            and (not self.priorities or task.priority in self.priorities)
            and (not self.tags or not self.tags.isdisjoint(task.tags))
            and (self.due_before is None or (task.due_at is not None and task.due_at < self.due_before))
            and (self.due_after is None or (task.due_at is not None and task.due_at >= self.due_after))
            and (self.text is None or _contains(task.title, self.text) or _contains(task.description, self.text))
            and (self.assignee is None or task.assignee_id == self.assignee)
        )


def _contains(haystack: str, needle: str) -> bool:
    return re.search(re.escape(needle), haystack, re.IGNORECASE) is not None


@dataclass(frozen=True, slots=True)
class TaskPage:
    items: list[Task]
    next_after: TaskPosition | None


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskStats:
    """One user's figures as of `computed_at`; `overdue` counts unfinished tasks past due then."""

    total: int
    by_status: dict[TaskStatus, int]
    by_priority: dict[Priority, int]
    overdue: int
    done_since: int
    computed_at: datetime
