"""Who may see a task where it is: the one rule the live stream (and every later reaction) applies."""

from __future__ import annotations

from datetime import UTC, datetime

from taskflow.domain.access.service import AccessService
from taskflow.domain.changes.audience import sees
from taskflow.domain.changes.feed import Place
from taskflow.domain.model.tasks import Task, TaskDraft
from taskflow.domain.values import ProjectId, TaskId, UserId

ADA, BOB = UserId("a" * 24), UserId("b" * 24)
HOME, WORK = ProjectId("d" * 24), ProjectId("e" * 24)


def test_a_personal_task_is_its_owners_alone() -> None:
    assert sees(ADA, set(), Place(ADA, None))
    assert not sees(BOB, {HOME}, Place(ADA, None))


def test_a_projects_task_is_every_members_and_nobody_elses() -> None:
    assert sees(BOB, {HOME}, Place(ADA, HOME))
    assert not sees(ADA, {WORK}, Place(ADA, HOME))  # the space's owner is no member by that alone


def test_a_task_that_is_nowhere_is_nobodys() -> None:
    assert not sees(ADA, {HOME}, None)


def test_a_grant_holds_the_tasks_of_its_place_only() -> None:
    task = Task.create(TaskId("1" * 24), ADA, TaskDraft(title="t"), now=datetime(2026, 3, 1, tzinfo=UTC))
    assert Place.of(task) == AccessService.own(ADA).place
    assert AccessService.own(ADA).holds(task)
    assert not AccessService.own(BOB).holds(task)
