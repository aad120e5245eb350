"""One classification of a change, from the task before and after it: what every reaction reads."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from taskflow.domain.changes.classification import ChangeKind, FieldChange, classify
from taskflow.domain.changes.feed import FeedPosition, Place, TaskChanged
from taskflow.domain.model.tasks import Task, TaskChanges, TaskDraft
from taskflow.domain.values import ProjectId, TaskId, TaskStatus, UserId

ADA, BOB = UserId("a" * 24), UserId("b" * 24)
HOME = ProjectId("d" * 24)
NOW = datetime(2026, 3, 1, tzinfo=UTC)
AT = FeedPosition(1_800_000_000, 1, "token")


def _task(**draft: object) -> Task:
    return Task.create(TaskId("1" * 24), ADA, TaskDraft(title="Write", **draft), now=NOW, project_id=HOME, by=ADA)  # type: ignore[arg-type]  # the draft's own fields


def _changed(previous: Task, task: Task) -> TaskChanged:
    return TaskChanged(AT, task.id, Place.of(previous), task, task.version, previous)


def test_a_creation_is_created_by_its_creator_and_assigned_when_it_has_an_assignee() -> None:
    plain, assigned = _task(), _task(assignee_id=BOB)
    first = classify(TaskChanged(AT, plain.id, None, plain, 1))
    assert (first.kinds, first.actor, first.fields) == (frozenset({ChangeKind.CREATED}), ADA, ())
    assert classify(TaskChanged(AT, assigned.id, None, assigned, 1)).kinds == {ChangeKind.CREATED, ChangeKind.ASSIGNED}


def test_a_change_names_each_field_that_changed_with_both_values_and_who_made_it() -> None:
    task = _task()
    renamed = task.changed(TaskChanges(title="Write it", tags=("x",)), now=NOW, by=BOB)
    change = classify(_changed(task, renamed))
    assert change.kinds == {ChangeKind.UPDATED}
    assert change.fields == (FieldChange("title", "Write", "Write it"), FieldChange("tags", (), ("x",)))
    assert (change.actor, change.version) == (BOB, 2)


def test_completing_reopening_assigning_and_unassigning_are_named() -> None:
    task = _task()
    done = task.changed(TaskChanges(status=TaskStatus.DONE, assignee_id=BOB), now=NOW, by=BOB)
    reopened = done.changed(TaskChanges(status=TaskStatus.TODO, clear_assignee=True), now=NOW, by=ADA)
    assert classify(_changed(task, done)).kinds == {ChangeKind.UPDATED, ChangeKind.COMPLETED, ChangeKind.ASSIGNED}
    assert classify(_changed(done, reopened)).kinds == {
        ChangeKind.UPDATED,
        ChangeKind.REOPENED,
        ChangeKind.UNASSIGNED,
    }
    started = task.changed(TaskChanges(status=TaskStatus.IN_PROGRESS), now=NOW, by=ADA)
    assert classify(_changed(task, started)).kinds == {ChangeKind.UPDATED}  # neither completed nor reopened


def test_a_move_is_moved_and_a_deletion_is_deleted_by_nobody_known() -> None:
    task = _task()
    moved = dataclasses.replace(task, project_id=None, version=2, updated_by=BOB)
    assert classify(_changed(task, moved)).kinds == {ChangeKind.UPDATED, ChangeKind.MOVED}
    gone = classify(TaskChanged(AT, task.id, Place.of(task), None, 1, task))
    assert (gone.kinds, gone.actor, gone.after) == (frozenset({ChangeKind.DELETED}), None, None)


def test_a_change_the_feed_kept_no_earlier_image_of_is_updated_with_no_fields() -> None:
    task = _task()
    later = task.changed(TaskChanges(title="Other"), now=NOW, by=ADA)
    change = classify(TaskChanged(AT, later.id, Place.of(task), later, 2))
    assert (change.kinds, change.fields) == (frozenset({ChangeKind.UPDATED}), ())
